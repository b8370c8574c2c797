// The fast path of the k-means defined in color/kmeans.h: the same numbers as the reference
// (kmeans.cpp) bit for bit, computed with less work. Every step keeps an exact equality with the
// reference, as follows:
//
// Distinct colours: a two-pass radix sort of the 24-bit colour keys instead of a comparison sort.
//   Cluster sums are exact integers and the inertia comes from them, so neither depends on the
//   order of the colours.
//
// Seeding: the same integer D2 passes over all pixels in pixel order, 8 pixels per AVX2 operation
//   (integer arithmetic, exact: int16 differences squared and summed in pairs by multiply-adds
//   into int32, whose sum is the same integer in any order), with each block of kBlock pixels' D2
//   sum kept aside. The pixel the draw picks is the first whose inclusive cumulative D2 sum exceeds
//   the target; cumulative sums never decrease, so it lies in the first block whose cumulative sum
//   exceeds the target, and only that block is walked pixel by pixel.
//
// Lloyd assignment with bounds (Hamerly's method), proven exact under float rounding:
//   Let e_j be the real Euclidean distance of a colour p (integers) from centroid c_j (floats)
//   and f_j the float distance of the definition, fl((fl(dr*dr) + fl(dg*dg)) + fl(db*db)) with
//   dr = fl(p.r - c.r). Every term is non-negative and passes through at most five roundings
//   (subtraction, squared, product, two additions), so with u = 2^-24 and no underflow (a nonzero
//   |dr| is at least 2^-43: centroids are 0 or at least 2^-20, below 256)
//       e_j^2 (1-u)^5 <= f_j <= e_j^2 (1+u)^5.                                       (1)
//   For real U >= e_a (a the colour's centroid) and L <= min_{j != a} e_j: if
//   L > U (1+u)^5/(1-u)^5, then by (1) every f_j > f_a, so the reference's argmin (strict <, ties
//   to the lowest index) is a whatever the tie rule, and the colour keeps its label without
//   computing a distance. With kUp = 1 + 2^-20 > (1+u)^5/(1-u)^5 it suffices that the margin
//   L - U kUp is positive, and each colour keeps one float m <= L - U kUp for such U and L: it
//   keeps its label while m > 0.
//   Where the test fails, all k float distances are computed exactly as the reference does (same
//   operations, in SIMD lanes, no fused multiply-add: this file is built with -ffp-contract=off
//   and its target has no FMA) and the argmin is the first index of the smallest value, which is
//   what the reference's strict-< scan returns (distances are never NaN).
//   The margin after such a computation: U = fl(fl(sqrt(f_a)) * kUp) >= e_a and
//   L = fl(fl(sqrt(f_2nd)) * kDown) <= min_{j != a} e_j, kDown = 1 - 2^-20, by (1) and the
//   correct rounding of sqrt and of the product; then m = fl(fl(L - fl(U * kUp)) - 2^-13). U kUp
//   and L are below 443 (distances in the RGB cube are at most 441.7), where a rounding errs by
//   at most 2^-16, so the three roundings add less than 2^-13 and m <= L - U kUp.
//   When centroids move, the real margin of a colour of centroid a falls by at most
//   max_{j != a} |c_j' - c_j| + |c_a' - c_a| kUp (triangle inequality on real distances), and
//   m -= drop[a] with drop[a] >= that + 2^-13. The 2^-13 covers the rounding of the float
//   subtraction: where its exact result is positive it is below 443 and errs by at most 2^-16;
//   where it is not positive, neither is the rounded result, and the colour is recomputed. With
//   k = 1 there is no other centroid: L and m are +infinity and the test always passes.
//   Labels equal the reference's in every iteration, so the exact integer cluster sums, updated
//   for the colours whose label changed, equal the reference's, and so do the centroids (the same
//   update_centroids), the iteration count, the inertia and the winner.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "base/error.h"
#include "color/kmeans.h"
#include "color/kmeans_detail.h"
#include "color/kmeans_simd.h"

