#include "base/mpi_env.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "base/cpu_cores.h"
#include "base/error.h"
#include "base/log.h"

namespace barcode {

void mpi_check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw Error(std::string("MPI call ") + what + " failed: " + std::string(text, length));
}

namespace {

// Ranks of the node that may all run on the same cores (`mine`) each take a slice of them, in
// node-rank order, and bind to it (whole cores and packages where the numbers allow: cpu_slice),
// as two processes started on a node's halves by hand run. Unbound, each rank's threads spread
// over every core, among the other ranks' threads and away from their caches. (On two H200s with
// 32 cores, one package, the slices gave 9594-9794 frames/s end to end against 9375 unbound:
// docs/benchmarks.md.) Returns the number of cores this rank uses; `used` gets their list.
int pin_to_share(MPI_Comm node, int local_size, const cpu_set_t& mine, std::string* used) {
  std::vector<cpu_set_t> all(static_cast<size_t>(local_size));
  mpi_check(MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, all.data(), sizeof(mine), MPI_BYTE, node),
            "MPI_Allgather(core sets)");
  int local_rank = 0;
  mpi_check(MPI_Comm_rank(node, &local_rank), "MPI_Comm_rank(node)");
  int sharing = 0, part = 0, overlapping = 0;
  for (int r = 0; r < local_size; ++r) {
    const cpu_set_t& other = all[static_cast<size_t>(r)];
    cpu_set_t both;
    CPU_AND(&both, &mine, &other);
    if (CPU_COUNT(&both) > 0) ++overlapping;
    if (!CPU_EQUAL(&mine, &other)) continue;
    if (r < local_rank) ++part;
    ++sharing;
  }
  const int count = CPU_COUNT(&mine);
  if (sharing > 1 && sharing == overlapping) {
    const cpu_set_t slice = cpu_slice(mine, part, sharing);
    if (CPU_COUNT(&slice) > 0 && sched_setaffinity(0, sizeof(slice), &slice) == 0) {
      *used = cpu_list_text(slice);
      return CPU_COUNT(&slice);
    }
  }
  *used = cpu_list_text(mine);
  // Sets that overlap without being equal (or fewer cores than ranks): shared by count.
  return std::max(1, count / std::max(overlapping, 1));
}

// This rank's fair part of the cores it may run on: ranks started without binding
// (`mpirun --bind-to none`, srun without --cpu-bind) all see every core of the node, and sizing
// each one's threads from all of them oversubscribed the node (two ranks of 32 threads each on
// 32 cores). Ranks of the node whose core sets overlap share them equally.
int share_cores(MPI_Comm node, int local_size, std::string* used) {
  cpu_set_t mine;
  CPU_ZERO(&mine);
  if (sched_getaffinity(0, sizeof(mine), &mine) != 0) {
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  std::vector<cpu_set_t> all(static_cast<size_t>(local_size));
  mpi_check(MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, all.data(), sizeof(mine), MPI_BYTE, node),
            "MPI_Allgather(core sets)");
  cpu_set_t bound;  // the cores any rank of the node is bound to
  CPU_ZERO(&bound);
  for (cpu_set_t& other : all) CPU_OR(&bound, &bound, &other);
  // Open MPI binds each rank to one core by default when it starts two or fewer: a GPU rank's
  // sixteen decoder threads then shared one core (13 % slower under `mpirun -np 1`). Where the
  // ranks' bindings leave cores of the job idle and a rank has fewer than its share, the ranks
  // share all the cores the job may use instead, as with --bind-to none. Only under Open MPI's
  // launcher: a process started alone keeps the cores it was given (`taskset`, `numactl`: two
  // such processes on the halves of a node used to spread over all of it, each over the other's
  // cores).
  const bool open_mpi_launched = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  cpu_set_t allowed = cores_allowed();
  const int fair = CPU_COUNT(&allowed) / std::max(local_size, 1);
  if (open_mpi_launched && CPU_COUNT(&mine) < fair && CPU_COUNT(&bound) < CPU_COUNT(&allowed) &&
      sched_setaffinity(0, sizeof(allowed), &allowed) == 0) {
    mine = allowed;
  }
  return pin_to_share(node, local_size, mine, used);
}

}  // namespace

