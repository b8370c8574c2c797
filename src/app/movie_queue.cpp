#include "app/movie_queue.h"

#include "base/mpi_env.h"

namespace barcode {

MovieQueue::MovieQueue(MPI_Comm comm, int64_t count) : count_(count) {
  int rank = 0;
  mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  const MPI_Aint bytes = rank == 0 ? static_cast<MPI_Aint>(sizeof(int64_t)) : 0;
  mpi_check(MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, comm, &counter_, &window_),
            "MPI_Win_allocate(movie queue)");
  MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN);
  if (rank == 0) *counter_ = 0;
  // Nobody takes an item before the counter is set.
  mpi_check(MPI_Barrier(comm), "MPI_Barrier(movie queue)");
  mpi_check(MPI_Win_lock_all(0, window_), "MPI_Win_lock_all(movie queue)");
}

MovieQueue::~MovieQueue() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

int64_t MovieQueue::next() {
  const int64_t one = 1;
  int64_t taken = 0;
  mpi_check(MPI_Fetch_and_op(&one, &taken, MPI_INT64_T, 0, 0, MPI_SUM, window_),
            "MPI_Fetch_and_op(movie queue)");
  mpi_check(MPI_Win_flush(0, window_), "MPI_Win_flush(movie queue)");
  return taken < count_ ? taken : -1;
}

}  // namespace barcode
