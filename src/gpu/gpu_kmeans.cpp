// Host side of the batched GPU k-means (see gpu_kmeans.h and kernels/kmeans_batched.h).
#include "gpu/gpu_kmeans.h"

#include <cuda_runtime_api.h>

#include <cstring>
#include <limits>
#include <string>

#include "base/error.h"
#include "cuda_check.h"
#include "kmeans_batched.h"

namespace barcode::gpu {
namespace {

size_t align_up(size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

// Where each per-frame result lives inside the packed results buffer of a batch of `frames`.
// Packed by the batch's own size, so one copy of `bytes` brings back exactly what was computed.
struct ResultLayout {
  size_t inertia, centroids, weights, iterations, restart, iterations_all, bytes;

  ResultLayout(size_t frames, size_t k) {
    inertia = 0;
    centroids = align_up(inertia + frames * sizeof(double));
    weights = align_up(centroids + frames * k * 3 * sizeof(float));
    iterations = align_up(weights + frames * k * sizeof(float));
    restart = align_up(iterations + frames * sizeof(int));
    iterations_all = align_up(restart + frames * sizeof(int));
    bytes = align_up(iterations_all + frames * sizeof(int));
  }
};

// Per (frame, restart) scratch of the k-means kernel.
struct ScratchLayout {
  size_t inertia, centroids, counts, iterations, bytes;

  ScratchLayout(size_t slots, size_t k) {
    inertia = 0;
    centroids = align_up(slots * sizeof(double));
    counts = align_up(centroids + slots * k * 3 * sizeof(float));
    iterations = align_up(counts + slots * k * sizeof(uint32_t));
    bytes = align_up(iterations + slots * sizeof(int));
  }
};

template <typename T>
T* at(uint8_t* base, size_t offset) {
  return reinterpret_cast<T*>(base + offset);
}

void validate(int device, int max_frames, int tile_pixels, const KmeansParams& p) {
  auto fail = [](const std::string& what) { throw Error("GPU k-means: " + what); };
  if (p.k < 1 || p.k > kKmeansMaxK) {
    fail("k must be 1.." + std::to_string(kKmeansMaxK) + " (got " + std::to_string(p.k) + ")");
  }
  if (p.restarts < 1) fail("restarts must be at least 1 (got " + std::to_string(p.restarts) + ")");
  if (p.max_iter < 1) fail("max_iter must be at least 1 (got " + std::to_string(p.max_iter) + ")");
  if (!(p.tol >= 0.0f)) fail("tol must be a number >= 0 (got " + std::to_string(p.tol) + ")");
  if (tile_pixels < 1 || tile_pixels > kMaxTilePixels) {
    fail("tile pixels must be 1.." + std::to_string(kMaxTilePixels) + " (got " +
         std::to_string(tile_pixels) + ")");
  }
  if (max_frames < 1)
    fail("max_frames must be at least 1 (got " + std::to_string(max_frames) + ")");
  if (int64_t{max_frames} * p.restarts > std::numeric_limits<int32_t>::max()) {
    fail("max_frames * restarts exceeds the grid size");
  }
  const int devices = device_count();
  if (device < 0 || device >= devices) {
    fail("device " + std::to_string(device) + " does not exist (" + std::to_string(devices) +
         " CUDA devices)");
  }
}

}  // namespace

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: not an error for the caller
    return 0;
  }
  return count;
}

std::string device_description(int device) {
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + std::to_string(prop.multiProcessorCount) + " SMs)";
}

