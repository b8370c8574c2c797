// The movie-wide palette defined in movie_palette.h. Every rule that decides a result is exact:
// integer sums cross ranks, and each rank derives the same floats from the same integers.
//
// Seeding (weighted k-means++), with key = mix64(seed ^ kSeedStreamTag):
//  - the histogram bin of an entry is (q_r >> 11, q_g >> 11, q_b >> 11), 32 bins per channel;
//    a bin's colour is its rounded fixed-point mean, (2*sum + count) / (2*count) per channel;
//  - bins are taken in bin-index order, empty bins skipped;
//  - centroid 0 is the first bin whose inclusive cumulative count exceeds
//    (draw24(key, 0) * total_count) >> 24;
//  - centroid c (1..K-1): D2 of a bin = min over chosen centroids of its exact integer squared
//    fixed-point distance; the bin is the first whose inclusive cumulative count*D2 (128-bit)
//    exceeds (draw24(key, c) * sum of count*D2) >> 24, or, when that sum is 0 (fewer distinct bins
//    than K), the first by count as for centroid 0 with draw24(key, c);
//  - a centroid starts at its bin's colour / 256 (exact in float).
#include "color/movie_palette.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <thread>

#include "base/error.h"
#include "base/int128.h"
#include "color/kmeans.h"