namespace barcode {

#if BARCODE_KMEANS_FAST

namespace {

using kmeans_detail::Centroids;
using kmeans_detail::ClusterSums;

using kmeans_simd::kChunk;
using kmeans_simd::kDown;
using kmeans_simd::kMaxK;
using kmeans_simd::kRoundingSlack;
using kmeans_simd::kTablePad;
using kmeans_simd::kUp;
using kmeans_simd::Moves;
using kmeans_simd::PaddedCentroids;
using kmeans_simd::Scratch;

constexpr int kLanes = 8;        // floats or int32 per AVX2 register
constexpr int64_t kBlock = 256;  // pixels per seeding block: a block's D2 sum is < 2^26

int64_t round_up(int64_t v, int64_t m) {
  return (v + m - 1) / m * m;
}

Scratch& scratch() {
  static thread_local Scratch s;
  return s;
}

template <typename T>
void grow(std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

// The smallest float >= x (x finite, within float range).
float float_at_least(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// ---- Distinct colours: LSD radix sort, 12 bits per pass. Plain code (no target attribute).
void distinct_colours(const uint8_t* rgb, int64_t n, Scratch& s) {
  s.keys.resize(n);
  s.keys_tmp.resize(n);
  uint32_t* keys = s.keys.data();
  uint32_t* tmp = s.keys_tmp.data();
  s.low.assign(4096, 0);
  s.high.assign(4096, 0);
  uint32_t* low = s.low.data();
  uint32_t* high = s.high.data();
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t key =
        (uint32_t{rgb[3 * i]} << 16) | (uint32_t{rgb[3 * i + 1]} << 8) | rgb[3 * i + 2];
    keys[i] = key;
    ++low[key & 0xFFF];
    ++high[key >> 12];
  }
  uint32_t at_low = 0, at_high = 0;
  for (int b = 0; b < 4096; ++b) {
    const uint32_t l = low[b], h = high[b];
    low[b] = at_low;
    high[b] = at_high;
    at_low += l;
    at_high += h;
  }
  for (int64_t i = 0; i < n; ++i) tmp[low[keys[i] & 0xFFF]++] = keys[i];
  for (int64_t i = 0; i < n; ++i) keys[high[tmp[i] >> 12]++] = tmp[i];

  kmeans_detail::fill_colour_table(keys, n, kTablePad, s.table);
  // The padding's weights are zero (fill_colour_table), so moving a padding colour between the
  // sums adds nothing: the bounded pass needs no test for it.
  grow(s.weights, 4 * s.table.padded);
  for (int64_t i = 0; i < s.table.padded; ++i) {
    s.weights[4 * i] = s.table.count[i];
    s.weights[4 * i + 1] = s.table.wr[i];
    s.weights[4 * i + 2] = s.table.wg[i];
    s.weights[4 * i + 3] = s.table.wb[i];
  }
  // Every colour's label and bounds are written by the first assignment of each restart before
  // they are read, so these arrays only grow, as the table's do.
  const int64_t padded = s.table.padded;
  grow(s.labels, padded);
  grow(s.packed, padded);
  grow(s.margin, padded);
  // Room for the last packed store of a whole vector, and the padding of the last group.
  grow(s.recompute, padded + kTablePad);
  grow(s.failed_r, padded + kTablePad);
  grow(s.failed_g, padded + kTablePad);
  grow(s.failed_b, padded + kTablePad);
  grow(s.failed_word, padded + kTablePad);
}

void split_pixels(const uint8_t* rgb, int64_t n, Scratch& s) {
  const int64_t padded = round_up(n, kBlock);
  grow(s.rg, 2 * padded);
  grow(s.b0, 2 * padded);
  int16_t* rg = s.rg.data();
  int16_t* b0 = s.b0.data();
  for (int64_t i = 0; i < n; ++i) {
    rg[2 * i] = rgb[3 * i];
    rg[2 * i + 1] = rgb[3 * i + 1];
    b0[2 * i] = rgb[3 * i + 2];
    b0[2 * i + 1] = 0;
  }
  for (int64_t i = 2 * n; i < 2 * padded; ++i) rg[i] = b0[i] = 0;
  s.d2.resize(padded);
  s.block_sum.resize(padded / kBlock);
}

Moves centroid_moves(const Centroids& before, const Centroids& after, int k) {
  Moves m;
  double first = -1.0, second = 0.0;
  int most = 0;
  double moved[kMaxK];
  for (int j = 0; j < kMaxK; ++j) m.drop[j] = 0.0f;
  for (int j = 0; j < k; ++j) {
    const double dr = double{before.r[j]} - double{after.r[j]};
    const double dg = double{before.g[j]} - double{after.g[j]};
    const double db = double{before.b[j]} - double{after.b[j]};
    // Each double operation errs by at most 2^-53 relative; 2^-40 covers them all.
    const double move = std::sqrt(dr * dr + dg * dg + db * db) * (1.0 + 0x1p-40);
    moved[j] = move;
    if (move > first) {
      second = std::max(first, 0.0);
      first = move;
      most = j;
    } else {
      second = std::max(second, move);
    }
  }
  for (int j = 0; j < k; ++j) {
    const double others = j == most ? second : first;  // the largest move of the others
    // Two more double roundings, and the product by kUp: 2^-40 relative covers them.
    const double drop = (others + moved[j] * (1.0 + 0x1p-20)) * (1.0 + 0x1p-40);
    m.drop[j] = float_at_least(drop + kRoundingSlack);
  }
  return m;
}

// For each 8-bit mask, the lane numbers of its set bits in order, then zeros: the permutation
// that packs the selected lanes to the front of a vector.
struct PackTable {
  alignas(32) int32_t lanes[256][8];
  constexpr PackTable() : lanes() {
    for (int mask = 0; mask < 256; ++mask) {
      int at = 0;
      for (int lane = 0; lane < 8; ++lane) {
        if ((mask >> lane) & 1) lanes[mask][at++] = lane;
      }
    }
  }
};
constexpr PackTable kPack;

#pragma GCC push_options
#pragma GCC target("avx2")

// ---- Seeding (the rules of kmeans.cpp), integer AVX2 over 8 pixels at a time.
// The seeding's pass for a new centroid (cr, cg, cb): d2[i] = min(d2[i], its squared distance
// to pixel i), each block's sum of d2 into block_sum; returns the total.
uint64_t seed_distances(Scratch& s, int32_t cr, int32_t cg, int32_t cb) {
  const int64_t blocks = static_cast<int64_t>(s.block_sum.size());
  uint32_t* d2 = s.d2.data();
  // (r - cr, g - cg) and (b - cb, 0) as int16 in [-255, 255]; a multiply-add of each pair with
  // itself gives dr*dr + dg*dg and db*db as exact int32, so d is the same integer as the
  // definition's.
  const __m256i vrg = _mm256_set1_epi32(cg * 65536 + cr), vb = _mm256_set1_epi32(cb);
  uint64_t total = 0;
  for (int64_t blk = 0; blk < blocks; ++blk) {
    __m256i acc = _mm256_setzero_si256();
    for (int64_t i = blk * kBlock; i < (blk + 1) * kBlock; i += kLanes) {
      const __m256i drg =
          _mm256_sub_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s.rg[2 * i])), vrg);
      const __m256i db =
          _mm256_sub_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s.b0[2 * i])), vb);
      const __m256i d = _mm256_add_epi32(_mm256_madd_epi16(drg, drg), _mm256_madd_epi16(db, db));
      __m256i* slot = reinterpret_cast<__m256i*>(&d2[i]);
      const __m256i m = _mm256_min_epu32(_mm256_loadu_si256(slot), d);
      _mm256_storeu_si256(slot, m);
      acc = _mm256_add_epi32(acc, m);
    }
    alignas(32) uint32_t lanes[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
    uint32_t sum = 0;
    for (uint32_t v : lanes) sum += v;
    s.block_sum[blk] = sum;
    total += sum;
  }
  return total;
}

