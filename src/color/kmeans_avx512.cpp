// The fast k-means' assignment (kmeans_fast.cpp) in AVX-512: 16 colours per operation instead of
// 8, and the instructions AVX2 lacks for its bookkeeping. The numbers are the same as the AVX2
// kernels' and the reference's bit for bit: every distance is the same IEEE single-precision
// operations in the same order (this file is built with -ffp-contract=off), argmin and second
// minimum are taken by the same compare, min and max, the margins by the same sqrt and products,
// and the bounds are tested and moved exactly as kmeans_fast.cpp's proof says.
//
// What AVX-512 changes besides the width:
//  - the colours whose bound failed are packed into the recomputation list by a compress;
//  - a centroid's margin drop is looked up for 32 centroids with one two-table permute;
//  - the recomputed labels and margins go back by masked scatters, 16 at a time, and only the
//    colours whose label changed (few) are moved between the integer sums one by one. In AVX2
//    this was a scalar loop over every recomputed colour: 40 % of the assignment's time.
#include "color/kmeans_simd.h"

#if BARCODE_KMEANS_FAST

#include <immintrin.h>

#include <limits>

namespace barcode::kmeans_simd {

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw")
// GCC 12's own AVX-512 headers pass _mm512_undefined_* values that its flow analysis then calls
// "maybe uninitialized" (GCC bug 105593); the warning is about the header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace {

constexpr int kWide = 16;  // floats or int32 per AVX-512 register

// The float distance of the definition for 16 colours and one centroid, in the reference's order.
inline __m512 distance16(__m512 pr, __m512 pg, __m512 pb, float cr, float cg, float cb) {
  const __m512 dr = _mm512_sub_ps(pr, _mm512_set1_ps(cr));
  const __m512 dg = _mm512_sub_ps(pg, _mm512_set1_ps(cg));
  const __m512 db = _mm512_sub_ps(pb, _mm512_set1_ps(cb));
  return _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(dr, dr), _mm512_mul_ps(dg, dg)),
                       _mm512_mul_ps(db, db));
}

// kmeans_fast.cpp's nearest_chunk on 16 lanes: `count` a multiple of 16, at most kChunk.
void nearest_chunk16(const float* r, const float* g, const float* b, int64_t count,
                     const PaddedCentroids& c, int k, int32_t* label, float* margin) {
  __m512 best[kChunk / kWide], second[kChunk / kWide];
  __m512i best_j[kChunk / kWide];
  const int64_t vectors = count / kWide;
  for (int64_t v = 0; v < vectors; ++v) {
    best[v] = distance16(_mm512_loadu_ps(r + v * kWide), _mm512_loadu_ps(g + v * kWide),
                         _mm512_loadu_ps(b + v * kWide), c.r[0], c.g[0], c.b[0]);
    second[v] = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    best_j[v] = _mm512_setzero_si512();
  }
  for (int j = 1; j < k; ++j) {
    const __m512i vj = _mm512_set1_epi32(j);
    for (int64_t v = 0; v < vectors; ++v) {
      const __m512 d = distance16(_mm512_loadu_ps(r + v * kWide), _mm512_loadu_ps(g + v * kWide),
                                  _mm512_loadu_ps(b + v * kWide), c.r[j], c.g[j], c.b[j]);
      // Strict <: ties keep the lower index (see nearest_chunk).
      const __mmask16 closer = _mm512_cmp_ps_mask(d, best[v], _CMP_LT_OQ);
      best_j[v] = _mm512_mask_mov_epi32(best_j[v], closer, vj);
      second[v] = _mm512_min_ps(second[v], _mm512_max_ps(best[v], d));
      best[v] = _mm512_min_ps(best[v], d);
    }
  }
  const __m512 up = _mm512_set1_ps(kUp), down = _mm512_set1_ps(kDown);
  const __m512 slack = _mm512_set1_ps(static_cast<float>(kRoundingSlack));
  for (int64_t v = 0; v < vectors; ++v) {
    _mm512_storeu_si512(label + v * kWide, best_j[v]);
    const __m512 upper = _mm512_mul_ps(_mm512_sqrt_ps(best[v]), up);
    const __m512 lower = _mm512_mul_ps(_mm512_sqrt_ps(second[v]), down);
    _mm512_storeu_ps(margin + v * kWide,
                     _mm512_sub_ps(_mm512_sub_ps(lower, _mm512_mul_ps(upper, up)), slack));
  }
}

}  // namespace