namespace barcode {
namespace {

constexpr int kBinBits = 5;               // 32 bins per channel
constexpr int kBinShift = 16 - kBinBits;  // fixed-point colours are < 2^16
constexpr int kBinsPerChannel = 1 << kBinBits;
constexpr int kBins = kBinsPerChannel * kBinsPerChannel * kBinsPerChannel;
constexpr int64_t kFixedOne = 256;              // fixed point: q = round(c * 256)
constexpr int64_t kMaxFixed = 255 * kFixedOne;  // 65280
static_assert((kMaxFixed >> kBinShift) < kBinsPerChannel, "every colour falls in a bin");
constexpr uint64_t kSeedStreamTag = 0x6D6F7669652D7061ull;  // keeps this stream apart from frames'

// Pixels (sum of counts) one run may hold in all: every fixed-point sum then stays below
// 2^46 * 65280 < 2^62, so no int64 sum or reduction can overflow.
constexpr int64_t kMaxTotalPixels = int64_t{1} << 46;

// Layout of the histogram reduction: slot 0 counts invalid inputs over all ranks, then per bin
// (count, sum q_r, sum q_g, sum q_b).
constexpr size_t kHistInvalidSlot = 0;
constexpr size_t kHistFirstBin = 1;
constexpr size_t kHistSlots = kHistFirstBin + 4 * size_t{kBins};

// This rank's palette entries: fixed-point colours, the float points they stand for, and counts.
struct Entries {
  int64_t size = 0;
  std::vector<int32_t> qr, qg, qb;
  std::vector<float> r, g, b;  // q / 256, exact in float
  std::vector<int64_t> count;
  std::vector<int64_t> weighted;  // indices of the entries with count > 0 (Lloyd skips the rest)
};

struct Centroids {
  std::vector<float> r, g, b;
  explicit Centroids(int k) : r(k, 0.0f), g(k, 0.0f), b(k, 0.0f) {}
};

void validate_params(int k, int64_t tile_pixels, const MoviePaletteParams& p) {
  auto fail = [](const std::string& what) { throw usage_error("movie palette: " + what); };
  if (p.clusters < 1 || p.clusters > kMoviePaletteMaxClusters) {
    fail("clusters must be 1.." + std::to_string(kMoviePaletteMaxClusters) + " (got " +
         std::to_string(p.clusters) + ")");
  }
  if (p.max_iter < 1) fail("max_iter must be at least 1 (got " + std::to_string(p.max_iter) + ")");
  if (!(p.tol >= 0.0f)) fail("tol must be a number >= 0 (got " + std::to_string(p.tol) + ")");
  if (k < 1) fail("frame palettes need at least 1 colour (got k = " + std::to_string(k) + ")");
  if (tile_pixels < 1 || tile_pixels > kMaxTilePixels) {
    fail("tile_pixels must be 1.." + std::to_string(kMaxTilePixels) + " (got " +
         std::to_string(tile_pixels) + ")");
  }
}

// Converts this rank's rows to entries. Returns an empty string, or what is wrong with the input;
// the caller shares the verdict with the other ranks before throwing.
std::string load_entries(const float* palettes, const float* weights, int64_t rows, int k,
                         int64_t tile_pixels, Entries& e) {
  if (rows < 0) return "rows must be >= 0 (got " + std::to_string(rows) + ")";
  if (rows > 0 && (palettes == nullptr || weights == nullptr)) return "null palette or weights";
  const int64_t n = rows * k;
  e.size = n;
  e.qr.resize(n);
  e.qg.resize(n);
  e.qb.resize(n);
  e.r.resize(n);
  e.g.resize(n);
  e.b.resize(n);
  e.count.resize(n);
  const auto fixed = [](float c, int32_t& q, float& point) {
    if (!(c >= 0.0f && c <= 255.0f)) return false;  // also rejects NaN
    q = static_cast<int32_t>(std::llround(static_cast<double>(c) * kFixedOne));
    point = static_cast<float>(static_cast<double>(q) / kFixedOne);
    return true;
  };
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto where = [&] {
      return "row " + std::to_string(i / k) + " colour " + std::to_string(i % k) + ": ";
    };
    const float w = weights[i];
    if (!(w >= 0.0f && w <= 1.0f)) return where() + "weight " + std::to_string(w) + " not in 0..1";
    e.count[i] = std::llround(static_cast<double>(w) * static_cast<double>(tile_pixels));
    if (!fixed(palettes[3 * i], e.qr[i], e.r[i]) || !fixed(palettes[3 * i + 1], e.qg[i], e.g[i]) ||
        !fixed(palettes[3 * i + 2], e.qb[i], e.b[i])) {
      return where() + "colour outside 0..255";
    }
    if (e.count[i] > 0) e.weighted.push_back(i);
    total += e.count[i];  // each count <= 2^20: no overflow before the check below
    if (total > kMaxTotalPixels) return "more pixels than one run can sum exactly";
  }
  return {};
}

// Adds this rank's entries into the histogram reduction buffer.
void add_to_histogram(const Entries& e, std::vector<int64_t>& hist) {
  for (const int64_t i : e.weighted) {
    const int bin =
        ((e.qr[i] >> kBinShift) * kBinsPerChannel + (e.qg[i] >> kBinShift)) * kBinsPerChannel +
        (e.qb[i] >> kBinShift);
    int64_t* slot = hist.data() + kHistFirstBin + 4 * static_cast<size_t>(bin);
    const int64_t c = e.count[i];
    slot[0] += c;
    slot[1] += c * e.qr[i];
    slot[2] += c * e.qg[i];
    slot[3] += c * e.qb[i];
  }
}

// The non-empty bins of the global histogram: count and rounded fixed-point mean colour.
struct Bins {
  std::vector<int64_t> count, qr, qg, qb;
  int64_t total = 0;
};

Bins occupied_bins(const std::vector<int64_t>& hist) {
  Bins bins;
  const auto rounded_mean = [](int64_t sum, int64_t n) { return (2 * sum + n) / (2 * n); };
  for (size_t bin = 0; bin < size_t{kBins}; ++bin) {
    const int64_t* slot = hist.data() + kHistFirstBin + 4 * bin;
    const int64_t n = slot[0];
    if (n == 0) continue;
    bins.count.push_back(n);
    bins.qr.push_back(rounded_mean(slot[1], n));
    bins.qg.push_back(rounded_mean(slot[2], n));
    bins.qb.push_back(rounded_mean(slot[3], n));
    bins.total += n;
  }
  return bins;
}

// The first index whose inclusive cumulative weight exceeds (draw * total) >> 24. Needs
// total > 0; since the target is below total, such an index exists, and zero weights never win.
template <typename Weight>
size_t weighted_pick(const std::vector<Weight>& weight, Int128 total, uint32_t draw) {
  const Int128 target = (Int128{draw} * total) >> 24;
  Int128 cumulative = 0;
  for (size_t i = 0; i < weight.size(); ++i) {
    cumulative += weight[i];
    if (cumulative > target) return i;
  }
  return weight.size() - 1;  // not reached
}

// Weighted k-means++ over the bins (rules at the top of the file). Needs bins.total > 0.
Centroids seed_centroids(const Bins& bins, int clusters, uint64_t seed) {
  const uint64_t key = mix64(seed ^ kSeedStreamTag);
  const size_t n = bins.count.size();
  std::vector<int64_t> d2(n, std::numeric_limits<int64_t>::max());
  std::vector<Int128> weighted_d2(n);
  Centroids c(clusters);
  size_t chosen = weighted_pick(bins.count, bins.total, draw24(key, 0));
  for (int ci = 0;; ++ci) {
    const int64_t cr = bins.qr[chosen], cg = bins.qg[chosen], cb = bins.qb[chosen];
    c.r[ci] = static_cast<float>(static_cast<double>(cr) / kFixedOne);
    c.g[ci] = static_cast<float>(static_cast<double>(cg) / kFixedOne);
    c.b[ci] = static_cast<float>(static_cast<double>(cb) / kFixedOne);
    if (ci + 1 == clusters) break;

    // Each D2 < 3 * 65280^2 < 2^34 and the counts sum to < 2^46: the total is below 2^80.
    Int128 total = 0;
    for (size_t i = 0; i < n; ++i) {
      const int64_t dr = bins.qr[i] - cr, dg = bins.qg[i] - cg, db = bins.qb[i] - cb;
      d2[i] = std::min(d2[i], dr * dr + dg * dg + db * db);
      weighted_d2[i] = Int128{bins.count[i]} * d2[i];
      total += weighted_d2[i];
    }
    const uint32_t draw = draw24(key, static_cast<uint32_t>(ci + 1));
    chosen = total == 0 ? weighted_pick(bins.count, bins.total, draw)
                        : weighted_pick(weighted_d2, total, draw);
  }
  return c;
}

inline float squared_distance(float dr, float dg, float db) {
  return (dr * dr + dg * dg) + db * db;
}

// The nearest centroid of entry i: smallest float distance, ties to the lowest index.
inline int nearest(const Entries& e, int64_t i, const Centroids& c, int clusters) {
  const float r = e.r[i], g = e.g[i], b = e.b[i];
  int best = 0;
  float best_d = squared_distance(r - c.r[0], g - c.g[0], b - c.b[0]);
  for (int j = 1; j < clusters; ++j) {
    const float d = squared_distance(r - c.r[j], g - c.g[j], b - c.b[j]);
    if (d < best_d) {  // strict: ties keep the lower index
      best_d = d;
      best = j;
    }
  }
  return best;
}

// Runs work(begin, end) over [0, n) in `threads` contiguous parts at once (inline for one part):
// a 2-hour film has about 1.4 million palette entries, and one thread spent 0.3 s on them.
template <typename Work>
void in_parallel(size_t n, int threads, Work work) {
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, n / 16384));
  if (parts == 1) {
    work(size_t{0}, n, size_t{0});
    return;
  }
  std::vector<std::thread> pool;
  for (size_t p = 0; p < parts; ++p) pool.emplace_back(work, n * p / parts, n * (p + 1) / parts, p);
  for (std::thread& t : pool) t.join();
}

