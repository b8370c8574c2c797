#include "gpu/pinned_pictures.h"

#include <cuda_runtime_api.h>

extern "C" {
#include <libavutil/buffer.h>
}

#include <cstdint>
#include <mutex>
#include <string>

#include "base/log.h"

namespace barcode::gpu {
namespace {

void free_pinned(void*, uint8_t* data) {
  (void)cudaFreeHost(data);  // nothing to report to: the picture is gone either way
}

// A pool's allocator: nullptr when page-locked memory cannot be had (the picture goes to
// ordinary memory), with a warning once.
AVBufferRef* allocate_pinned(void* opaque, size_t bytes) {
  const int device = *static_cast<const int*>(opaque);
  void* data = nullptr;
  // On the rank's device: a decoder thread has no current device, and the first CUDA call on
  // device 0 would make a context there.
  cudaError_t rc = cudaSetDevice(device);
  if (rc == cudaSuccess) rc = cudaHostAlloc(&data, bytes, cudaHostAllocPortable);
  if (rc != cudaSuccess) {
    static std::once_flag warned;
    std::call_once(warned, [&] {
      log::warn(std::string("page-locked memory for decoded pictures: ") + cudaGetErrorString(rc) +
                "; software decoders use ordinary memory");
    });
    return nullptr;
  }
  AVBufferRef* buffer =
      av_buffer_create(static_cast<uint8_t*>(data), bytes, free_pinned, nullptr, 0);
  if (!buffer) (void)cudaFreeHost(data);
  return buffer;
}

}  // namespace

PinnedPictures::PinnedPictures(int device)
    : PooledPictureMemory(allocate_pinned, &device_), device_(device) {}

}  // namespace barcode::gpu