uint64_t seed_distances_avx512(Scratch& s, int32_t cr, int32_t cg, int32_t cb) {
  constexpr int64_t kBlock = 256;  // kmeans_fast.cpp's seeding block
  const int64_t blocks = static_cast<int64_t>(s.block_sum.size());
  uint32_t* d2 = s.d2.data();
  // The same int16 pairs and multiply-adds as the AVX2 pass, 16 pixels at a time.
  const __m512i vrg = _mm512_set1_epi32(cg * 65536 + cr), vb = _mm512_set1_epi32(cb);
  uint64_t total = 0;
  for (int64_t blk = 0; blk < blocks; ++blk) {
    __m512i acc = _mm512_setzero_si512();
    for (int64_t i = blk * kBlock; i < (blk + 1) * kBlock; i += kWide) {
      const __m512i drg = _mm512_sub_epi16(_mm512_loadu_si512(&s.rg[2 * i]), vrg);
      const __m512i db = _mm512_sub_epi16(_mm512_loadu_si512(&s.b0[2 * i]), vb);
      const __m512i d = _mm512_add_epi32(_mm512_madd_epi16(drg, drg), _mm512_madd_epi16(db, db));
      const __m512i m = _mm512_min_epu32(_mm512_loadu_si512(&d2[i]), d);
      _mm512_storeu_si512(&d2[i], m);
      acc = _mm512_add_epi32(acc, m);
    }
    // A block's sum is below 2^26 (kmeans_fast.cpp): no lane or total overflows 32 bits.
    const auto sum = static_cast<uint32_t>(_mm512_reduce_add_epi32(acc));
    s.block_sum[blk] = sum;
    total += sum;
  }
  return total;
}

void assign_all_avx512(Scratch& s, const PaddedCentroids& c, int k,
                       kmeans_detail::ClusterSums& sums) {
  const kmeans_detail::ColourTable& t = s.table;
  for (int64_t i = 0; i < t.padded; i += kChunk) {
    const int64_t count = t.padded - i < kChunk ? t.padded - i : kChunk;
    nearest_chunk16(&t.r[i], &t.g[i], &t.b[i], count, c, k, &s.labels[i], &s.margin[i]);
  }
  for (int64_t i = 0; i < t.padded; i += kWide) {
    const __m512i r = _mm512_cvttps_epi32(_mm512_loadu_ps(&t.r[i]));
    const __m512i g = _mm512_cvttps_epi32(_mm512_loadu_ps(&t.g[i]));
    const __m512i b = _mm512_cvttps_epi32(_mm512_loadu_ps(&t.b[i]));
    const __m512i label = _mm512_loadu_si512(&s.labels[i]);
    const __m512i packed =
        _mm512_or_si512(_mm512_or_si512(_mm512_slli_epi32(label, 24), _mm512_slli_epi32(r, 16)),
                        _mm512_or_si512(_mm512_slli_epi32(g, 8), b));
    _mm512_storeu_si512(&s.packed[i], packed);
  }
  sums_of_labels(s, k, sums);
}