// Per-cluster sums of the weighted entries, laid out (count, sum q_r, sum q_g, sum q_b) per
// cluster, ready to be reduced. Each thread sums its part of the entries exactly; integer sums
// added in any order give the same result.
void cluster_sums(const Entries& e, const Centroids& c, int clusters, int threads,
                  std::vector<int64_t>& sums) {
  std::fill(sums.begin(), sums.end(), 0);
  std::vector<std::vector<int64_t>> part_sums(static_cast<size_t>(std::max(threads, 1)));
  in_parallel(e.weighted.size(), threads, [&](size_t begin, size_t end, size_t part) {
    std::vector<int64_t>& mine = part_sums[part];
    mine.assign(sums.size(), 0);
    for (size_t w = begin; w < end; ++w) {
      const int64_t i = e.weighted[w];
      int64_t* s = mine.data() + 4 * nearest(e, i, c, clusters);
      const int64_t n = e.count[i];
      s[0] += n;
      s[1] += n * e.qr[i];
      s[2] += n * e.qg[i];
      s[3] += n * e.qb[i];
    }
  });
  for (const std::vector<int64_t>& part : part_sums) {
    for (size_t j = 0; j < part.size(); ++j) sums[j] += part[j];
  }
}

// Moves each non-empty cluster to its mean; returns the largest float squared distance moved.
float update_centroids(const std::vector<int64_t>& sums, int clusters, Centroids& c) {
  float shift2 = 0.0f;
  const auto mean = [](int64_t sum, double n) {
    return static_cast<float>((static_cast<double>(sum) / n) / kFixedOne);
  };
  for (int j = 0; j < clusters; ++j) {
    const int64_t* s = sums.data() + 4 * j;
    if (s[0] == 0) continue;  // empty cluster: keep the old centroid
    const auto n = static_cast<double>(s[0]);
    const float r = mean(s[1], n), g = mean(s[2], n), b = mean(s[3], n);
    shift2 = std::max(shift2, squared_distance(c.r[j] - r, c.g[j] - g, c.b[j] - b));
    c.r[j] = r;
    c.g[j] = g;
    c.b[j] = b;
  }
  return shift2;
}

}  // namespace

