// The movie palette's sums carried over MPI: the SumReducer (color/movie_palette.h) that every
// run has, the NCCL one (gpu/nccl_reducer.h) being taken instead where every rank has a GPU of
// its own. Kept out of src/color so that the colour maths need no MPI.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>

#include "color/movie_palette.h"

namespace barcode {

// SumReducer over an MPI communicator: MPI_Allreduce(MPI_SUM) on MPI_INT64_T, in place.
class MpiSumReducer : public SumReducer {
 public:
  explicit MpiSumReducer(MPI_Comm comm) : comm_(comm) {}
  void allreduce_sum(int64_t* data, size_t n) override;
  const char* name() const override { return "MPI"; }

 private:
  MPI_Comm comm_;
};

}  // namespace barcode