BatchedKmeans::BatchedKmeans(int device, int max_frames, int tile_pixels,
                             const KmeansParams& params)
    : device_(device), max_frames_(max_frames), n_(tile_pixels), params_(params) {
  validate(device, max_frames, tile_pixels, params);
  // What is made here is released by the members' destructors, also when this throws.
  CUDA_CHECK(cudaSetDevice(device_));

  // Shared memory: stage the tile there when it fits next to the per-thread cluster sums.
  int optin = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device_));
  const size_t fixed = kmeans_static_shared_bytes();
  const size_t with_tile = kmeans_dynamic_shared_bytes(params_.k, n_, true);
  const size_t without_tile = kmeans_dynamic_shared_bytes(params_.k, n_, false);
  tile_in_shared_ = fixed + with_tile <= static_cast<size_t>(optin);
  if (fixed + without_tile > static_cast<size_t>(optin)) {
    throw Error("GPU k-means: k = " + std::to_string(params_.k) + " needs more shared memory (" +
                std::to_string(fixed + without_tile) + " bytes) than device " +
                std::to_string(device_) + " offers (" + std::to_string(optin) + ")");
  }
  // The device's whole allowance, not just this object's need: the attribute belongs to the
  // kernel, and another BatchedKmeans on the same device may need more than this one.
  kmeans_allow_dynamic_shared(static_cast<size_t>(optin) - fixed);

  const size_t frames = static_cast<size_t>(max_frames_);
  const size_t slots = frames * static_cast<size_t>(params_.restarts);
  const size_t k = static_cast<size_t>(params_.k);
  const size_t results_bytes = ResultLayout(frames, k).bytes;
  input_.allocate(frames * static_cast<size_t>(n_) * 3);
  frame_indices_.allocate(frames);
  scratch_.allocate(ScratchLayout(slots, k).bytes);
  results_.allocate(results_bytes);
  host_frame_indices_.allocate(frames);
  host_results_.allocate(results_bytes);

  own_stream_ = CudaStream(cudaStreamNonBlocking);
  kernels_start_ = CudaEvent(cudaEventDefault);
  kernels_end_ = CudaEvent(cudaEventDefault);
  results_ready_ = CudaEvent(cudaEventDisableTiming);
}

BatchedKmeans::~BatchedKmeans() {
  // The batch in flight must be done before the members free what it uses. Errors are ignored
  // here: a destructor cannot report them, and a failed device leaves nothing to wait for.
  if (cudaSetDevice(device_) != cudaSuccess) return;
  if (own_stream_) (void)cudaStreamSynchronize(own_stream_.get());
  if (results_ready_) (void)cudaEventSynchronize(results_ready_.get());
}

uint8_t* BatchedKmeans::pinned_input() {
  if (!host_input_) {
    CUDA_CHECK(cudaSetDevice(device_));
    host_input_.allocate(size_t(max_frames_) * size_t(n_) * 3);
  }
  return host_input_.get();
}

void BatchedKmeans::run_device(const uint8_t* device_tiles, int frames,
                               const int64_t* frame_indices, cudaStream_t stream) {
  CUDA_CHECK(cudaSetDevice(device_));
  enqueue(device_tiles, frames, frame_indices, stream);
}

void BatchedKmeans::run_host(const uint8_t* host_tiles, int frames, const int64_t* frame_indices,
                             cudaStream_t stream) {
  if (frames < 0 || frames > max_frames_) {
    throw Error("GPU k-means: batch of " + std::to_string(frames) + " frames (at most " +
                std::to_string(max_frames_) + ")");
  }
  if (pending_frames_ >= 0) {
    throw Error("GPU k-means: a batch is already in flight; call wait() first");
  }
  CUDA_CHECK(cudaSetDevice(device_));
  cudaStream_t s = stream ? stream : own_stream_.get();
  CUDA_CHECK(cudaMemcpyAsync(input_.get(), host_tiles, size_t(frames) * size_t(n_) * 3,
                             cudaMemcpyHostToDevice, s));
  enqueue(input_.get(), frames, frame_indices, s);
}

