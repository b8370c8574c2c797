// Host side of the batched GPU k-means: clusters many tiles per call with results equal, bit for
// bit, to barcode::kmeans_tile (src/color/kmeans.h).
//
// Part of the CUDA build only (the job reaches it through src/pipeline/gpu_backend.h, which is
// free of CUDA types), so it speaks in CUDA's own types.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "color/kmeans.h"
#include "gpu/cuda_resources.h"

namespace barcode::gpu {

// Number of usable CUDA devices; 0 (never an exception) when there is no device or no driver.
int device_count();

// "NAME (sm_XY, N SMs)" of a device, for logs and benchmark headers.
std::string device_description(int device);

// Results of one batch, in the order the tiles were given.
struct BatchResults {
  std::vector<KmeansResult> kmeans;
  int64_t iterations_all_restarts = 0;  // Lloyd iterations summed over frames and restarts
  float kernel_ms = 0.0f;               // GPU time of the two k-means kernels of this batch
};

// Owns the device and pinned host buffers for batches of up to `max_frames` tiles of
// `tile_pixels` pixels each; they are allocated once in the constructor and reused by every
// batch. One batch is in flight at a time: run_*() enqueues it, wait() collects it.
class BatchedKmeans {
 public:
  // Throws barcode::Error on invalid parameters (the rules of kmeans_tile, and k <= 32) or when
  // the device cannot be used.
  BatchedKmeans(int device, int max_frames, int tile_pixels, const KmeansParams& params);
  ~BatchedKmeans();  // waits for the batch in flight, if any
  BatchedKmeans(const BatchedKmeans&) = delete;
  BatchedKmeans& operator=(const BatchedKmeans&) = delete;

  // Clusters `frames` tiles already in device memory (frames * tile_pixels * 3 bytes at
  // `device_tiles`, on this object's device). `frame_indices` (host, `frames` entries) select
  // each tile's random stream, as in kmeans_tile. Asynchronous on `stream` (nullptr: this
  // object's own stream); `device_tiles` must stay valid until the work is done.
  void run_device(const uint8_t* device_tiles, int frames, const int64_t* frame_indices,
                  cudaStream_t stream = nullptr);

  // Copies `frames` tiles from host memory to the device, then as run_device. Pinned memory
  // (pinned_input()) makes the copy asynchronous; other memory is copied before this returns.
  void run_host(const uint8_t* host_tiles, int frames, const int64_t* frame_indices,
                cudaStream_t stream = nullptr);

  // Waits for the batch enqueued last and returns its results.
  BatchResults wait();

  // A pinned host buffer of max_frames * tile_pixels * 3 bytes for run_host(), allocated on
  // first use.
  uint8_t* pinned_input();

  // The device buffer run_host() uploads into (max_frames * tile_pixels * 3 bytes).
  const uint8_t* device_input() const { return input_.get(); }

  // Whether tiles are staged in shared memory (false: read through L1/L2, for large tiles).
  bool tiles_in_shared() const { return tile_in_shared_; }
  // Testing aid: read tiles from global memory even when they would fit in shared memory.
  void force_global_memory_path() { tile_in_shared_ = false; }

  int device() const { return device_; }
  int max_frames() const { return max_frames_; }
  int tile_pixels() const { return n_; }
  const KmeansParams& params() const { return params_; }

 private:
  void enqueue(const uint8_t* device_tiles, int frames, const int64_t* frame_indices,
               cudaStream_t stream);

  int device_;
  int max_frames_;
  int n_;
  KmeansParams params_;
  bool tile_in_shared_ = true;

  // Released after the streams and events below (members go in reverse order), once the
  // destructor has waited for the batch in flight.
  DeviceBuffer<uint8_t> input_;          // max_frames * n * 3
  DeviceBuffer<int64_t> frame_indices_;  // max_frames
  DeviceBuffer<uint8_t> scratch_;        // per (frame, restart) results (ScratchLayout)
  DeviceBuffer<uint8_t> results_;        // per frame results, packed for one copy (ResultLayout)
  PinnedBuffer<int64_t> host_frame_indices_;
  PinnedBuffer<uint8_t> host_results_;
  PinnedBuffer<uint8_t> host_input_;  // pinned_input(), on first use

  CudaStream own_stream_;
  CudaEvent kernels_start_;
  CudaEvent kernels_end_;
  CudaEvent results_ready_;
  int pending_frames_ = -1;  // frames of the batch in flight; -1 when none
};

}  // namespace barcode::gpu
