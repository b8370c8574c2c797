// CPU reference of the k-means defined in kmeans.h. The CUDA kernel must reproduce every step here
// bit for bit, so each rule below is stated exactly:
//
// Seeding (k-means++), per restart, with key = restart_key(seed, frame_index, restart):
//  - centroid 0 is pixel (uint64(draw24(key, 0)) * n) >> 24;
//  - centroid c (1..k-1): D2[i] = min over centroids 0..c-1 of the exact integer squared RGB
//    distance of pixel i; total = sum of D2 (uint64). If total == 0 the pixel is
//    (uint64(draw24(key, c)) * n) >> 24, else target = (uint64(draw24(key, c)) * total) >> 24 and
//    the pixel is the first i, in pixel order, whose inclusive cumulative sum of D2 exceeds target;
//  - centroids start as the float values of the chosen pixels.
// Lloyd iteration, repeated until shift2 <= tol*tol (float) or iterations == max_iter:
//  - each pixel goes to the centroid with the smallest float d = (dr*dr + dg*dg) + db*db,
//    dr = float(p.r) - c.r; strict < so ties go to the lowest index;
//  - per cluster exact integer sums: count, S1 = (sum r, sum g, sum b);
//  - new centroid = float(double(S1) / double(count)) when count > 0, else the old one is kept;
//  - shift2 = max over clusters of the float squared distance (same formula) old -> new;
//  - iterations += 1.
// Inertia of a restart, from the last assignment: for clusters j in index order with n_j > 0,
// total += double(n_j*S2_j - |S1_j|^2) / double(n_j), the numerator exact in int64, where
// S2 = sum of r^2+g^2+b^2. The centroids reported are the means of that last assignment.
// The restart with the lowest inertia wins (strict <, so the earliest wins ties); its clusters are
// sorted by count descending, ties by cluster index ascending; weight = float(count / double(n)).
//
// Speed without changing any result:
//  - Lloyd runs over the tile's distinct colours, each with its pixel count. Identical pixels get
//    identical float distances, hence the same cluster, and the cluster sums are exact integers, so
//    summing count*value per colour gives exactly the per-pixel sums. Seeding still walks all
//    pixels in pixel order, as the definition requires.
//  - The assignment loop runs over structure-of-arrays floats in fixed-size chunks, one centroid at
//    a time, in explicit 4-lane SIMD; each lane does the same IEEE single-precision operations as
//    the scalar definition. No contraction into fused multiply-add: CMakeLists.txt builds this
//    file with -ffp-contract=off (GCC's default for C++ is =fast, which would fuse on targets
//    with FMA).
//  - All buffers are allocated once per call, none per restart or iteration.
#include "color/kmeans.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "base/error.h"
#include "color/kmeans_detail.h"

