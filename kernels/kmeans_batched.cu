// Batched k-means for many small tiles: the GPU twin of barcode::kmeans_tile (src/color/kmeans.h),
// bit for bit. See kmeans_batched.h for the work split.
//
// Inside a (frame, restart) block:
//  - Pixels are handled in groups of 4 (12 bytes = 3 aligned 32-bit words in shared memory). Each
//    warp owns a contiguous run of groups; lane l takes groups begin + 32*s + l in step s. Pixel
//    order is therefore (warp, step, lane, pixel in group), which is what the k-means++ prefix
//    search relies on.
//  - Seeding uses exact integer distances. The pixel whose inclusive prefix sum of D^2 first
//    exceeds the target is found in three levels: warp totals, then one warp walks its run with
//    a warp scan per step, then one lane walks its 4 pixels.
//  - Lloyd: float distances with explicit round-to-nearest intrinsics (never contracted into FMA),
//    ties to the lowest index. Each thread keeps private per-cluster sums in shared memory
//    (count | r<<16, g | b<<16, r^2+g^2+b^2), indexed [cluster][thread] so that the read-modify-
//    write is free of bank conflicts whatever the labels are. At most 256 pixels per thread go into
//    them before a flush, so the 16-bit fields cannot overflow. A flush adds a warp's sums with
//    REDUX (__reduce_add_sync) and one lane adds them into the block's totals with shared atomics.
//    Integer sums make the result independent of this order.
//  - k <= 32, so warp 0 alone updates the centroids, takes the largest shift and decides to stop.
#include <cuda_runtime.h>

#include <cstdint>

#include "color/kmeans.h"
#include "cuda_check.h"
#include "kmeans_batched.h"

namespace barcode::gpu {
namespace {

constexpr int kThreads = kKmeansThreads;
constexpr int kWarps = kThreads / 32;
constexpr unsigned kFullMask = 0xffffffffu;
// Steps (groups of 4 pixels per lane) between flushes of the per-thread sums: 64 steps are 256
// pixels, and 256 * 255 < 65536 keeps the packed 16-bit fields exact.
constexpr int kFlushSteps = 64;
// Distance to a padding centroid: (p - 1e30)^2 overflows to +inf, which never wins a strict <.
constexpr float kFarAway = 1e30f;

// Four consecutive pixels as integers; pixels past the tile's end read as 0 (callers mask them).
struct Group {
  uint32_t r[4], g[4], b[4];
};

// Pixels in shared memory, as 32-bit words, zero-padded to a whole group.
struct SharedTile {
  const uint32_t* words;
  int n;
  __device__ void load(int group, Group& p) const {
    const uint32_t w0 = words[3 * group], w1 = words[3 * group + 1], w2 = words[3 * group + 2];
    p.r[0] = w0 & 255u, p.g[0] = (w0 >> 8) & 255u, p.b[0] = (w0 >> 16) & 255u;
    p.r[1] = w0 >> 24, p.g[1] = w1 & 255u, p.b[1] = (w1 >> 8) & 255u;
    p.r[2] = (w1 >> 16) & 255u, p.g[2] = w1 >> 24, p.b[2] = w2 & 255u;
    p.r[3] = (w2 >> 8) & 255u, p.g[3] = (w2 >> 16) & 255u, p.b[3] = w2 >> 24;
  }
  __device__ int3 pixel(int i) const {
    const auto* bytes = reinterpret_cast<const uint8_t*>(words);
    return make_int3(bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]);
  }
};

// Pixels read straight from global memory (tiles too large for shared memory). Byte loads: the
// tile may start at any byte, and the last tile must not be read past its end.
struct GlobalTile {
  const uint8_t* bytes;
  int n;
  __device__ void load(int group, Group& p) const {
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int i = 4 * group + q;
      const bool inside = i < n;
      p.r[q] = inside ? __ldg(bytes + 3 * i) : 0u;
      p.g[q] = inside ? __ldg(bytes + 3 * i + 1) : 0u;
      p.b[q] = inside ? __ldg(bytes + 3 * i + 2) : 0u;
    }
  }
  __device__ int3 pixel(int i) const {
    return make_int3(__ldg(bytes + 3 * i), __ldg(bytes + 3 * i + 1), __ldg(bytes + 3 * i + 2));
  }
};

