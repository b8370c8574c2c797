// MpiEnv::members under real MPI, run with 2..N ranks: the ranks that take part (every rank but
// rank 1, which sits out as a --manifest rank does after a failure in the queue) get a
// communicator of their own, numbered in the world's order; rank 1 gets none. Checks on every
// rank: (a) who got one; (b) its size and rank; (c) a sum over it counts only its members, while
// the world's ranks go on together afterwards. Exit code 0 when all hold; one line from rank 0.
#include <mpi.h>

#include <cstdio>
#include <memory>

#include "base/mpi_env.h"

int main(int argc, char** argv) {
  barcode::MpiEnv world(&argc, &argv);
  if (world.size() < 2) {
    std::printf("mpi_env_members_mpi_test: needs 2 or more ranks\n");
    return 1;
  }
  const bool member = world.rank() != 1;
  int failed = 0;
  {
    const std::unique_ptr<barcode::MpiEnv> part = barcode::MpiEnv::members(world, member);
    if ((part != nullptr) != member) {
      std::printf("rank %d: %s a communicator\n", world.rank(), part ? "got" : "did not get");
      failed = 1;
    }
    if (part) {
      const int expected_rank = world.rank() == 0 ? 0 : world.rank() - 1;
      if (part->size() != world.size() - 1 || part->rank() != expected_rank || part->alone()) {
        std::printf("rank %d: size %d rank %d alone %d\n", world.rank(), part->size(), part->rank(),
                    part->alone() ? 1 : 0);
        failed = 1;
      }
      int one = 1, count = 0;
      MPI_Allreduce(&one, &count, 1, MPI_INT, MPI_SUM, part->comm());
      if (count != world.size() - 1) {
        std::printf("rank %d: %d members counted\n", world.rank(), count);
        failed = 1;
      }
    }
  }  // the members' communicator is freed here, MPI still running
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, world.comm());
  if (world.rank() == 0) {
    std::printf("mpi_env_members_mpi_test: %d ranks, %s\n", world.size(),
                any ? "FAILED" : "passed");
  }
  return any ? 1 : 0;
}
