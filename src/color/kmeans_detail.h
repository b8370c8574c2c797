// Pieces of the k-means definition (color/kmeans.h) that the reference (kmeans.cpp) and the fast
// path (kmeans_fast.cpp) share, so that both compute the centroid update, the inertia and the
// result's order by the same code. Internal to src/color.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "color/kmeans.h"

namespace barcode::kmeans_detail {

// The tile's distinct colours with their pixel counts: the table both paths cluster, as float
// planes for the distances and as count-weighted integers for the exact cluster sums. Identical
// pixels get identical float distances, hence the same cluster, and the sums are exact integers,
// so count*value per colour gives exactly the per-pixel sums. Entries size..padded-1 are
// zero-count padding colours (black): assigned like any colour, never summed. The arrays only
// grow (they may be longer than `padded`), so a table kept across tiles allocates nothing once
// warm.
struct ColourTable {
  int64_t size = 0;    // distinct colours
  int64_t padded = 0;  // size rounded up to the filler's multiple
  std::vector<float> r, g, b;
  std::vector<int32_t> count;       // pixels of this colour
  std::vector<int32_t> wr, wg, wb;  // count * channel value (< 2^28)
  std::vector<int64_t> w_sq;        // count * (r^2 + g^2 + b^2)
};

// Fills `t` from the tile's `n` 0xRRGGBB keys sorted ascending, one entry per distinct key in key
// order, padded with zero-count black to a multiple of `multiple`.
void fill_colour_table(const uint32_t* sorted_keys, int64_t n, int64_t multiple, ColourTable& t);

// Throws barcode::Error on parameters or tiles that kmeans.h rejects.
void validate(const uint8_t* rgb, int64_t n, const KmeansParams& params);

// Exact integer sums of the colours assigned to each cluster.
struct ClusterSums {
  std::vector<int64_t> count, sr, sg, sb;

  explicit ClusterSums(int k) : count(k), sr(k), sg(k), sb(k) {}
  void clear() {
    std::fill(count.begin(), count.end(), 0);
    std::fill(sr.begin(), sr.end(), 0);
    std::fill(sg.begin(), sg.end(), 0);
    std::fill(sb.begin(), sb.end(), 0);
  }
};

// Centroids as float planes, the layout the assignment loops read.
struct Centroids {
  std::vector<float> r, g, b;
  explicit Centroids(int k) : r(k), g(k), b(k) {}
};

// Moves each non-empty cluster's centroid to its mean; returns shift2, the largest float squared
// distance any centroid moved (compiled without fused multiply-add, in kmeans.cpp).
float update_centroids(const ClusterSums& sums, int k, Centroids& c);

// Within-cluster sum of squares from the exact integer sums and s2[j] (sum of r^2+g^2+b^2 of
// cluster j), clusters in index order.
double inertia_from_sums(const ClusterSums& sums, const std::vector<int64_t>& s2, int k);

// The winning restart's clusters sorted by count descending (ties by index), as a result.
KmeansResult sorted_result(int k, int64_t n, const Centroids& centroids,
                           const std::vector<int64_t>& counts, double inertia, int iterations,
                           int restart);

}  // namespace barcode::kmeans_detail