void seed_centroids(Scratch& s, int64_t n, int k, uint64_t key, bool wide, Centroids& c) {
  const auto un = static_cast<uint64_t>(n);
  const int64_t blocks = static_cast<int64_t>(s.block_sum.size());
  uint32_t* d2 = s.d2.data();
  // No centroid yet: real pixels infinitely far, padding at 0 (never summed, never chosen).
  for (int64_t i = 0; i < n; ++i) d2[i] = UINT32_MAX;
  for (int64_t i = n; i < blocks * kBlock; ++i) d2[i] = 0;
  int64_t chosen = static_cast<int64_t>((uint64_t{draw24(key, 0)} * un) >> 24);
  for (int ci = 0;; ++ci) {
    const int32_t cr = s.rg[2 * chosen], cg = s.rg[2 * chosen + 1], cb = s.b0[2 * chosen];
    c.r[ci] = static_cast<float>(cr);
    c.g[ci] = static_cast<float>(cg);
    c.b[ci] = static_cast<float>(cb);
    if (ci + 1 == k) break;

    const uint64_t total =
        wide ? kmeans_simd::seed_distances_avx512(s, cr, cg, cb) : seed_distances(s, cr, cg, cb);

    const uint64_t draw = draw24(key, static_cast<uint32_t>(ci + 1));
    if (total == 0) {
      chosen = static_cast<int64_t>((draw * un) >> 24);
      continue;
    }
    const uint64_t target = (draw * total) >> 24;
    uint64_t cumulative = 0;
    chosen = n - 1;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      if (cumulative + s.block_sum[blk] <= target) {
        cumulative += s.block_sum[blk];
        continue;
      }
      for (int64_t i = blk * kBlock;; ++i) {
        cumulative += d2[i];
        if (cumulative > target) {
          chosen = i;
          break;
        }
      }
      break;
    }
  }
}