namespace barcode {
namespace kmeans_detail {

void validate(const uint8_t* rgb, int64_t n, const KmeansParams& params) {
  auto fail = [](const std::string& what) { throw Error("kmeans: " + what); };
  if (params.k < 1) fail("k must be at least 1 (got " + std::to_string(params.k) + ")");
  if (params.restarts < 1) {
    fail("restarts must be at least 1 (got " + std::to_string(params.restarts) + ")");
  }
  if (params.max_iter < 1) {
    fail("max_iter must be at least 1 (got " + std::to_string(params.max_iter) + ")");
  }
  if (!(params.tol >= 0.0f)) {  // also rejects NaN
    fail("tol must be a number >= 0 (got " + std::to_string(params.tol) + ")");
  }
  if (n < 1) fail("a tile needs at least 1 pixel (got " + std::to_string(n) + ")");
  if (n > kMaxTilePixels) {
    fail("a tile may have at most " + std::to_string(kMaxTilePixels) + " pixels (got " +
         std::to_string(n) + ")");
  }
  if (rgb == nullptr) fail("pixel pointer is null");
}

namespace {
// The float squared distance of the contract: ((dr*dr + dg*dg) + db*db), no fused multiply-add.
inline float squared_distance(float dr, float dg, float db) {
  return (dr * dr + dg * dg) + db * db;
}
}  // namespace

namespace {
template <typename T>
void grow(std::vector<T>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}
}  // namespace

void fill_colour_table(const uint32_t* sorted_keys, int64_t n, int64_t multiple, ColourTable& t) {
  // n >= the distinct colours, so arrays of round_up(n) entries hold the table and its padding
  // without counting the colours first.
  const int64_t room = (n + multiple - 1) / multiple * multiple;
  grow(t.r, room);
  grow(t.g, room);
  grow(t.b, room);
  grow(t.count, room);
  grow(t.wr, room);
  grow(t.wg, room);
  grow(t.wb, room);
  grow(t.w_sq, room);
  // Raw pointers in locals: through the vectors every store could alias the next data pointer.
  float* pr = t.r.data();
  float* pg = t.g.data();
  float* pb = t.b.data();
  int32_t* count = t.count.data();
  int32_t* wr = t.wr.data();
  int32_t* wg = t.wg.data();
  int32_t* wb = t.wb.data();
  int64_t* w_sq = t.w_sq.data();
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++at) {
    const uint32_t key = sorted_keys[i];
    int64_t run = i + 1;
    while (run < n && sorted_keys[run] == key) ++run;
    const auto r = static_cast<int32_t>(key >> 16);
    const auto g = static_cast<int32_t>((key >> 8) & 0xFF);
    const auto b = static_cast<int32_t>(key & 0xFF);
    const auto c = static_cast<int32_t>(run - i);
    pr[at] = static_cast<float>(r);
    pg[at] = static_cast<float>(g);
    pb[at] = static_cast<float>(b);
    count[at] = c;
    wr[at] = c * r;
    wg[at] = c * g;
    wb[at] = c * b;
    w_sq[at] = int64_t{c} * (r * r + g * g + b * b);
    i = run;
  }
  t.size = at;
  t.padded = (at + multiple - 1) / multiple * multiple;
  for (; at < t.padded; ++at) {
    pr[at] = pg[at] = pb[at] = 0.0f;
    count[at] = wr[at] = wg[at] = wb[at] = 0;
    w_sq[at] = 0;
  }
}

float update_centroids(const ClusterSums& sums, int k, Centroids& c) {
  float shift2 = 0.0f;
  for (int j = 0; j < k; ++j) {
    const int64_t count = sums.count[j];
    if (count == 0) continue;  // empty cluster: keep the old centroid
    const auto dn = static_cast<double>(count);
    const auto r = static_cast<float>(static_cast<double>(sums.sr[j]) / dn);
    const auto g = static_cast<float>(static_cast<double>(sums.sg[j]) / dn);
    const auto b = static_cast<float>(static_cast<double>(sums.sb[j]) / dn);
    shift2 = std::max(shift2, squared_distance(c.r[j] - r, c.g[j] - g, c.b[j] - b));
    c.r[j] = r;
    c.g[j] = g;
    c.b[j] = b;
  }
  return shift2;
}

// With n_j <= 2^20 and channel values <= 255, n_j*S2_j < 2^58 and |S1_j|^2 < 2^58: no int64
// overflow.
double inertia_from_sums(const ClusterSums& sums, const std::vector<int64_t>& s2, int k) {
  double inertia = 0.0;
  for (int j = 0; j < k; ++j) {
    const int64_t nj = sums.count[j];
    if (nj == 0) continue;
    const int64_t s1_sq =
        sums.sr[j] * sums.sr[j] + sums.sg[j] * sums.sg[j] + sums.sb[j] * sums.sb[j];
    inertia += static_cast<double>(nj * s2[j] - s1_sq) / static_cast<double>(nj);
  }
  return inertia;
}

KmeansResult sorted_result(int k, int64_t n, const Centroids& centroids,
                           const std::vector<int64_t>& counts, double inertia, int iterations,
                           int restart) {
  // Clusters by count descending, ties by cluster index ascending.
  std::vector<int> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] > counts[b]; });

  KmeansResult result;
  result.centroids.resize(3 * static_cast<size_t>(k));
  result.weights.resize(k);
  for (int slot = 0; slot < k; ++slot) {
    const int j = order[slot];
    result.centroids[3 * slot] = centroids.r[j];
    result.centroids[3 * slot + 1] = centroids.g[j];
    result.centroids[3 * slot + 2] = centroids.b[j];
    result.weights[slot] =
        static_cast<float>(static_cast<double>(counts[j]) / static_cast<double>(n));
  }
  result.inertia = inertia;
  result.iterations = iterations;
  result.restart = restart;
  return result;
}

}  // namespace kmeans_detail

