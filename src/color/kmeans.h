// CPU k-means over the pixels of one RGB tile: the reference definition that the CUDA kernel in
// kernels/ must reproduce bit for bit.
//
// The definition is chosen so that the result depends only on the pixels, the parameters and the
// frame index, never on thread count, rank, device or summation order:
//  - Pixels are 8-bit sRGB triples. Seeding centroids are pixels, so k-means++ distances are exact
//    integers and the D^2 draw is exact integer arithmetic.
//  - Random draws come from a counter-based hash of (seed, frame index, restart, draw number), so
//    no generator state is carried between frames.
//  - Cluster sums (count, sum of r,g,b, sum of r^2+g^2+b^2) are exact integers, so they can be
//    accumulated in any order (threads, atomics) and give the same centroids.
//  - Distances are float, computed as ((dr*dr + dg*dg) + db*db) with dr = p - c, without fused
//    multiply-add (the build passes -ffp-contract=off here and --fmad=false to nvcc); ties go to
//    the lowest centroid index.
//  - Inertia is the within-cluster sum of squares of the final partition, from the integer sums:
//    sum over clusters of (n*S2 - |S1|^2) / n, in double, clusters in index order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/host_device.h"

namespace barcode {

struct KmeansParams {
  int k = 8;          // clusters per frame
  int restarts = 4;   // independent k-means++ starts; the lowest inertia wins
  int max_iter = 50;  // Lloyd iterations per restart at most
  float tol = 0.1f;   // stop when no centroid moves farther than this (0..255 RGB units)
  uint64_t seed = 0;  // user seed; combined with the frame index and restart number
};

// The largest tile (in pixels) for which the integer sums above cannot overflow.
constexpr int64_t kMaxTilePixels = int64_t{1} << 20;

// Result of clustering one tile, clusters sorted by weight (pixel count) descending, ties by the
// cluster's index before sorting.
struct KmeansResult {
  std::vector<float> centroids;  // k*3, RGB in 0..255
  std::vector<float> weights;    // k, fraction of the tile's pixels, sums to 1
  double inertia = 0.0;          // within-cluster sum of squared distances, 0..255 units
  int iterations = 0;            // Lloyd iterations run by the winning restart
  int restart = 0;               // which restart won
};

// The random stream, compiled for the host and the device alike (kernels/kmeans_batched.cu draws
// from these very functions).

// 64-bit mixing function (splitmix64's finaliser); the building block of every random draw.
BARCODE_HOST_DEVICE constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The key of one restart's random stream.
BARCODE_HOST_DEVICE constexpr uint64_t restart_key(uint64_t seed, int64_t frame_index,
                                                   int restart) {
  return mix64(mix64(seed ^ mix64(static_cast<uint64_t>(frame_index))) +
               static_cast<uint64_t>(restart));
}

// Draw number `draw` of a stream as a 24-bit integer (0 .. 2^24-1).
BARCODE_HOST_DEVICE constexpr uint32_t draw24(uint64_t key, uint32_t draw) {
  return static_cast<uint32_t>(mix64(key + 0xD1B54A32D192ED03ull * (uint64_t{draw} + 1)) >> 40);
}

// Clusters `n` pixels (rgb, interleaved, 3*n bytes). Throws barcode::Error on bad parameters
// (k < 1, restarts < 1, max_iter < 1, tol < 0, n < 1, n > kMaxTilePixels).
// Runs the fast path where the processor has it (kmeans_fast_supported()), else the reference;
// both give the same result bit for bit.
KmeansResult kmeans_tile(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                         int64_t frame_index);

// The plain reference implementation of the definition above: what the tests compare against.
KmeansResult kmeans_tile_reference(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                                   int64_t frame_index);

// The instruction sets the fast path is written for. It runs the widest the processor has;
// BARCODE_KMEANS=avx2 in the environment keeps it to AVX2 (a switch for comparisons).
enum class KmeansSimd { kAvx2, kAvx512 };

// The fast path (color/kmeans_fast.cpp, color/kmeans_avx512.cpp): SIMD distance evaluation and
// bounds that skip distances only where they prove the assignment unchanged. Same result as the
// reference bit for bit. Throws barcode::Error where the processor lacks it (see
// kmeans_fast_supported()).
KmeansResult kmeans_tile_fast(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                              int64_t frame_index);
// The same with a chosen instruction set; throws barcode::Error where it is not supported.
KmeansResult kmeans_tile_fast(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                              int64_t frame_index, KmeansSimd simd);

// Whether this build and processor can run kmeans_tile_fast (x86-64 with AVX2, GCC build), and
// BARCODE_KMEANS=reference is not set in the environment (a switch for comparisons).
bool kmeans_fast_supported();
// Whether this build and processor can run the fast path with `simd` (whatever the environment
// says).
bool kmeans_simd_supported(KmeansSimd simd);
// The instruction set kmeans_tile_fast runs: AVX-512 where supported, unless BARCODE_KMEANS=avx2.
KmeansSimd kmeans_default_simd();

}  // namespace barcode
