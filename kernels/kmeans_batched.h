// Launch interface of the batched k-means kernels (kernels/kmeans_batched.cu). Host code normally
// uses barcode::gpu::BatchedKmeans (src/gpu/gpu_kmeans.h), which owns the buffers named here.
//
// Work split: one thread block per (frame, restart) runs k-means++ seeding and Lloyd iterations
// for that restart; a second kernel, one warp per frame, picks the restart with the lowest
// inertia, sorts its clusters by size and writes the frame's result. (The frame's mean colour is
// the row-light kernel's work, kernels/tile_color.h.)
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace barcode::gpu {

constexpr int kKmeansThreads = 256;  // threads per (frame, restart) block
constexpr int kKmeansMaxK = 32;      // clusters per frame at most

struct KmeansBatchArgs {
  // Inputs (device memory).
  const uint8_t* tiles = nullptr;          // frames * n * 3 bytes, interleaved sRGB
  const int64_t* frame_indices = nullptr;  // frames; selects the random stream of each frame
  int frames = 0;
  int n = 0;  // pixels per tile
  int k = 0;
  int restarts = 0;
  int max_iter = 0;
  float tol2 = 0.0f;  // tol * tol, computed in float as the CPU reference does
  uint64_t seed = 0;
  bool tile_in_shared = true;  // false: pixels are read through L1/L2 from `tiles`

  // Scratch, one slot per (frame, restart): slot = frame * restarts + restart.
  float* restart_centroids = nullptr;  // slots * k * 3
  uint32_t* restart_counts = nullptr;  // slots * k
  double* restart_inertia = nullptr;   // slots
  int* restart_iterations = nullptr;   // slots

  // Results per frame (device memory).
  float* centroids = nullptr;     // frames * k * 3, clusters sorted by count descending
  float* weights = nullptr;       // frames * k
  double* inertia = nullptr;      // frames
  int* iterations = nullptr;      // frames: iterations of the winning restart
  int* restart = nullptr;         // frames: the winning restart
  int* iterations_all = nullptr;  // frames: iterations summed over all restarts (FLOP counts)
};

// Dynamic shared memory one (frame, restart) block needs.
size_t kmeans_dynamic_shared_bytes(int k, int n, bool tile_in_shared);

// Static shared memory of the k-means kernel (the same for both memory paths).
size_t kmeans_static_shared_bytes();

// Allows the k-means kernel to use up to `bytes` of dynamic shared memory on the current device.
// Call once per device, before the first launch that needs more than 48 KiB.
void kmeans_allow_dynamic_shared(size_t bytes);

// Enqueues both kernels on `stream`. Checks the launches (not their completion).
void launch_kmeans_batched(const KmeansBatchArgs& args, cudaStream_t stream);

}  // namespace barcode::gpu
