// One barcode job: plan, decode and cluster this rank's segment, write the HDF5 file
// collectively, render the PNG on rank 0, report.
#pragma once

#include <string>

#include "app/summary.h"
#include "base/mpi_env.h"
#include "plan/options.h"
#include "plan/plan.h"

namespace barcode {

struct Backend;

// Returns the process exit code (see error.h). Errors that every rank shares end in
// CollectiveExit; an error on one rank alone ends the whole job through MPI_Abort. `stats`,
// when given, receives this rank's counts and times. `backend`, when given, is the device and
// decoders the caller opened for several jobs (job_backend.h); otherwise the job opens its own.
// `planned`, when given, is the input's plan made ahead by the caller (make_plan with these
// options on an environment like `env`, never with --from-h5: a --manifest rank plans its next
// movie meanwhile).
int run_job(const MpiEnv& env, const Options& options, RunStats* stats = nullptr,
            const Backend* backend = nullptr, Plan* planned = nullptr);

// Throws usage_error when SLURM started several tasks but MPI sees one rank (a PMI mismatch:
// each copy would process everything alone). run_job checks it; --manifest checks it once.
void refuse_split_launch(const MpiEnv& env);

// The options that decide a result file's rows and colours, with the identity of the input's
// content: the file's result_options attribute. A finished file is this run's result only if
// the two agree (--resume, and --manifest's skipping of finished movies).
std::string result_options(const Options& o);
// result_options without the input's identity (its leading "source=..." field): what can still
// be compared once the input is gone.
std::string result_options_without_source(const Options& o);

}  // namespace barcode