// The run of groups one warp owns, and how many steps of 32 groups it takes.
struct WarpRun {
  int begin, end, steps;
};

__device__ WarpRun warp_run(int n, int warp) {
  const int groups = (n + 3) / 4;
  const int per_warp = (groups + kWarps - 1) / kWarps;
  WarpRun run;
  run.begin = min(warp * per_warp, groups);
  run.end = min(run.begin + per_warp, groups);
  run.steps = (run.end - run.begin + 31) / 32;
  return run;
}

// Block totals of one Lloyd pass (shared memory).
struct ClusterTotals {
  uint32_t* count;             // k
  uint32_t* sum;               // k * 3
  unsigned long long* sum_sq;  // k
};

// Copies a tile into shared memory and zero-pads it to a whole number of groups.
__device__ void copy_tile_to_shared(const uint8_t* src, int n, uint8_t* dst) {
  const int bytes = 3 * n;
  const int padded = (n + 3) / 4 * 12;
  int copied = 0;
  if ((reinterpret_cast<uintptr_t>(src) & 15u) == 0) {
    const int vectors = bytes / 16;
    const auto* src16 = reinterpret_cast<const uint4*>(src);
    auto* dst16 = reinterpret_cast<uint4*>(dst);
    for (int i = threadIdx.x; i < vectors; i += kThreads) dst16[i] = __ldg(src16 + i);
    copied = vectors * 16;
  }
  for (int i = copied + threadIdx.x; i < bytes; i += kThreads) dst[i] = __ldg(src + i);
  for (int i = bytes + threadIdx.x; i < padded; i += kThreads) dst[i] = 0;
}

// Sum of squared integer distances to the nearest of the first `chosen` seeds.
__device__ __forceinline__ uint32_t seed_d2(uint32_t r, uint32_t g, uint32_t b, const int4* seeds,
                                            int chosen) {
  uint32_t best = 0xffffffffu;
  for (int j = 0; j < chosen; ++j) {
    const int dr = static_cast<int>(r) - seeds[j].x;
    const int dg = static_cast<int>(g) - seeds[j].y;
    const int db = static_cast<int>(b) - seeds[j].z;
    best = min(best, static_cast<uint32_t>(dr * dr + dg * dg + db * db));
  }
  return best;
}

