// The dynamic queue of a --manifest run: a counter on rank 0 that any rank increments with an
// MPI one-sided fetch-and-add whenever it is free, so long and short movies balance out without
// a rank set aside to hand them out.
#pragma once

#include <mpi.h>

#include <cstdint>

namespace barcode {

class MovieQueue {
 public:
  // Collective over `comm`: the next item starts at 0; items run to `count` - 1.
  MovieQueue(MPI_Comm comm, int64_t count);
  // Collective: every rank must have stopped taking items.
  ~MovieQueue();
  MovieQueue(const MovieQueue&) = delete;
  MovieQueue& operator=(const MovieQueue&) = delete;

  // The next item, or -1 when all are taken.
  int64_t next();

 private:
  MPI_Win window_ = MPI_WIN_NULL;
  int64_t* counter_ = nullptr;  // rank 0's memory of the window
  int64_t count_;
};

}  // namespace barcode
