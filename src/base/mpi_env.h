// RAII MPI set-up: init/finalize, rank and size, the node-local rank (for choosing a GPU), and the
// one way ranks agree that a step failed somewhere so that all of them stop without a hang.
#pragma once

#include <mpi.h>

#include <functional>
#include <memory>
#include <string>

namespace barcode {

// Throws barcode::Error naming `what` and MPI's own description of `rc` unless rc == MPI_SUCCESS.
void mpi_check(int rc, const char* what);

class MpiEnv {
 public:
  MpiEnv(int* argc, char*** argv);
  ~MpiEnv();
  MpiEnv(const MpiEnv&) = delete;
  MpiEnv& operator=(const MpiEnv&) = delete;

  // This rank alone (a communicator of its own, duplicated from MPI_COMM_SELF), for work it does
  // without the others (a whole movie of a --manifest queue); node-local rank and size stay the
  // world's, so GPUs are still spread. `cores`: its share of the rank's cores (0: all of them),
  // for a rank that works on several movies at once. Its abort() throws CollectiveExit instead
  // of ending the job: no other rank takes part. Call it from the thread that initialised MPI.
  static std::unique_ptr<MpiEnv> alone(const MpiEnv& world, int cores = 0);

  // Collective over `world`: the ranks that pass `member` true, in a communicator of their own
  // (MPI_Comm_split), in world's order; null on the others. Node-local rank, size and cores stay
  // the world's. Its abort() ends the whole job, as the world's does.
  static std::unique_ptr<MpiEnv> members(const MpiEnv& world, bool member);

  MPI_Comm comm() const { return comm_; }
  bool alone() const { return alone_; }  // made by alone()
  // Whether threads other than the one that initialised MPI may call it at the same time
  // (MPI_THREAD_MULTIPLE): a --manifest rank then works on several movies at once.
  bool threads_may_call_mpi() const { return thread_multiple_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the ranks of this node
  int local_size() const { return local_size_; }
  // The cores this rank may use: its affinity set, shared equally with the ranks of the node
  // whose sets overlap it.
  int cores() const { return cores_; }
  // Those cores as a Linux CPU list ("0-15"); ranks that share one set each run on a slice of it.
  const std::string& core_list() const { return core_list_; }

  // Ends the whole job from this rank after an error it cannot share with the others (see
  // alone() for the exception).
  [[noreturn]] void abort(int exit_code) const;

 private:
  MpiEnv() = default;
  MPI_Comm comm_ = MPI_COMM_WORLD;
  bool owns_mpi_ = true;  // initialised MPI: finalises it
  bool alone_ = false;
  bool thread_multiple_ = false;
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  int local_size_ = 1;
  int cores_ = 1;
  std::string core_list_;
};

// Thrown on every rank when a collective step failed on some rank; the message was printed once
// (and every rank holds it, for records such as a --manifest movie's log).
struct CollectiveExit {
  int exit_code;
  std::string message;
};

// Returns the sum of every rank's `value` once every rank of `env` has called it, sleeping
// rather than polling while it waits. Open MPI's blocking calls poll at full speed: a rank that
// reached a collective write before the others took a core from its own decoders until they
// came.
int64_t sum_when_all_ranks_arrive(const MpiEnv& env, int64_t value);

// Runs `step` on every rank. If it throws barcode::Error on any rank, the lowest such rank prints
// its message and every rank throws CollectiveExit with that rank's exit code. Use it for steps
// that every rank performs (option checks, probing the input, creating the output) so that a
// failure is reported once and the job ends cleanly rather than with MPI_Abort.
void collective_step(const MpiEnv& env, const std::function<void()>& step);

}  // namespace barcode
