// barcode_mpi: the command-line entry point. Parses options, sets up MPI, runs the job and
// turns every error into a message and an exit code (see error.h).
#include <cstdio>

#include "app/job.h"
#include "app/manifest.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "base/mpi_env.h"
#include "pipeline/gpu_backend.h"
#include "plan/options.h"
#include "video/ffmpeg_util.h"

int main(int argc, char** argv) {
  using namespace barcode;
  // Before MPI_Init, which takes a while: a SIGUSR1 that mpirun or SLURM forwards that early
  // would otherwise end the rank by its default action, without exit code 4 (requeue).
  install_interrupt_handlers();
  std::unique_ptr<MpiEnv> env;
  try {
    env = std::make_unique<MpiEnv>(&argc, &argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "barcode_mpi: error: %s\n", e.what());
    return kExitFailure;
  }
  ParseResult parsed = parse_options(argc, argv, env->rank() == 0);
  if (!parsed.options) return parsed.exit_code;
  const Options& options = *parsed.options;
  log::set_verbosity(options.verbosity);
  log::stage("MPI initialised, options parsed");
  set_ffmpeg_log_level(options.verbosity >= 2);
  install_profiler_marks();  // NVTX ranges named after the stages, where CUDA is built
  try {
    return options.manifest.empty() ? run_job(*env, options) : run_manifest(*env, options);
  } catch (const CollectiveExit& e) {
    return e.exit_code;
  } catch (const Error& e) {
    // An error on this rank alone: the others may be waiting in a collective call.
    log::error(e.what());
    env->abort(e.exit_code());
  } catch (const std::exception& e) {
    log::error(std::string("unexpected failure: ") + e.what());
    env->abort(kExitFailure);
  }
}