__device__ unsigned long long warp_sum_u64(unsigned long long v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

// k-means++ seeding with the exact integer rule of the CPU reference. Fills seeds[0..k-1].
template <typename Tile>
__device__ void choose_seeds(const Tile& tile, int k, uint64_t key, const WarpRun& run, int4* seeds,
                             unsigned long long* warp_totals, int* pick_warp,
                             unsigned long long* pick_rest) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int n = tile.n;
  if (threadIdx.x == 0) {
    const int first = static_cast<int>((uint64_t{draw24(key, 0)} * uint64_t(n)) >> 24);
    const int3 p = tile.pixel(first);
    seeds[0] = make_int4(p.x, p.y, p.z, 0);
  }
  __syncthreads();
  for (int c = 1; c < k; ++c) {
    // Level 1: every warp adds up D^2 over its run.
    unsigned long long lane_total = 0;
    for (int s = 0; s < run.steps; ++s) {
      const int group = run.begin + 32 * s + lane;
      if (group < run.end) {
        Group p;
        tile.load(group, p);
        const int valid = min(4, n - 4 * group);
#pragma unroll
        for (int q = 0; q < 4; ++q)
          if (q < valid) lane_total += seed_d2(p.r[q], p.g[q], p.b[q], seeds, c);
      }
    }
    lane_total = warp_sum_u64(lane_total);
    if (lane == 0) warp_totals[warp] = lane_total;
    __syncthreads();
    if (threadIdx.x == 0) {
      unsigned long long total = 0;
      for (int w = 0; w < kWarps; ++w) total += warp_totals[w];
      const uint64_t draw = draw24(key, static_cast<uint32_t>(c));
      *pick_warp = -1;
      if (total == 0) {  // every pixel equals a seed already: uniform draw, as the CPU does
        const int3 p = tile.pixel(static_cast<int>((draw * uint64_t(n)) >> 24));
        seeds[c] = make_int4(p.x, p.y, p.z, 0);
      } else {
        unsigned long long target = (draw * total) >> 24;  // < total
        for (int w = 0; w < kWarps; ++w) {
          if (target < warp_totals[w]) {
            *pick_warp = w;
            *pick_rest = target;
            break;
          }
          target -= warp_totals[w];
        }
      }
    }
    __syncthreads();
    // Level 2 and 3: the warp holding the target walks its run step by step.
    if (warp == *pick_warp) {
      unsigned long long rest = *pick_rest;
      for (int s = 0; s < run.steps; ++s) {
        const int group = run.begin + 32 * s + lane;
        uint32_t d[4] = {0, 0, 0, 0};
        Group p{};
        if (group < run.end) {
          tile.load(group, p);
          const int valid = min(4, n - 4 * group);
#pragma unroll
          for (int q = 0; q < 4; ++q)
            if (q < valid) d[q] = seed_d2(p.r[q], p.g[q], p.b[q], seeds, c);
        }
        const uint32_t group_sum = d[0] + d[1] + d[2] + d[3];  // < 2^20
        uint32_t inclusive = group_sum;                        // < 2^25 over 32 lanes
#pragma unroll
        for (int offset = 1; offset < 32; offset <<= 1) {
          const uint32_t below = __shfl_up_sync(kFullMask, inclusive, offset);
          if (lane >= offset) inclusive += below;
        }
        const uint32_t step_total = __shfl_sync(kFullMask, inclusive, 31);
        if (rest < step_total) {  // the same on every lane
          const unsigned above = __ballot_sync(kFullMask, inclusive > rest);
          if (lane == __ffs(static_cast<int>(above)) - 1) {
            uint32_t left = static_cast<uint32_t>(rest) - (inclusive - group_sum);
#pragma unroll
            for (int q = 0; q < 4; ++q) {
              if (left < d[q]) {
                seeds[c] = make_int4(static_cast<int>(p.r[q]), static_cast<int>(p.g[q]),
                                     static_cast<int>(p.b[q]), 0);
                break;
              }
              left -= d[q];
            }
          }
          break;
        }
        rest -= step_total;
      }
    }
    __syncthreads();
  }
}

