// What the fast k-means (kmeans_fast.cpp, AVX2) and its AVX-512 kernels (kmeans_avx512.cpp)
// share: the per-thread scratch, the constants of the bounds, the centroids as the kernels read
// them. Internal to src/color; why the bounds are exact is at the top of kmeans_fast.cpp.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cstdint>
#include <vector>

#include "color/kmeans_detail.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BARCODE_KMEANS_FAST 1
#else
#define BARCODE_KMEANS_FAST 0
#endif

namespace barcode::kmeans_simd {

constexpr int kMaxK = 32;  // centroid planes are padded to this many
constexpr float kUp = 1.0f + 0x1p-20f;
constexpr float kDown = 1.0f - 0x1p-20f;
constexpr double kRoundingSlack = 0x1p-13;  // > the roundings of a margin (2^-16 each)
// The colour table is padded to whole vectors of either width (8 or 16 lanes).
constexpr int64_t kTablePad = 16;
// Colours per nearest-centroid pass: the pass keeps their best distances and labels in
// registers and L1 cache; a multiple of every vector width.
constexpr int64_t kChunk = 256;

// All buffers of one call, kept per thread so that no call allocates once warm.
struct Scratch {
  std::vector<uint32_t> keys, keys_tmp;
  std::vector<uint32_t> low, high;  // the radix sort's bucket starts
  // Pixels in pixel order as int16 pairs, padded to the seeding's block: (r, g) and (b, 0), the
  // operands of the seeding's multiply-adds.
  std::vector<int16_t> rg, b0;
  std::vector<uint32_t> d2;  // padded; padding stays 0
  std::vector<uint32_t> block_sum;
  kmeans_detail::ColourTable table;  // the distinct colours, padded to kTablePad
  std::vector<int32_t> weights;      // per colour: count, wr, wg, wb side by side (one load)
  std::vector<int32_t> labels;
  // The AVX-512 kernels' labels: per colour 0xRRGGBB | label << 24, so that one gather brings a
  // failed colour's value and its old label.
  std::vector<int32_t> packed;
  std::vector<float> margin;       // per colour: m of kmeans_fast.cpp's proof
  std::vector<int32_t> recompute;  // colours whose bounds failed this iteration, then padding
  std::vector<float> failed_r, failed_g, failed_b;  // their colours, padded to kTablePad
  std::vector<int32_t> failed_word;                 // AVX-512: their packed words before the pass
};

// How far the margins of the colours of each centroid fall when the centroids move:
// drop[a] >= max_{j != a} move_j + move_a kUp + 2^-13 (kmeans_fast.cpp).
struct Moves {
  alignas(64) float drop[kMaxK];
};

// Centroid planes padded to kMaxK with far-away centroids (their float distances are +infinity,
// never a minimum while a real centroid exists).
struct PaddedCentroids {
  alignas(64) float r[kMaxK], g[kMaxK], b[kMaxK];
  void set(const kmeans_detail::Centroids& c, int k) {
    for (int j = 0; j < kMaxK; ++j) {
      r[j] = j < k ? c.r[j] : 1e30f;
      g[j] = j < k ? c.g[j] : 1e30f;
      b[j] = j < k ? c.b[j] : 1e30f;
    }
  }
};

#if BARCODE_KMEANS_FAST
// The cluster sums as one row of four int64 per cluster (count, r, g, b), so that moving a
// colour is one widened load of its four weights and two vector additions, and the kernels'
// loops keep their pointers in registers (with twelve separate arrays they were spilled).
struct ClusterRows {
  alignas(32) int64_t row[kMaxK][4];
  void load(const kmeans_detail::ClusterSums& sums, int k) {
    for (int j = 0; j < k; ++j) {
      row[j][0] = sums.count[j];
      row[j][1] = sums.sr[j];
      row[j][2] = sums.sg[j];
      row[j][3] = sums.sb[j];
    }
  }
  void store(kmeans_detail::ClusterSums& sums, int k) const {
    for (int j = 0; j < k; ++j) {
      sums.count[j] = row[j][0];
      sums.sr[j] = row[j][1];
      sums.sg[j] = row[j][2];
      sums.sb[j] = row[j][3];
    }
  }
};

// Moves colour `i` from cluster `from` to cluster `to` (`weights`: per colour count, wr, wg, wb
// side by side). AVX2, which both kernels' targets include.
__attribute__((target("avx2"))) inline void move_colour(ClusterRows& rows, const int32_t* weights,
                                                        int64_t i, int from, int to) {
  const __m256i w =
      _mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(weights + 4 * i)));
  __m256i* out = reinterpret_cast<__m256i*>(rows.row[from]);
  __m256i* in = reinterpret_cast<__m256i*>(rows.row[to]);
  _mm256_store_si256(out, _mm256_sub_epi64(_mm256_load_si256(out), w));
  _mm256_store_si256(in, _mm256_add_epi64(_mm256_load_si256(in), w));
}

// The exact integer sums of the colours of each label in `s.labels` (the first assignment of a
// restart).
void sums_of_labels(const Scratch& s, int k, kmeans_detail::ClusterSums& sums);

// Whether the processor has the AVX-512 subsets the kernels below use (F, VL, DQ, BW).
bool cpu_has_avx512();

// The seeding's pass for a new centroid in AVX-512 (kmeans_fast.cpp's seed_distances): d2 and
// the block sums, the same integers; returns their total. The seeding blocks are a multiple of
// 16 pixels.
uint64_t seed_distances_avx512(Scratch& s, int32_t cr, int32_t cg, int32_t cb);

// The AVX-512 forms of kmeans_fast.cpp's assign_all and assign_bounded: the same operations on
// 16 colours at a time, the same labels, margins and sums.
void assign_all_avx512(Scratch& s, const PaddedCentroids& c, int k,
                       kmeans_detail::ClusterSums& sums);
// assign_bounded_avx512 keeps the labels in `packed` only: unpack_labels_avx512 writes them to
// `labels`, where the rest of the fast path reads them.
void assign_bounded_avx512(Scratch& s, const PaddedCentroids& c, int k, const Moves& moves,
                           kmeans_detail::ClusterSums& sums);
void unpack_labels_avx512(Scratch& s);
#endif

}  // namespace barcode::kmeans_simd
