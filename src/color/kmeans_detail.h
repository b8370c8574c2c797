// Pieces of the k-means definition (color/kmeans.h) that the reference (kmeans.cpp) and the fast
// path (kmeans_fast.cpp) share, so that both compute the centroid update, the inertia and the
// result's order by the same code. Internal to src/color.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "color/kmeans.h"

namespace barcode::kmeans_detail {

// Calls add(r, g, b, count) for each distinct colour of the sorted 0xRRGGBB `keys`, in key
// order: the table of distinct colours both paths cluster, with the sums made from it.
template <typename Add>
void for_each_distinct_colour(const uint32_t* keys, int64_t n, Add add) {
  for (int64_t i = 0; i < n;) {
    int64_t run = i + 1;
    while (run < n && keys[run] == keys[i]) ++run;
    add(static_cast<int32_t>(keys[i] >> 16), static_cast<int32_t>((keys[i] >> 8) & 0xFF),
        static_cast<int32_t>(keys[i] & 0xFF), static_cast<int32_t>(run - i));
    i = run;
  }
}

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