namespace {

using kmeans_detail::Centroids;
using kmeans_detail::ClusterSums;

// Colours per assignment chunk: the chunk's best distances and labels stay in L1 cache, and a
// multiple of every SIMD width so the chunk loop needs no scalar remainder.
constexpr int64_t kChunk = 256;

// The tile's pixels in pixel order, one int32 plane per channel, for the exact integer seeding.
struct PixelPlanes {
  std::vector<int32_t> r, g, b;
};

PixelPlanes split_pixels(const uint8_t* rgb, int64_t n) {
  PixelPlanes p;
  p.r.resize(n);
  p.g.resize(n);
  p.b.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    p.r[i] = rgb[3 * i];
    p.g[i] = rgb[3 * i + 1];
    p.b[i] = rgb[3 * i + 2];
  }
  return p;
}

using kmeans_detail::ColourTable;

ColourTable distinct_colours(const uint8_t* rgb, int64_t n) {
  std::vector<uint32_t> keys(n);
  for (int64_t i = 0; i < n; ++i) {
    keys[i] = (uint32_t{rgb[3 * i]} << 16) | (uint32_t{rgb[3 * i + 1]} << 8) | rgb[3 * i + 2];
  }
  std::sort(keys.begin(), keys.end());
  ColourTable t;
  kmeans_detail::fill_colour_table(keys.data(), n, kChunk, t);
  return t;
}

// k-means++ seeding over all pixels in pixel order (see the rules at the top of the file).
// `d2` is scratch of n entries.
void seed_centroids(const PixelPlanes& px, int64_t n, int k, uint64_t key,
                    std::vector<uint32_t>& d2, Centroids& c) {
  const auto un = static_cast<uint64_t>(n);
  int64_t chosen = static_cast<int64_t>((uint64_t{draw24(key, 0)} * un) >> 24);
  std::fill(d2.begin(), d2.end(), UINT32_MAX);  // no centroid yet: every pixel infinitely far
  for (int ci = 0;; ++ci) {
    const int32_t cr = px.r[chosen], cg = px.g[chosen], cb = px.b[chosen];
    c.r[ci] = static_cast<float>(cr);
    c.g[ci] = static_cast<float>(cg);
    c.b[ci] = static_cast<float>(cb);
    if (ci + 1 == k) break;

    // D2 against the centroids chosen so far, and its total, in one pass. Each D2 is at most
    // 3*255^2 < 2^18, so the total stays far below 2^64 and target's product below 2^62.
    uint64_t total = 0;
    const int32_t* pr = px.r.data();
    const int32_t* pg = px.g.data();
    const int32_t* pb = px.b.data();
    uint32_t* dist = d2.data();
    for (int64_t i = 0; i < n; ++i) {
      const int32_t dr = pr[i] - cr, dg = pg[i] - cg, db = pb[i] - cb;
      const auto d = static_cast<uint32_t>(dr * dr + dg * dg + db * db);
      const uint32_t m = std::min(dist[i], d);
      dist[i] = m;
      total += m;
    }

    const uint64_t draw = draw24(key, static_cast<uint32_t>(ci + 1));
    if (total == 0) {
      chosen = static_cast<int64_t>((draw * un) >> 24);
    } else {
      // target < total, so some pixel's cumulative sum exceeds it; pixels with D2 == 0 never do.
      const uint64_t target = (draw * total) >> 24;
      uint64_t cumulative = 0;
      chosen = n - 1;
      for (int64_t i = 0; i < n; ++i) {
        cumulative += dist[i];
        if (cumulative > target) {
          chosen = i;
          break;
        }
      }
    }
  }
}

// Four floats (or int32) processed as one SIMD value, through the GCC/Clang vector extension: every
// lane does exactly the scalar IEEE operation, so results equal the scalar definition. (The plain
// loop would not vectorise: with the default -ftrapping-math GCC keeps float compares as branches.)
constexpr int64_t kLanes = 4;
typedef float FloatLanes __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t IntLanes __attribute__((vector_size(kLanes * sizeof(int32_t))));

