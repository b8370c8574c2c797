// Owners of CUDA resources: device and pinned host buffers, streams and events, each released by
// its destructor (errors while releasing are ignored: a destructor cannot report them, and a
// failed device leaves nothing to free; CudaBuffer::free() reports them where one can). Creation
// errors throw barcode::Error (cuda_check.h). Release does not wait for work still queued on a
// stream: an owner of several of them first synchronises the work that uses them (see BatchedKmeans
// and GpuSink).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "cuda_check.h"

namespace barcode::gpu {

// How a CudaBuffer's memory is made and freed.
struct DeviceMemory {
  static cudaError_t allocate(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
  static cudaError_t release(void* p) noexcept { return cudaFree(p); }
};
struct PinnedMemory {
  static cudaError_t allocate(void** p, size_t bytes) { return cudaMallocHost(p, bytes); }
  static cudaError_t release(void* p) noexcept { return cudaFreeHost(p); }
};

// `count` elements of T in device memory (DeviceMemory, on the current device) or in page-locked
// host memory (PinnedMemory); empty (nullptr) until allocate().
template <typename T, typename Memory>
class CudaBuffer {
 public:
  CudaBuffer() = default;
  explicit CudaBuffer(size_t count) { allocate(count); }
  ~CudaBuffer() { reset(); }
  CudaBuffer(CudaBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  CudaBuffer& operator=(CudaBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      count_ = std::exchange(other.count_, 0);
    }
    return *this;
  }
  CudaBuffer(const CudaBuffer&) = delete;
  CudaBuffer& operator=(const CudaBuffer&) = delete;

  // Frees what is held, then allocates `count` elements (uninitialised).
  void allocate(size_t count) {
    reset();
    void* p = nullptr;
    CUDA_CHECK(Memory::allocate(&p, count * sizeof(T)));
    data_ = static_cast<T*>(p);
    count_ = count;
  }
  void reset() noexcept { static_cast<void>(free()); }
  // Frees what is held (empty afterwards) and returns CUDA's verdict, for a caller that checks it.
  cudaError_t free() noexcept {
    const cudaError_t status = data_ ? Memory::release(data_) : cudaSuccess;
    data_ = nullptr;
    count_ = 0;
    return status;
  }

  T* get() const { return data_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

template <typename T>
using DeviceBuffer = CudaBuffer<T, DeviceMemory>;
template <typename T>
using PinnedBuffer = CudaBuffer<T, PinnedMemory>;

// A stream of the current device: cudaStreamDefault (blocking: ordered against the legacy default
// stream) or cudaStreamNonBlocking. Empty (nullptr, the default stream) when default-made.
class CudaStream {
 public:
  CudaStream() = default;
  explicit CudaStream(unsigned int flags) {
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, flags));
  }
  ~CudaStream() {
    if (stream_) (void)cudaStreamDestroy(stream_);
  }
  CudaStream(CudaStream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
  CudaStream& operator=(CudaStream&& other) noexcept {
    std::swap(stream_, other.stream_);
    return *this;
  }
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  cudaStream_t get() const { return stream_; }
  explicit operator bool() const { return stream_ != nullptr; }

 private:
  cudaStream_t stream_ = nullptr;
};

// An event of the current device: cudaEventDefault (timed) or cudaEventDisableTiming.
class CudaEvent {
 public:
  CudaEvent() = default;
  explicit CudaEvent(unsigned int flags) { CUDA_CHECK(cudaEventCreateWithFlags(&event_, flags)); }
  ~CudaEvent() {
    if (event_) (void)cudaEventDestroy(event_);
  }
  CudaEvent(CudaEvent&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  CudaEvent& operator=(CudaEvent&& other) noexcept {
    std::swap(event_, other.event_);
    return *this;
  }
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  cudaEvent_t get() const { return event_; }
  explicit operator bool() const { return event_ != nullptr; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace barcode::gpu
