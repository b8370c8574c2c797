// sum_when_all_ranks_arrive under real MPI, run with 2..N ranks: the last rank arrives 400 ms
// after the others, and they must wait for it without spending that time on a core (a blocking
// MPI barrier polls: its CPU time is about the wait itself). Checks on every rank but the last:
//  (a) it did wait for the late rank (wall time >= 300 ms);
//  (b) it used under a quarter of that wait in CPU time;
// and on every rank: (c) the sum is that of every rank's value (rank r gives r + 1).
// Exit code 0 when both hold on every rank; one summary line from rank 0.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "base/mpi_env.h"
#include "base/stopwatch.h"
#include "base/thread_cpu_clock.h"

int main(int argc, char** argv) {
  barcode::MpiEnv env(&argc, &argv);
  if (env.size() < 2) {
    std::printf("rank_wait_mpi_test: needs 2 or more ranks\n");
    return 1;
  }
  constexpr double kLate = 0.4;
  const bool late = env.rank() == env.size() - 1;
  MPI_Barrier(env.comm());
  if (late) std::this_thread::sleep_for(std::chrono::duration<double>(kLate));
  const barcode::Stopwatch wall;
  const barcode::ThreadCpuClock cpu;
  const int64_t sum = barcode::sum_when_all_ranks_arrive(env, env.rank() + 1);
  const double waited = wall.seconds(), used = cpu.seconds();
  int failed = 0;
  const int64_t expected = int64_t{env.size()} * (env.size() + 1) / 2;
  if (sum != expected) {
    std::printf("rank %d: sum %lld, expected %lld\n", env.rank(), static_cast<long long>(sum),
                static_cast<long long>(expected));
    failed = 1;
  }
  if (!late && waited < 0.75 * kLate) {
    std::printf("rank %d: returned after %.3f s, before the late rank came\n", env.rank(), waited);
    failed = 1;
  }
  if (!late && used > 0.25 * waited) {
    std::printf("rank %d: %.3f s of CPU time in a wait of %.3f s\n", env.rank(), used, waited);
    failed = 1;
  }
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, env.comm());
  if (env.rank() == 0) {
    std::printf("rank_wait_mpi_test: %d ranks, %s (rank 0 waited %.3f s, CPU %.3f s)\n", env.size(),
                any ? "FAILED" : "passed", waited, used);
  }
  return any ? 1 : 0;
}
