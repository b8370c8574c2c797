// A SumReducer that sums over the ranks' GPUs with NCCL (ncclAllReduce, ncclInt64, ncclSum). The
// sums are exact integers, so the movie palette is the same bit for bit as with MpiSumReducer.
//
// Free of CUDA and NCCL types (the state lives behind a pointer to an incomplete type), so code
// built without the CUDA headers can include it.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "color/movie_palette.h"

namespace barcode::gpu {

class NcclSumReducer : public SumReducer {
 public:
  // Collective over `comm`: rank 0 makes the NCCL unique id and broadcasts it with MPI, then every
  // rank joins the NCCL communicator on CUDA device `device`, in a thread of its own, so that a
  // job can make the reducer early and join while it works; the first allreduce_sum waits for
  // the join. Throws barcode::Error naming the MPI rank, the GPU and the cause (a failed join:
  // from allreduce_sum). Check nccl_usable() first: NCCL refuses two ranks on one GPU.
  NcclSumReducer(MPI_Comm comm, int device);
  ~NcclSumReducer() override;
  NcclSumReducer(const NcclSumReducer&) = delete;
  NcclSumReducer& operator=(const NcclSumReducer&) = delete;

  // Copies `data` to the GPU, all-reduces it, copies the sums back and waits for them. The
  // calling thread's current CUDA device is left as it was.
  void allreduce_sum(int64_t* data, size_t n) override;
  const char* name() const override { return "NCCL"; }

  // Collective over `comm`: true on every rank when every rank has a GPU (`device` >= 0 and
  // present) and no two ranks share one. GPUs are told apart by (host name, PCI bus id), so ranks
  // that each see a different GPU as device 0 (CUDA_VISIBLE_DEVICES per rank) still count as
  // distinct. Never throws for CUDA problems (they make it false); MPI failures throw.
  static bool nccl_usable(MPI_Comm comm, int device);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace barcode::gpu