// The float distance of the definition for 8 colours and one centroid, in the reference's order.
inline __m256 distance8(__m256 pr, __m256 pg, __m256 pb, float cr, float cg, float cb) {
  const __m256 dr = _mm256_sub_ps(pr, _mm256_set1_ps(cr));
  const __m256 dg = _mm256_sub_ps(pg, _mm256_set1_ps(cg));
  const __m256 db = _mm256_sub_ps(pb, _mm256_set1_ps(cb));
  return _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(dr, dr), _mm256_mul_ps(dg, dg)),
                       _mm256_mul_ps(db, db));
}

// Nearest centroid of `count` colours (a multiple of kLanes, at most kChunk) with strict <, so
// the lowest index wins ties as in the reference, and the bounds U and L that follow from the
// smallest and second smallest distance. The centroid loop is outside the colour loop so that the
// lanes' compare-and-select chains are independent (one chain per 8 colours would wait on the
// latency of each step).

void nearest_chunk(const float* r, const float* g, const float* b, int64_t count,
                   const PaddedCentroids& c, int k, int32_t* label, float* margin) {
  __m256 best[kChunk / kLanes], second[kChunk / kLanes];
  __m256i best_j[kChunk / kLanes];
  const int64_t vectors = count / kLanes;
  for (int64_t v = 0; v < vectors; ++v) {
    best[v] = distance8(_mm256_loadu_ps(r + v * kLanes), _mm256_loadu_ps(g + v * kLanes),
                        _mm256_loadu_ps(b + v * kLanes), c.r[0], c.g[0], c.b[0]);
    second[v] = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    best_j[v] = _mm256_setzero_si256();
  }
  for (int j = 1; j < k; ++j) {
    const __m256i vj = _mm256_set1_epi32(j);
    for (int64_t v = 0; v < vectors; ++v) {
      const __m256 d = distance8(_mm256_loadu_ps(r + v * kLanes), _mm256_loadu_ps(g + v * kLanes),
                                 _mm256_loadu_ps(b + v * kLanes), c.r[j], c.g[j], c.b[j]);
      // Strict <: ties keep the lower index. The smallest and second smallest values themselves
      // need no select: the new second is min(second, max(best, d)) whichever is closer, and
      // min/max of the same values give the same bits (distances are never NaN or -0).
      const __m256 closer = _mm256_cmp_ps(d, best[v], _CMP_LT_OQ);
      best_j[v] = _mm256_blendv_epi8(best_j[v], vj, _mm256_castps_si256(closer));
      second[v] = _mm256_min_ps(second[v], _mm256_max_ps(best[v], d));
      best[v] = _mm256_min_ps(best[v], d);
    }
  }
  const __m256 up = _mm256_set1_ps(kUp), down = _mm256_set1_ps(kDown);
  const __m256 slack = _mm256_set1_ps(static_cast<float>(kRoundingSlack));
  for (int64_t v = 0; v < vectors; ++v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(label + v * kLanes), best_j[v]);
    const __m256 upper = _mm256_mul_ps(_mm256_sqrt_ps(best[v]), up);
    const __m256 lower = _mm256_mul_ps(_mm256_sqrt_ps(second[v]), down);
    _mm256_storeu_ps(margin + v * kLanes,
                     _mm256_sub_ps(_mm256_sub_ps(lower, _mm256_mul_ps(upper, up)), slack));
  }
}