inline FloatLanes load_lanes(const float* p) {
  FloatLanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One Lloyd assignment: labels every colour with its nearest centroid and accumulates the cluster
// sums. Chunked so each chunk's best distances and labels live in L1, with the centroid loop
// outside the colour loop so the inner loop is a straight SIMD pass.
void assign(const ColourTable& t, const Centroids& c, int k, std::vector<int32_t>& labels,
            ClusterSums& sums) {
  constexpr int64_t kVectors = kChunk / kLanes;
  sums.clear();
  for (int64_t base = 0; base < t.padded; base += kChunk) {
    const float* pr = t.r.data() + base;
    const float* pg = t.g.data() + base;
    const float* pb = t.b.data() + base;
    FloatLanes best_d[kVectors];
    IntLanes best_j[kVectors];
    for (int32_t j = 0; j < k; ++j) {
      const float cr = c.r[j], cg = c.g[j], cb = c.b[j];
      for (int64_t v = 0; v < kVectors; ++v) {
        const FloatLanes dr = load_lanes(pr + v * kLanes) - cr;
        const FloatLanes dg = load_lanes(pg + v * kLanes) - cg;
        const FloatLanes db = load_lanes(pb + v * kLanes) - cb;
        const FloatLanes d = (dr * dr + dg * dg) + db * db;
        if (j == 0) {
          best_d[v] = d;
          best_j[v] = IntLanes{};
        } else {
          const IntLanes closer = d < best_d[v];  // strict: ties keep the lower index
          best_d[v] = closer ? d : best_d[v];
          best_j[v] = closer ? j : best_j[v];
        }
      }
    }
    // Sum the real colours of this chunk (not the padding) into their clusters. Raw pointers in
    // locals: through the vectors the compiler would reload each data pointer after every store.
    int32_t chunk_labels[kChunk];
    std::memcpy(chunk_labels, best_j, sizeof chunk_labels);
    const int64_t end = std::min(kChunk, t.size - base);
    const int32_t* count = t.count.data() + base;
    const int32_t* wr = t.wr.data() + base;
    const int32_t* wg = t.wg.data() + base;
    const int32_t* wb = t.wb.data() + base;
    int64_t* s_count = sums.count.data();
    int64_t* s_r = sums.sr.data();
    int64_t* s_g = sums.sg.data();
    int64_t* s_b = sums.sb.data();
    for (int64_t i = 0; i < end; ++i) {
      const int32_t j = chunk_labels[i];
      s_count[j] += count[i];
      s_r[j] += wr[i];
      s_g[j] += wg[i];
      s_b[j] += wb[i];
    }
    std::memcpy(labels.data() + base, chunk_labels, static_cast<size_t>(end) * sizeof(int32_t));
  }
}

// Within-cluster sum of squares of the labelled partition, from exact integer sums.
double partition_inertia(const ColourTable& t, const std::vector<int32_t>& labels,
                         const ClusterSums& sums, int k) {
  std::vector<int64_t> s2(k, 0);
  for (int64_t i = 0; i < t.size; ++i) s2[labels[i]] += t.w_sq[i];
  return kmeans_detail::inertia_from_sums(sums, s2, k);
}

}  // namespace

KmeansResult kmeans_tile(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                         int64_t frame_index) {
  return kmeans_fast_supported() ? kmeans_tile_fast(rgb, n, params, frame_index)
                                 : kmeans_tile_reference(rgb, n, params, frame_index);
}

KmeansResult kmeans_tile_reference(const uint8_t* rgb, int64_t n, const KmeansParams& params,
                                   int64_t frame_index) {
  kmeans_detail::validate(rgb, n, params);
  const int k = params.k;
  const float tol2 = params.tol * params.tol;

  const PixelPlanes pixels = split_pixels(rgb, n);
  const ColourTable colours = distinct_colours(rgb, n);
  std::vector<uint32_t> d2(n);
  std::vector<int32_t> labels(colours.size);
  Centroids centroids(k);
  ClusterSums sums(k);

  // The winning restart so far.
  bool have_best = false;
  double best_inertia = 0.0;
  int best_restart = 0, best_iterations = 0;
  Centroids best_centroids(k);
  std::vector<int64_t> best_counts(k);

  for (int restart = 0; restart < params.restarts; ++restart) {
    seed_centroids(pixels, n, k, restart_key(params.seed, frame_index, restart), d2, centroids);
    int iterations = 0;
    for (;;) {
      assign(colours, centroids, k, labels, sums);
      const float shift2 = kmeans_detail::update_centroids(sums, k, centroids);
      ++iterations;
      if (shift2 <= tol2 || iterations == params.max_iter) break;
    }
    const double inertia = partition_inertia(colours, labels, sums, k);
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

}  // namespace barcode