// One Lloyd assignment pass over the block's pixels: adds every pixel to the totals of its
// nearest centroid. `padded_k` (a multiple of 4) centroids are scanned; the padding ones are far.
template <typename Tile>
__device__ void assign_and_sum(const Tile& tile, int k, int padded_k, const WarpRun& run,
                               const float4* centroids, uint2* packed, uint32_t* squares,
                               const ClusterTotals& totals) {
  const int lane = threadIdx.x & 31;
  const int me = threadIdx.x;
  for (int first = 0; first < run.steps; first += kFlushSteps) {
    for (int j = 0; j < k; ++j) {
      packed[j * kThreads + me] = make_uint2(0, 0);
      squares[j * kThreads + me] = 0;
    }
    const int last = min(run.steps, first + kFlushSteps);
    for (int s = first; s < last; ++s) {
      const int group = run.begin + 32 * s + lane;
      if (group >= run.end) continue;
      Group p;
      tile.load(group, p);
      float pr[4], pg[4], pb[4], best[4];
      int label[4];
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        pr[q] = static_cast<float>(p.r[q]);
        pg[q] = static_cast<float>(p.g[q]);
        pb[q] = static_cast<float>(p.b[q]);
        best[q] = __int_as_float(0x7f800000);  // +inf: centroid 0 always takes the first place
        label[q] = 0;
      }
      for (int j = 0; j < padded_k; j += 4) {
#pragma unroll
        for (int jj = 0; jj < 4; ++jj) {
          const float4 c = centroids[j + jj];
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const float dr = __fsub_rn(pr[q], c.x);
            const float dg = __fsub_rn(pg[q], c.y);
            const float db = __fsub_rn(pb[q], c.z);
            const float d =
                __fadd_rn(__fadd_rn(__fmul_rn(dr, dr), __fmul_rn(dg, dg)), __fmul_rn(db, db));
            if (d < best[q]) {
              best[q] = d;
              label[q] = j + jj;
            }
          }
        }
      }
      const int valid = min(4, tile.n - 4 * group);
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        if (q < valid) {
          const int slot = label[q] * kThreads + me;
          uint2 v = packed[slot];
          v.x += 1u | (p.r[q] << 16);
          v.y += p.g[q] | (p.b[q] << 16);
          packed[slot] = v;
          squares[slot] += p.r[q] * p.r[q] + p.g[q] * p.g[q] + p.b[q] * p.b[q];
        }
      }
    }
    // Flush: each lane reads only its own column, so no __syncwarp is needed around this.
    for (int j = 0; j < k; ++j) {
      const uint2 v = packed[j * kThreads + me];
      const uint32_t count = __reduce_add_sync(kFullMask, v.x & 0xffffu);
      const uint32_t r = __reduce_add_sync(kFullMask, v.x >> 16);
      const uint32_t g = __reduce_add_sync(kFullMask, v.y & 0xffffu);
      const uint32_t b = __reduce_add_sync(kFullMask, v.y >> 16);
      // 32 lanes * 256 pixels * 195075 < 2^32.
      const uint32_t sq = __reduce_add_sync(kFullMask, squares[j * kThreads + me]);
      if (lane == 0 && count != 0) {
        atomicAdd(&totals.count[j], count);
        atomicAdd(&totals.sum[3 * j], r);
        atomicAdd(&totals.sum[3 * j + 1], g);
        atomicAdd(&totals.sum[3 * j + 2], b);
        atomicAdd(&totals.sum_sq[j], static_cast<unsigned long long>(sq));
      }
    }
  }
}