// First assignment of a restart: every colour's distances computed; sums from scratch.
void assign_all(Scratch& s, const PaddedCentroids& c, int k, ClusterSums& sums) {
  const kmeans_detail::ColourTable& t = s.table;
  for (int64_t i = 0; i < t.padded; i += kChunk) {
    const int64_t count = t.padded - i < kChunk ? t.padded - i : kChunk;
    nearest_chunk(&t.r[i], &t.g[i], &t.b[i], count, c, k, &s.labels[i], &s.margin[i]);
  }
  kmeans_simd::sums_of_labels(s, k, sums);
}

// A later assignment: bounds moved, tested, and distances computed only where the test fails.
void assign_bounded(Scratch& s, const PaddedCentroids& c, int k, const Moves& moves,
                    ClusterSums& sums) {
  // Raw pointers in locals: the intrinsics' stores may alias anything, so through the vectors the
  // compiler would reload every data pointer after each store.
  const int64_t padded = s.table.padded;
  const float* cr = s.table.r.data();
  const float* cg = s.table.g.data();
  const float* cb = s.table.b.data();
  int32_t* labels = s.labels.data();
  float* margins = s.margin.data();
  int32_t* recompute = s.recompute.data();
  float* fr = s.failed_r.data();
  float* fg = s.failed_g.data();
  float* fb = s.failed_b.data();
  const __m256 drop_lo = _mm256_load_ps(&moves.drop[0]);
  const __m256 zero = _mm256_setzero_ps();
  const __m256i lane_numbers = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t failed = 0;
  for (int64_t i = 0; i < padded; i += kLanes) {
    const __m256i label = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(labels + i));
    const __m256 drop = k <= kLanes ? _mm256_permutevar8x32_ps(drop_lo, label)
                                    : _mm256_i32gather_ps(moves.drop, label, 4);
    const __m256 margin = _mm256_sub_ps(_mm256_loadu_ps(margins + i), drop);
    _mm256_storeu_ps(margins + i, margin);
    const __m256 keeps = _mm256_cmp_ps(margin, zero, _CMP_GT_OQ);
    // Append the failed lanes' colour numbers to the list without branching: their lanes packed
    // to the front (the rest of each store is overwritten by the next one or never read). Only
    // the numbers: the failed colours' values are gathered afterwards, for the ~19 % that failed,
    // instead of being permuted and stored for every group.
    const unsigned fail = ~static_cast<unsigned>(_mm256_movemask_ps(keeps)) & 0xFFu;
    const __m256i pack = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPack.lanes[fail]));
    const __m256i index =
        _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(i)), lane_numbers);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(recompute + failed),
                        _mm256_permutevar8x32_epi32(index, pack));
    failed += __builtin_popcount(fail);
  }
  // The failed colours, compacted, through the full computation; the tail of the last group
  // repeats the last one (computed, never applied), so every gathered index is a colour's.
  for (int64_t f = failed; f % kLanes != 0; ++f) recompute[f] = recompute[failed - 1];
  for (int64_t f = 0; f < failed; f += kLanes) {
    const __m256i index = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(recompute + f));
    _mm256_storeu_ps(fr + f, _mm256_i32gather_ps(cr, index, 4));
    _mm256_storeu_ps(fg + f, _mm256_i32gather_ps(cg, index, 4));
    _mm256_storeu_ps(fb + f, _mm256_i32gather_ps(cb, index, 4));
  }
  const int64_t groups = (failed + kLanes - 1) / kLanes * kLanes;
  kmeans_simd::ClusterRows cluster;
  cluster.load(sums, k);
  const int32_t* weights = s.weights.data();
  alignas(32) int32_t label[kChunk];
  alignas(32) float margin[kChunk];
  for (int64_t f = 0; f < groups; f += kChunk) {
    const int64_t n = groups - f < kChunk ? groups - f : kChunk;
    nearest_chunk(fr + f, fg + f, fb + f, n, c, k, label, margin);
    const int64_t real = failed - f < n ? failed - f : n;
    for (int64_t l = 0; l < real; ++l) {
      const int32_t i = recompute[f + l];
      const int32_t from = labels[i], to = label[l];
      // Move the colour between the exact integer sums.
      if (from != to) kmeans_simd::move_colour(cluster, weights, i, from, to);
      labels[i] = to;
      margins[i] = margin[l];
    }
  }
  cluster.store(sums, k);
}