MpiEnv::MpiEnv(int* argc, char*** argv) {
  int provided = 0;
  // Open MPI 4.1's "lockedfile" component for shared file pointers writes the path of every
  // file MPI-IO opens, plus a suffix, into a buffer of 256 bytes: an output path of ~245 bytes
  // or more ends the process ("buffer overflow detected"). The tool never uses shared file
  // pointers, and MPI-IO opens files without such a component; a user's own setting is kept.
  // Other MPI libraries ignore the variable.
  setenv("OMPI_MCA_sharedfp", "^lockedfile", 0);
  // Decoder and clustering threads never call MPI. A --manifest rank that works on several
  // movies at once runs each movie's job in a thread of its own, each with its own communicator;
  // where the library does not allow that, it works on one movie at a time.
  if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
    std::fprintf(stderr, "barcode_mpi: error: MPI_Init_thread failed\n");
    throw Error("MPI could not be initialised");
  }
  thread_multiple_ = provided >= MPI_THREAD_MULTIPLE;
  // Errors come back as return codes that we check, instead of aborting inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  mpi_check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  mpi_check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  MPI_Comm node = MPI_COMM_NULL;
  mpi_check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  mpi_check(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank(node)");
  mpi_check(MPI_Comm_size(node, &local_size_), "MPI_Comm_size(node)");
  log::set_rank(rank_, size_);
  cores_ = share_cores(node, local_size_, &core_list_);
  MPI_Comm_free(&node);
}

std::unique_ptr<MpiEnv> MpiEnv::alone(const MpiEnv& world, int cores) {
  std::unique_ptr<MpiEnv> env(new MpiEnv());
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  // A communicator of its own: jobs running at once in threads of one rank must not share one
  // (collective calls on one communicator from two threads at once are not allowed).
  mpi_check(MPI_Comm_dup(MPI_COMM_SELF, &env->comm_), "MPI_Comm_dup(MPI_COMM_SELF)");
  env->owns_mpi_ = false;
  env->alone_ = true;
  env->thread_multiple_ = world.thread_multiple_;
  env->rank_ = 0;
  env->size_ = 1;
  env->local_rank_ = world.local_rank_;
  env->local_size_ = world.local_size_;
  env->cores_ = cores > 0 ? cores : world.cores_;
  env->core_list_ = world.core_list_;
  return env;
}

std::unique_ptr<MpiEnv> MpiEnv::members(const MpiEnv& world, bool member) {
  MPI_Comm comm = MPI_COMM_NULL;
  mpi_check(MPI_Comm_split(world.comm_, member ? 0 : MPI_UNDEFINED, world.rank_, &comm),
            "MPI_Comm_split(ranks taking part)");
  if (comm == MPI_COMM_NULL) return nullptr;
  std::unique_ptr<MpiEnv> env(new MpiEnv());
  env->comm_ = comm;
  env->owns_mpi_ = false;
  env->thread_multiple_ = world.thread_multiple_;
  mpi_check(MPI_Comm_rank(comm, &env->rank_), "MPI_Comm_rank(ranks taking part)");
  mpi_check(MPI_Comm_size(comm, &env->size_), "MPI_Comm_size(ranks taking part)");
  env->local_rank_ = world.local_rank_;
  env->local_size_ = world.local_size_;
  env->cores_ = world.cores_;
  env->core_list_ = world.core_list_;
  return env;
}

MpiEnv::~MpiEnv() {
  if (!owns_mpi_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }
  if (!owns_mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void MpiEnv::abort(int exit_code) const {
  if (alone()) throw CollectiveExit{exit_code, {}};
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

int64_t sum_when_all_ranks_arrive(const MpiEnv& env, int64_t value) {
  if (env.size() == 1) return value;
  int64_t sum = 0;
  MPI_Request arrived = MPI_REQUEST_NULL;
  mpi_check(MPI_Iallreduce(&value, &sum, 1, MPI_INT64_T, MPI_SUM, env.comm(), &arrived),
            "MPI_Iallreduce(write round)");
  for (int done = 0;;) {
    mpi_check(MPI_Test(&arrived, &done, MPI_STATUS_IGNORE), "MPI_Test(write round)");
    if (done) return sum;
    // Short enough to add little to a round, long enough to leave the core to the decoders.
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

void collective_step(const MpiEnv& env, const std::function<void()>& step) {
  int my_code = 0;
  std::string my_message;
  try {
    step();
  } catch (const Error& e) {
    my_code = e.exit_code() == 0 ? kExitFailure : e.exit_code();
    my_message = e.what();
  }
  // Agree on the lowest failing rank: it alone prints, so the user reads one line, not N.
  int failing = my_code != 0 ? env.rank() : env.size();
  int first_failing = env.size();
  mpi_check(MPI_Allreduce(&failing, &first_failing, 1, MPI_INT, MPI_MIN, env.comm()),
            "MPI_Allreduce(collective step)");
  if (first_failing == env.size()) return;
  int code = my_code;
  mpi_check(MPI_Bcast(&code, 1, MPI_INT, first_failing, env.comm()), "MPI_Bcast(exit code)");
  if (env.rank() == first_failing) log::error(my_message);
  int length = static_cast<int>(my_message.size());
  mpi_check(MPI_Bcast(&length, 1, MPI_INT, first_failing, env.comm()), "MPI_Bcast(length)");
  my_message.resize(static_cast<size_t>(length));
  mpi_check(MPI_Bcast(my_message.data(), length, MPI_CHAR, first_failing, env.comm()),
            "MPI_Bcast(message)");
  throw CollectiveExit{code, my_message};
}

}  // namespace barcode