void assign_bounded_avx512(Scratch& s, const PaddedCentroids& c, int k, const Moves& moves,
                           kmeans_detail::ClusterSums& sums) {
  // Raw pointers in locals, as in the AVX2 kernel: stores through intrinsics may alias anything.
  const int64_t padded = s.table.padded;
  int32_t* packed = s.packed.data();
  float* margins = s.margin.data();
  int32_t* recompute = s.recompute.data();
  int32_t* old_word = s.failed_word.data();
  float* fr = s.failed_r.data();
  float* fg = s.failed_g.data();
  float* fb = s.failed_b.data();
  // drop[label] for labels 0..31 from two 16-entry tables (bit 4 of the label picks the table).
  const __m512 drop_lo = _mm512_load_ps(&moves.drop[0]);
  const __m512 drop_hi = _mm512_load_ps(&moves.drop[kWide]);
  const __m512 zero = _mm512_setzero_ps();
  const __m512i lane_numbers =
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int64_t failed = 0;
  for (int64_t i = 0; i < padded; i += kWide) {
    const __m512i label = _mm512_srli_epi32(_mm512_loadu_si512(packed + i), 24);
    const __m512 drop = _mm512_permutex2var_ps(drop_lo, label, drop_hi);
    const __m512 margin = _mm512_sub_ps(_mm512_loadu_ps(margins + i), drop);
    _mm512_storeu_ps(margins + i, margin);
    // Not greater than zero, NaN included: the complement of the AVX2 kernel's "keeps".
    const __mmask16 fail = _mm512_cmp_ps_mask(margin, zero, _CMP_NGT_UQ);
    const __m512i index =
        _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(i)), lane_numbers);
    // The failed lanes' colour numbers packed to the front; the rest of the store is
    // overwritten by the next one or never read.
    _mm512_storeu_si512(recompute + failed, _mm512_maskz_compress_epi32(fail, index));
    failed += __builtin_popcount(static_cast<unsigned>(fail));
  }
  if (failed == 0) return;
  // The tail of the last group repeats the last failed colour (computed, never applied).
  for (int64_t f = failed; f % kWide != 0; ++f) recompute[f] = recompute[failed - 1];
  // One gather per 16 failed colours: value and old label, unpacked to float planes (the
  // channel values are small integers, exact in float, equal to the table's).
  const __m512i byte = _mm512_set1_epi32(0xFF);
  for (int64_t f = 0; f < failed; f += kWide) {
    const __m512i p = _mm512_i32gather_epi32(_mm512_loadu_si512(recompute + f), packed, 4);
    _mm512_storeu_si512(old_word + f, p);
    _mm512_storeu_ps(fr + f, _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(p, 16), byte)));
    _mm512_storeu_ps(fg + f, _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(p, 8), byte)));
    _mm512_storeu_ps(fb + f, _mm512_cvtepi32_ps(_mm512_and_si512(p, byte)));
  }
  const int64_t groups = (failed + kWide - 1) / kWide * kWide;
  ClusterRows cluster;
  cluster.load(sums, k);
  const int32_t* weights = s.weights.data();
  const __m512i colour_bits = _mm512_set1_epi32(0xFFFFFF);
  alignas(64) int32_t label[kChunk];
  alignas(64) float margin[kChunk];
  for (int64_t f = 0; f < groups; f += kChunk) {
    const int64_t n = groups - f < kChunk ? groups - f : kChunk;
    nearest_chunk16(fr + f, fg + f, fb + f, n, c, k, label, margin);
    const int64_t real = failed - f < n ? failed - f : n;
    for (int64_t l = 0; l < real; l += kWide) {
      const auto live =
          static_cast<__mmask16>(real - l >= kWide ? 0xFFFFu : (1u << (real - l)) - 1u);
      const __m512i index = _mm512_loadu_si512(recompute + f + l);
      const __m512i to = _mm512_loadu_si512(label + l);
      const __m512i word = _mm512_loadu_si512(old_word + f + l);
      const __m512i from = _mm512_srli_epi32(word, 24);
      _mm512_mask_i32scatter_ps(margins, live, index, _mm512_loadu_ps(margin + l), 4);
      const __mmask16 changed = _mm512_mask_cmpneq_epi32_mask(live, from, to);
      if (changed == 0) continue;
      // The new label into the packed word; the colour bits are unchanged.
      _mm512_mask_i32scatter_epi32(
          packed, changed, index,
          _mm512_or_si512(_mm512_and_si512(word, colour_bits), _mm512_slli_epi32(to, 24)), 4);
      alignas(64) int32_t colour[kWide], was[kWide], now[kWide];
      _mm512_store_si512(colour, index);
      _mm512_store_si512(was, from);
      _mm512_store_si512(now, to);
      // Move each changed colour between the exact integer sums.
      for (unsigned bits = changed; bits != 0; bits &= bits - 1) {
        const int lane = __builtin_ctz(bits);
        move_colour(cluster, weights, colour[lane], was[lane], now[lane]);
      }
    }
  }
  cluster.store(sums, k);
}

void unpack_labels_avx512(Scratch& s) {
  for (int64_t i = 0; i < s.table.padded; i += kWide) {
    _mm512_storeu_si512(&s.labels[i], _mm512_srli_epi32(_mm512_loadu_si512(&s.packed[i]), 24));
  }
}

#pragma GCC diagnostic pop
#pragma GCC pop_options

}  // namespace barcode::kmeans_simd

#endif  // BARCODE_KMEANS_FAST