template <typename Tile>
__device__ void run_restart(const Tile& tile, const KmeansBatchArgs& a, int frame, int restart,
                            uint8_t* dynamic) {
  __shared__ float4 centroids[kKmeansMaxK];
  __shared__ int4 seeds[kKmeansMaxK];
  __shared__ uint32_t count[kKmeansMaxK];
  __shared__ uint32_t sum[kKmeansMaxK * 3];
  __shared__ unsigned long long sum_sq[kKmeansMaxK];
  __shared__ unsigned long long warp_totals[kWarps];
  __shared__ int pick_warp;
  __shared__ unsigned long long pick_rest;
  __shared__ int done;

  const int k = a.k;
  const int padded_k = (k + 3) & ~3;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const WarpRun run = warp_run(tile.n, warp);
  auto* packed = reinterpret_cast<uint2*>(dynamic);
  auto* squares = reinterpret_cast<uint32_t*>(dynamic + size_t(k) * kThreads * sizeof(uint2));

  const uint64_t key = restart_key(a.seed, a.frame_indices[frame], restart);
  choose_seeds(tile, k, key, run, seeds, warp_totals, &pick_warp, &pick_rest);

  if (threadIdx.x < padded_k) {
    const int j = threadIdx.x;
    centroids[j] = j < k
                       ? make_float4(static_cast<float>(seeds[j].x), static_cast<float>(seeds[j].y),
                                     static_cast<float>(seeds[j].z), 0.0f)
                       : make_float4(kFarAway, kFarAway, kFarAway, 0.0f);
  }
  if (threadIdx.x < k) {
    count[threadIdx.x] = 0;
    sum[3 * threadIdx.x] = sum[3 * threadIdx.x + 1] = sum[3 * threadIdx.x + 2] = 0;
    sum_sq[threadIdx.x] = 0;
  }
  if (threadIdx.x == 0) done = 0;
  const ClusterTotals totals{count, sum, sum_sq};

  int iterations = 0;  // kept by warp 0, which decides when to stop
  for (;;) {
    __syncthreads();
    if (done) break;
    assign_and_sum(tile, k, padded_k, run, centroids, packed, squares, totals);
    __syncthreads();
    if (warp == 0) {
      float shift2 = 0.0f;
      if (lane < k) {
        const float4 old = centroids[lane];
        float4 updated = old;
        const uint32_t members = count[lane];
        if (members > 0) {
          const double m = static_cast<double>(members);
          updated.x = static_cast<float>(static_cast<double>(sum[3 * lane]) / m);
          updated.y = static_cast<float>(static_cast<double>(sum[3 * lane + 1]) / m);
          updated.z = static_cast<float>(static_cast<double>(sum[3 * lane + 2]) / m);
        }
        const float dx = __fsub_rn(updated.x, old.x);
        const float dy = __fsub_rn(updated.y, old.y);
        const float dz = __fsub_rn(updated.z, old.z);
        shift2 = __fadd_rn(__fadd_rn(__fmul_rn(dx, dx), __fmul_rn(dy, dy)), __fmul_rn(dz, dz));
        centroids[lane] = updated;
      }
#pragma unroll
      for (int offset = 16; offset > 0; offset >>= 1)
        shift2 = fmaxf(shift2, __shfl_xor_sync(kFullMask, shift2, offset));
      ++iterations;
      const bool stop = shift2 <= a.tol2 || iterations == a.max_iter;
      if (!stop && lane < k) {
        count[lane] = 0;
        sum[3 * lane] = sum[3 * lane + 1] = sum[3 * lane + 2] = 0;
        sum_sq[lane] = 0;
      }
      if (lane == 0) done = stop ? 1 : 0;
    }
  }

  // The totals still hold the last assignment; the centroids are its means.
  const size_t slot = size_t(frame) * a.restarts + restart;
  if (threadIdx.x < k) {
    const int j = threadIdx.x;
    float* out = a.restart_centroids + (slot * k + j) * 3;
    out[0] = centroids[j].x;
    out[1] = centroids[j].y;
    out[2] = centroids[j].z;
    a.restart_counts[slot * k + j] = count[j];
  }
  if (threadIdx.x == 0) {
    double inertia = 0.0;
    for (int j = 0; j < k; ++j) {
      if (count[j] == 0) continue;
      const int64_t m = count[j];
      const int64_t s1r = sum[3 * j], s1g = sum[3 * j + 1], s1b = sum[3 * j + 2];
      const int64_t numerator =
          m * static_cast<int64_t>(sum_sq[j]) - (s1r * s1r + s1g * s1g + s1b * s1b);
      inertia += static_cast<double>(numerator) / static_cast<double>(m);
    }
    a.restart_inertia[slot] = inertia;
    a.restart_iterations[slot] = iterations;
  }
}

template <bool kTileInShared>
__global__ void __launch_bounds__(kThreads, 3) kmeans_restart_kernel(KmeansBatchArgs a) {
  extern __shared__ uint4 dynamic_u4[];  // uint4: 16-byte alignment for the tile copy
  auto* dynamic = reinterpret_cast<uint8_t*>(dynamic_u4);
  const int frame = static_cast<int>(blockIdx.x / static_cast<unsigned>(a.restarts));
  const int restart = static_cast<int>(blockIdx.x % static_cast<unsigned>(a.restarts));
  const uint8_t* src = a.tiles + size_t(frame) * size_t(a.n) * 3;
  if constexpr (kTileInShared) {
    uint8_t* pixels = dynamic + size_t(a.k) * kThreads * (sizeof(uint2) + sizeof(uint32_t));
    copy_tile_to_shared(src, a.n, pixels);
    __syncthreads();
    run_restart(SharedTile{reinterpret_cast<const uint32_t*>(pixels), a.n}, a, frame, restart,
                dynamic);
  } else {
    run_restart(GlobalTile{src, a.n}, a, frame, restart, dynamic);
  }
}