MoviePalette compute_movie_palette(const float* palettes, const float* weights, int64_t rows, int k,
                                   int64_t tile_pixels, const MoviePaletteParams& params,
                                   SumReducer& reducer) {
  validate_params(k, tile_pixels, params);
  const int clusters = params.clusters;

  // Local entries and histogram; a bad input on any rank is counted in the same reduction, so
  // every rank learns of it and throws, and none waits alone in a later collective.
  Entries entries;
  const std::string local_problem = load_entries(palettes, weights, rows, k, tile_pixels, entries);
  std::vector<int64_t> hist(kHistSlots, 0);
  if (local_problem.empty()) {
    add_to_histogram(entries, hist);
  } else {
    hist[kHistInvalidSlot] = 1;
  }
  reducer.allreduce_sum(hist.data(), hist.size());
  if (!local_problem.empty()) throw Error("movie palette: " + local_problem);
  if (hist[kHistInvalidSlot] != 0) {
    throw Error("movie palette: " + std::to_string(hist[kHistInvalidSlot]) +
                " other rank(s) had invalid palettes");
  }
  const Bins bins = occupied_bins(hist);
  if (bins.total > kMaxTotalPixels) {
    throw Error("movie palette: " + std::to_string(bins.total) +
                " pixels in all are more than one run can sum exactly");
  }

  // Seeding and Lloyd iterations; skipped when no entry has any weight (centroids stay black).
  Centroids centroids(clusters);
  std::vector<int64_t> sums(4 * static_cast<size_t>(clusters));
  MoviePalette result;
  if (bins.total > 0) {
    centroids = seed_centroids(bins, clusters, params.seed);
    const float tol2 = params.tol * params.tol;
    for (;;) {
      cluster_sums(entries, centroids, clusters, params.threads, sums);
      reducer.allreduce_sum(sums.data(), sums.size());
      const float shift2 = update_centroids(sums, clusters, centroids);
      ++result.iterations;
      if (shift2 <= tol2 || result.iterations == params.max_iter) break;
    }
  }

  // Labels against the final centroids, and the global pixel count of each colour.
  std::vector<int64_t> counts(clusters, 0);
  std::vector<uint8_t> labels(entries.size);
  in_parallel(
      static_cast<size_t>(entries.size), params.threads, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
          labels[i] =
              static_cast<uint8_t>(nearest(entries, static_cast<int64_t>(i), centroids, clusters));
        }
      });
  for (int64_t i = 0; i < entries.size; ++i) counts[labels[i]] += entries.count[i];
  reducer.allreduce_sum(counts.data(), counts.size());

  // Colours by count descending, ties by index; labels follow.
  std::vector<int> order(clusters);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] > counts[b]; });
  std::vector<uint8_t> slot_of(clusters);
  result.colors.resize(3 * static_cast<size_t>(clusters));
  result.weights.resize(clusters);
  for (int slot = 0; slot < clusters; ++slot) {
    const int j = order[slot];
    slot_of[j] = static_cast<uint8_t>(slot);
    result.colors[3 * slot] = centroids.r[j];
    result.colors[3 * slot + 1] = centroids.g[j];
    result.colors[3 * slot + 2] = centroids.b[j];
    result.weights[slot] =
        bins.total > 0 ? static_cast<double>(counts[j]) / static_cast<double>(bins.total) : 0.0;
  }
  for (auto& label : labels) label = slot_of[label];
  result.labels = std::move(labels);
  return result;
}

}  // namespace barcode