void BatchedKmeans::enqueue(const uint8_t* device_tiles, int frames, const int64_t* frame_indices,
                            cudaStream_t stream) {
  if (pending_frames_ >= 0) {
    throw Error("GPU k-means: a batch is already in flight; call wait() first");
  }
  if (frames < 0 || frames > max_frames_) {
    throw Error("GPU k-means: batch of " + std::to_string(frames) + " frames (at most " +
                std::to_string(max_frames_) + ")");
  }
  cudaStream_t s = stream ? stream : own_stream_.get();
  const size_t f = static_cast<size_t>(frames);
  const size_t k = static_cast<size_t>(params_.k);
  const ResultLayout out(f, k);
  const ScratchLayout scratch(size_t(max_frames_) * size_t(params_.restarts), k);

  if (frames > 0) {
    // The pinned staging copy is free to reuse: the previous batch was collected by wait().
    std::memcpy(host_frame_indices_.get(), frame_indices, f * sizeof(int64_t));
    CUDA_CHECK(cudaMemcpyAsync(frame_indices_.get(), host_frame_indices_.get(), f * sizeof(int64_t),
                               cudaMemcpyHostToDevice, s));
  }

  KmeansBatchArgs a;
  a.tiles = device_tiles;
  a.frame_indices = frame_indices_.get();
  a.frames = frames;
  a.n = n_;
  a.k = params_.k;
  a.restarts = params_.restarts;
  a.max_iter = params_.max_iter;
  a.tol2 = params_.tol * params_.tol;  // in float, as kmeans_tile computes it
  a.seed = params_.seed;
  a.tile_in_shared = tile_in_shared_;
  a.restart_inertia = at<double>(scratch_.get(), scratch.inertia);
  a.restart_centroids = at<float>(scratch_.get(), scratch.centroids);
  a.restart_counts = at<uint32_t>(scratch_.get(), scratch.counts);
  a.restart_iterations = at<int>(scratch_.get(), scratch.iterations);
  a.inertia = at<double>(results_.get(), out.inertia);
  a.centroids = at<float>(results_.get(), out.centroids);
  a.weights = at<float>(results_.get(), out.weights);
  a.iterations = at<int>(results_.get(), out.iterations);
  a.restart = at<int>(results_.get(), out.restart);
  a.iterations_all = at<int>(results_.get(), out.iterations_all);

  CUDA_CHECK(cudaEventRecord(kernels_start_.get(), s));
  launch_kmeans_batched(a, s);
  CUDA_CHECK(cudaEventRecord(kernels_end_.get(), s));
  if (frames > 0) {
    CUDA_CHECK(
        cudaMemcpyAsync(host_results_.get(), results_.get(), out.bytes, cudaMemcpyDeviceToHost, s));
  }
  CUDA_CHECK(cudaEventRecord(results_ready_.get(), s));
  pending_frames_ = frames;
}

BatchResults BatchedKmeans::wait() {
  if (pending_frames_ < 0) throw Error("GPU k-means: wait() without a batch in flight");
  CUDA_CHECK(cudaSetDevice(device_));
  const int frames = pending_frames_;
  pending_frames_ = -1;  // even if the wait fails: the batch is gone either way
  CUDA_CHECK(cudaEventSynchronize(results_ready_.get()));

  BatchResults results;
  CUDA_CHECK(cudaEventElapsedTime(&results.kernel_ms, kernels_start_.get(), kernels_end_.get()));
  const size_t f = static_cast<size_t>(frames);
  const size_t k = static_cast<size_t>(params_.k);
  const ResultLayout out(f, k);
  const auto* inertia = at<const double>(host_results_.get(), out.inertia);
  const auto* centroids = at<const float>(host_results_.get(), out.centroids);
  const auto* weights = at<const float>(host_results_.get(), out.weights);
  const auto* iterations = at<const int>(host_results_.get(), out.iterations);
  const auto* restart = at<const int>(host_results_.get(), out.restart);
  const auto* iterations_all = at<const int>(host_results_.get(), out.iterations_all);

  results.kmeans.resize(f);
  for (size_t i = 0; i < f; ++i) {
    KmeansResult& r = results.kmeans[i];
    r.centroids.assign(centroids + i * k * 3, centroids + (i + 1) * k * 3);
    r.weights.assign(weights + i * k, weights + (i + 1) * k);
    r.inertia = inertia[i];
    r.iterations = iterations[i];
    r.restart = restart[i];
    results.iterations_all_restarts += iterations_all[i];
  }
  return results;
}

}  // namespace barcode::gpu
