// Error checking for CUDA runtime calls: every failure becomes a barcode::Error that names the
// call, where it was made, the device and CUDA's own description, so a failed run on a cluster
// node can be diagnosed from the log alone.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "base/error.h"

namespace barcode::gpu {

// Throws barcode::Error when `status` is not cudaSuccess. `call` is the source text of the call.
inline void cuda_check(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  // The device is asked for only on failure; a failure of that query is not worth reporting.
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) device = -1;
  std::string message = std::string("CUDA error in ") + call + " at " + file + ":" +
                        std::to_string(line) + " on device " + std::to_string(device) + ": " +
                        cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
  throw Error(message);
}

}  // namespace barcode::gpu

// Checks a CUDA runtime call: CUDA_CHECK(cudaMalloc(&p, bytes));
#define CUDA_CHECK(call) ::barcode::gpu::cuda_check((call), #call, __FILE__, __LINE__)

// Checks the launch just made (bad configuration, too much shared memory, missing kernel image).
// Errors raised while the kernel runs surface at the next synchronising call, which is checked too.
#define CUDA_CHECK_LAUNCH(name) \
  ::barcode::gpu::cuda_check(cudaGetLastError(), "launch of " name, __FILE__, __LINE__)
