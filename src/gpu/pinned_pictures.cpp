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

// A pool's allocator: nullptr when page-locked memory cannot be had (the decoder falls back to
// FFmpeg's pools), with a warning once.
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

PinnedPictures::~PinnedPictures() {
  // A pool goes once its last picture is released: decoders may still hold some.
  for (auto& entry : pools_) av_buffer_pool_uninit(&entry.second);
}

AVBufferRef* PinnedPictures::take(size_t bytes) {
  AVBufferPool* pool = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    AVBufferPool*& entry = pools_[bytes];
    if (!entry) entry = av_buffer_pool_init2(bytes, &device_, allocate_pinned, nullptr);
    pool = entry;
  }
  // Pools stay until the destructor, and av_buffer_pool_get is thread-safe.
  return pool ? av_buffer_pool_get(pool) : nullptr;
}

}  // namespace barcode::gpu