#pragma GCC pop_options

// Sums over the colours into kSumSets sets of per-cluster accumulators, colour i into set
// i % kSumSets: neighbouring colours, often of one cluster, then add into different memory and
// do not wait for each other's additions (one set made each colour wait on the last). The sums
// are integers, so the sets add up to the same totals in any order.
constexpr int kSumSets = 4;

// Within-cluster sum of squares of the final labelling (the reference's formula).
double partition_inertia(const Scratch& s, const ClusterSums& sums, int k) {
  int64_t sets[kSumSets][kMaxK] = {};
  const int32_t* labels = s.labels.data();
  const int64_t* w_sq = s.table.w_sq.data();
  for (int64_t i = 0; i < s.table.size; ++i) sets[i % kSumSets][labels[i]] += w_sq[i];
  std::vector<int64_t> s2(k, 0);
  for (int j = 0; j < k; ++j) {
    for (const auto& set : sets) s2[j] += set[j];
  }
  return kmeans_detail::inertia_from_sums(sums, s2, k);
}

bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}

// The choice read once: BARCODE_KMEANS=reference or =avx2, else empty.
const char* kmeans_switch() {
  static const char* choice = std::getenv("BARCODE_KMEANS");
  return choice == nullptr ? "" : choice;
}

}  // namespace

void kmeans_simd::sums_of_labels(const Scratch& s, int k, ClusterSums& sums) {
  // Per set, per cluster: count, r, g, b (see kSumSets).
  int64_t sets[kSumSets][kMaxK][4] = {};
  const int32_t* labels = s.labels.data();
  const int32_t* weights = s.weights.data();
  for (int64_t i = 0; i < s.table.size; ++i) {
    int64_t* row = sets[i % kSumSets][labels[i]];
    const int32_t* w = weights + 4 * i;
    row[0] += w[0];
    row[1] += w[1];
    row[2] += w[2];
    row[3] += w[3];
  }
  sums.clear();
  for (int j = 0; j < k; ++j) {
    for (const auto& set : sets) {
      sums.count[j] += set[j][0];
      sums.sr[j] += set[j][1];
      sums.sg[j] += set[j][2];
      sums.sb[j] += set[j][3];
    }
  }
}

bool kmeans_simd_supported(KmeansSimd simd) {
  return simd == KmeansSimd::kAvx512 ? kmeans_simd::cpu_has_avx512() : cpu_has_avx2();
}

