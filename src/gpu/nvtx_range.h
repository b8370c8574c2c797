// Named ranges on a profiler's timeline (Nsight Systems: nsys profile --trace=cuda,nvtx), named
// after the stages of the run's summary that the GPU path carries out: "convert" (a decoded frame
// into a tile, on a decoder's thread), "cluster" (a batch: row light, CIELAB codes, k-means,
// results) and "palette" (the movie palette's sums over NCCL). NVTX 3 is header-only; without a
// profiler attached a range costs a test of one function pointer. A toolkit without the nvtx3
// headers builds the ranges as nothing.
#pragma once

#if __has_include(<nvtx3/nvToolsExt.h>)
#include <nvtx3/nvToolsExt.h>
#define BARCODE_HAVE_NVTX 1
#endif

namespace barcode::gpu {

// Pushes `name` (a string literal) on this thread's range stack for the object's lifetime.
class NvtxRange {
 public:
  explicit NvtxRange(const char* name) {
#ifdef BARCODE_HAVE_NVTX
    nvtxRangePushA(name);
#else
    (void)name;
#endif
  }
  ~NvtxRange() {
#ifdef BARCODE_HAVE_NVTX
    nvtxRangePop();
#endif
  }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace barcode::gpu