// One warp per frame: the best restart (lowest inertia, earliest on ties), clusters sorted by
// count descending then index ascending.
constexpr int kSelectWarps = 8;

__global__ void __launch_bounds__(kSelectWarps * 32) kmeans_select_kernel(KmeansBatchArgs a) {
  const int lane = threadIdx.x & 31;
  const int frame =
      static_cast<int>(blockIdx.x) * kSelectWarps + static_cast<int>(threadIdx.x >> 5);
  if (frame >= a.frames) return;  // the whole warp leaves together
  const size_t first = size_t(frame) * a.restarts;
  int best = 0;
  double best_inertia = a.restart_inertia[first];
  int iterations_all = a.restart_iterations[first];
  for (int r = 1; r < a.restarts; ++r) {
    const double inertia = a.restart_inertia[first + r];
    iterations_all += a.restart_iterations[first + r];
    if (inertia < best_inertia) {
      best_inertia = inertia;
      best = r;
    }
  }
  const size_t slot = first + best;
  const int k = a.k;
  const uint32_t mine = lane < k ? a.restart_counts[slot * k + lane] : 0u;
  int rank = 0;
  for (int i = 0; i < k; ++i) {
    const uint32_t other = __shfl_sync(kFullMask, mine, i);
    if (other > mine || (other == mine && i < lane)) ++rank;
  }
  if (lane < k) {
    const float* from = a.restart_centroids + (slot * k + lane) * 3;
    float* to = a.centroids + (size_t(frame) * k + rank) * 3;
    to[0] = from[0];
    to[1] = from[1];
    to[2] = from[2];
    a.weights[size_t(frame) * k + rank] =
        static_cast<float>(static_cast<double>(mine) / static_cast<double>(a.n));
  }
  if (lane == 0) {
    a.inertia[frame] = best_inertia;
    a.iterations[frame] = a.restart_iterations[slot];
    a.restart[frame] = best;
    a.iterations_all[frame] = iterations_all;
  }
}

}  // namespace

size_t kmeans_dynamic_shared_bytes(int k, int n, bool tile_in_shared) {
  size_t bytes = size_t(k) * kThreads * (sizeof(uint2) + sizeof(uint32_t));
  if (tile_in_shared) bytes += (size_t(n) + 3) / 4 * 12;
  return bytes;
}

size_t kmeans_static_shared_bytes() {
  cudaFuncAttributes attributes{};
  CUDA_CHECK(cudaFuncGetAttributes(&attributes, kmeans_restart_kernel<true>));
  return attributes.sharedSizeBytes;
}

void kmeans_allow_dynamic_shared(size_t bytes) {
  const int value = static_cast<int>(bytes);
  CUDA_CHECK(cudaFuncSetAttribute(kmeans_restart_kernel<true>,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize, value));
  CUDA_CHECK(cudaFuncSetAttribute(kmeans_restart_kernel<false>,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize, value));
}

void launch_kmeans_batched(const KmeansBatchArgs& a, cudaStream_t stream) {
  if (a.frames <= 0) return;
  const unsigned blocks = static_cast<unsigned>(a.frames) * static_cast<unsigned>(a.restarts);
  const size_t shared = kmeans_dynamic_shared_bytes(a.k, a.n, a.tile_in_shared);
  if (a.tile_in_shared) {
    kmeans_restart_kernel<true><<<blocks, kThreads, shared, stream>>>(a);
  } else {
    kmeans_restart_kernel<false><<<blocks, kThreads, shared, stream>>>(a);
  }
  CUDA_CHECK_LAUNCH("kmeans_restart_kernel");
  const unsigned select_blocks =
      static_cast<unsigned>((a.frames + kSelectWarps - 1) / kSelectWarps);
  kmeans_select_kernel<<<select_blocks, kSelectWarps * 32, 0, stream>>>(a);
  CUDA_CHECK_LAUNCH("kmeans_select_kernel");
}

}  // namespace barcode::gpu