bool kmeans_fast_supported() {
  static const bool supported =
      std::strcmp(kmeans_switch(), "reference") != 0 && kmeans_simd_supported(KmeansSimd::kAvx2);
  return supported;
}

KmeansSimd kmeans_default_simd() {
  static const KmeansSimd simd =
      std::strcmp(kmeans_switch(), "avx2") != 0 && kmeans_simd_supported(KmeansSimd::kAvx512)
          ? KmeansSimd::kAvx512
          : KmeansSimd::kAvx2;
  return simd;
}

KmeansResult kmeans_tile_fast(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                              int64_t frame_index) {
  return kmeans_tile_fast(rgb, n, params, frame_index, kmeans_default_simd());
}

KmeansResult kmeans_tile_fast(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                              int64_t frame_index, KmeansSimd simd) {
  kmeans_detail::validate(rgb, n, params);
  if (!kmeans_simd_supported(simd)) {
    throw Error(simd == KmeansSimd::kAvx512
                    ? "kmeans: this processor has no AVX-512 (F, VL, DQ, BW)"
                    : "kmeans: the fast path needs a processor with AVX2");
  }
  if (params.k > kMaxK) return kmeans_tile_reference(rgb, n, params, frame_index);
  const int k = params.k;
  const float tol2 = params.tol * params.tol;
  const bool wide = simd == KmeansSimd::kAvx512;

  Scratch& s = scratch();
  split_pixels(rgb, n, s);
  distinct_colours(rgb, n, s);
  Centroids centroids(k), previous(k);
  PaddedCentroids padded;
  ClusterSums sums(k);

  bool have_best = false;
  double best_inertia = 0.0;
  int best_restart = 0, best_iterations = 0;
  Centroids best_centroids(k);
  std::vector<int64_t> best_counts(k);

  for (int restart = 0; restart < params.restarts; ++restart) {
    seed_centroids(s, n, k, restart_key(params.seed, frame_index, restart), wide, centroids);
    int iterations = 0;
    for (;;) {
      padded.set(centroids, k);
      if (iterations == 0) {
        if (wide) {
          kmeans_simd::assign_all_avx512(s, padded, k, sums);
        } else {
          assign_all(s, padded, k, sums);
        }
      } else {
        const Moves moves = centroid_moves(previous, centroids, k);
        if (wide) {
          kmeans_simd::assign_bounded_avx512(s, padded, k, moves, sums);
        } else {
          assign_bounded(s, padded, k, moves, sums);
        }
      }
      previous = centroids;
      const float shift2 = kmeans_detail::update_centroids(sums, k, centroids);
      ++iterations;
      if (shift2 <= tol2 || iterations == params.max_iter) break;
    }
    if (wide) kmeans_simd::unpack_labels_avx512(s);
    const double inertia = partition_inertia(s, sums, k);
    if (!have_best || inertia < best_inertia) {  // strict: the earliest restart wins ties
      have_best = true;
      best_inertia = inertia;
      best_restart = restart;
      best_iterations = iterations;
      best_centroids = centroids;
      best_counts = sums.count;
    }
  }
  return kmeans_detail::sorted_result(k, n, best_centroids, best_counts, best_inertia,
                                      best_iterations, best_restart);
}

#else  // no fast path in this build

bool kmeans_fast_supported() {
  return false;
}

bool kmeans_simd_supported(KmeansSimd) {
  return false;
}

KmeansSimd kmeans_default_simd() {
  return KmeansSimd::kAvx2;
}

KmeansResult kmeans_tile_fast(const uint8_t*, int64_t, const KmeansParams&, int64_t) {
  throw Error("kmeans: this build has no fast path (it needs x86-64 and GCC)");
}

KmeansResult kmeans_tile_fast(const uint8_t*, int64_t, const KmeansParams&, int64_t, KmeansSimd) {
  throw Error("kmeans: this build has no fast path (it needs x86-64 and GCC)");
}

#endif

}  // namespace barcode
