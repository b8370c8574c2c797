#include "color/kmeans.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "base/error.h"

namespace barcode {
namespace {

using Pixels = std::vector<uint8_t>;  // interleaved rgb

int64_t pixel_count(const Pixels& rgb) {
  return static_cast<int64_t>(rgb.size() / 3);
}

KmeansResult run(const Pixels& rgb, const KmeansParams& params, int64_t frame_index = 0) {
  return kmeans_tile(rgb.data(), pixel_count(rgb), params, frame_index);
}

// Uniformly random pixels; std::mt19937's output is fixed by the standard, so tests are stable.
Pixels random_pixels(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  Pixels rgb(3 * n);
  for (auto& v : rgb) v = static_cast<uint8_t>(gen() & 0xFF);
  return rgb;
}

// `n` pixels around each of `colours` (interleaved rgb), each channel off by up to +-spread.
Pixels blobs(const std::vector<int>& colours, int64_t n_each, int spread, uint32_t seed) {
  std::mt19937 gen(seed);
  Pixels rgb;
  for (int64_t i = 0; i < n_each; ++i) {
    for (size_t c = 0; c < colours.size(); c += 3) {
      for (size_t ch = 0; ch < 3; ++ch) {
        const int offset = static_cast<int>(gen() % static_cast<uint32_t>(2 * spread + 1)) - spread;
        rgb.push_back(static_cast<uint8_t>(std::clamp(colours[c + ch] + offset, 0, 255)));
      }
    }
  }
  return rgb;
}

// Within-cluster sum of squares of a labelling, by the formula of kmeans.h.
double labelling_inertia(const Pixels& rgb, const std::vector<int>& labels, int k) {
  std::vector<int64_t> count(k, 0), s2(k, 0), s1(3 * k, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int j = labels[i];
    ++count[j];
    for (int ch = 0; ch < 3; ++ch) {
      const int64_t v = rgb[3 * i + ch];
      s1[3 * j + ch] += v;
      s2[j] += v * v;
    }
  }
  double inertia = 0.0;
  for (int j = 0; j < k; ++j) {
    if (count[j] == 0) continue;
    const int64_t s1_sq =
        s1[3 * j] * s1[3 * j] + s1[3 * j + 1] * s1[3 * j + 1] + s1[3 * j + 2] * s1[3 * j + 2];
    inertia += static_cast<double>(count[j] * s2[j] - s1_sq) / static_cast<double>(count[j]);
  }
  return inertia;
}

// The contract of kmeans.h written out literally, pixel by pixel with no shortcuts: the optimised
// implementation (distinct colours, SIMD) must match it bit for bit.
KmeansResult naive_kmeans(const Pixels& rgb, const KmeansParams& p, int64_t frame_index) {
  const int64_t n = pixel_count(rgb);
  const int k = p.k;
  const auto px = [&](int64_t i, int ch) { return static_cast<int64_t>(rgb[3 * i + ch]); };
  const auto fdist = [](float dr, float dg, float db) { return (dr * dr + dg * dg) + db * db; };

  KmeansResult best;
  std::vector<int64_t> best_count;
  for (int restart = 0; restart < p.restarts; ++restart) {
    const uint64_t key = restart_key(p.seed, frame_index, restart);
    std::vector<int64_t> chosen = {
        static_cast<int64_t>((uint64_t{draw24(key, 0)} * static_cast<uint64_t>(n)) >> 24)};
    for (int c = 1; c < k; ++c) {
      std::vector<uint64_t> d2(n);
      uint64_t total = 0;
      for (int64_t i = 0; i < n; ++i) {
        uint64_t m = std::numeric_limits<uint64_t>::max();
        for (const int64_t s : chosen) {
          int64_t d = 0;
          for (int ch = 0; ch < 3; ++ch) d += (px(i, ch) - px(s, ch)) * (px(i, ch) - px(s, ch));
          m = std::min(m, static_cast<uint64_t>(d));
        }
        d2[i] = m;
        total += m;
      }
      const uint64_t draw = draw24(key, static_cast<uint32_t>(c));
      if (total == 0) {
        chosen.push_back(static_cast<int64_t>((draw * static_cast<uint64_t>(n)) >> 24));
        continue;
      }
      const uint64_t target = (draw * total) >> 24;
      uint64_t cumulative = 0;
      int64_t i = 0;
      while ((cumulative += d2[i]) <= target) ++i;
      chosen.push_back(i);
    }
    std::vector<float> cent(3 * k);
    for (int j = 0; j < k; ++j) {
      for (int ch = 0; ch < 3; ++ch) cent[3 * j + ch] = static_cast<float>(px(chosen[j], ch));
    }

    int iterations = 0;
    std::vector<int64_t> count, s1, s2;
    for (;;) {
      count.assign(k, 0);
      s1.assign(3 * k, 0);
      s2.assign(k, 0);
      for (int64_t i = 0; i < n; ++i) {
        int label = 0;
        float best_d = 0.0f;
        for (int j = 0; j < k; ++j) {
          const float d = fdist(static_cast<float>(px(i, 0)) - cent[3 * j],
                                static_cast<float>(px(i, 1)) - cent[3 * j + 1],
                                static_cast<float>(px(i, 2)) - cent[3 * j + 2]);
          if (j == 0 || d < best_d) {
            best_d = d;
            label = j;
          }
        }
        ++count[label];
        for (int ch = 0; ch < 3; ++ch) {
          s1[3 * label + ch] += px(i, ch);
          s2[label] += px(i, ch) * px(i, ch);
        }
      }
      float shift2 = 0.0f;
      for (int j = 0; j < k; ++j) {
        if (count[j] == 0) continue;
        float next[3];
        for (int ch = 0; ch < 3; ++ch) {
          next[ch] = static_cast<float>(static_cast<double>(s1[3 * j + ch]) /
                                        static_cast<double>(count[j]));
        }
        shift2 = std::max(shift2, fdist(cent[3 * j] - next[0], cent[3 * j + 1] - next[1],
                                        cent[3 * j + 2] - next[2]));
        std::copy(next, next + 3, cent.begin() + 3 * j);
      }
      ++iterations;
      if (shift2 <= p.tol * p.tol || iterations == p.max_iter) break;
    }
    double inertia = 0.0;
    for (int j = 0; j < k; ++j) {
      if (count[j] == 0) continue;
      const int64_t s1_sq =
          s1[3 * j] * s1[3 * j] + s1[3 * j + 1] * s1[3 * j + 1] + s1[3 * j + 2] * s1[3 * j + 2];
      inertia += static_cast<double>(count[j] * s2[j] - s1_sq) / static_cast<double>(count[j]);
    }
    if (restart == 0 || inertia < best.inertia) {
      best.inertia = inertia;
      best.iterations = iterations;
      best.restart = restart;
      best.centroids = cent;
      best_count = count;
    }
  }
  std::vector<int> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return best_count[a] > best_count[b]; });
  KmeansResult sorted = best;
  sorted.weights.resize(k);
  for (int s = 0; s < k; ++s) {
    for (int ch = 0; ch < 3; ++ch) sorted.centroids[3 * s + ch] = best.centroids[3 * order[s] + ch];
    sorted.weights[s] =
        static_cast<float>(static_cast<double>(best_count[order[s]]) / static_cast<double>(n));
  }
  return sorted;
}

// Byte-for-byte equality of two results.
void expect_identical(const KmeansResult& a, const KmeansResult& b) {
  ASSERT_EQ(a.centroids.size(), b.centroids.size());
  ASSERT_EQ(a.weights.size(), b.weights.size());
  EXPECT_EQ(
      0, std::memcmp(a.centroids.data(), b.centroids.data(), a.centroids.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(&a.inertia, &b.inertia, sizeof(double)));
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.restart, b.restart);
}

TEST(Kmeans, MatchesLiteralContractBitForBit) {
  struct Case {
    Pixels rgb;
    KmeansParams params;
    int64_t frame;
  };
  KmeansParams three{3, 3, 50, 0.1f, 7};
  KmeansParams eight{8, 4, 50, 0.1f, 0};
  KmeansParams exhaustive{8, 2, 200, 0.0f, 99};
  KmeansParams one{1, 2, 10, 0.5f, 1};
  const std::vector<Case> cases = {
      {random_pixels(40 * 30, 1), eight, 0},
      {random_pixels(40 * 30, 2), three, 17},
      {random_pixels(300, 3), exhaustive, 5},
      {random_pixels(257, 4), one, 2},  // not a whole number of SIMD chunks
      {blobs({250, 10, 10, 10, 250, 10, 10, 10, 250, 128, 128, 128}, 150, 20, 5), eight, 3},
      {blobs({0, 0, 0, 255, 255, 255}, 100, 1, 6), eight, 1},  // fewer colours than k
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "k=" << c.params.k << " n=" << pixel_count(c.rgb));
    expect_identical(run(c.rgb, c.params, c.frame), naive_kmeans(c.rgb, c.params, c.frame));
  }
}

TEST(Kmeans, ReachesBruteForceOptimumOnTinySets) {
  for (uint32_t set = 0; set < 6; ++set) {
    const Pixels rgb = random_pixels(8, 100 + set);
    for (int k = 1; k <= 3; ++k) {
      // Every labelling of the 8 pixels into k clusters (k^8 of them).
      std::vector<int> labels(8, 0);
      double optimum = std::numeric_limits<double>::infinity();
      for (;;) {
        optimum = std::min(optimum, labelling_inertia(rgb, labels, k));
        size_t digit = 0;
        while (digit < labels.size() && ++labels[digit] == k) labels[digit++] = 0;
        if (digit == labels.size()) break;
      }
      KmeansParams params;
      params.k = k;
      params.restarts = 100;  // tiny sets have few seedings; 20 miss the optimum of one set here
      params.tol = 0.0f;
      params.max_iter = 100;
      const KmeansResult r = run(rgb, params, set);
      SCOPED_TRACE(testing::Message() << "set " << set << " k=" << k);
      EXPECT_GE(r.inertia, optimum - 1e-9 * optimum);  // nothing beats the optimum
      EXPECT_NEAR(r.inertia, optimum, 1e-9 * std::max(1.0, optimum));
    }
  }
}

TEST(Kmeans, InertiaNeverRisesAcrossIterations) {
  const Pixels rgb = random_pixels(2000, 11);
  KmeansParams params;
  params.k = 8;
  params.restarts = 1;
  params.tol = 0.0f;  // run until the partition stops changing
  double previous = std::numeric_limits<double>::infinity();
  double first = 0.0;
  int iterations = 0;
  for (int max_iter = 1; max_iter <= 40; ++max_iter) {
    params.max_iter = max_iter;
    const KmeansResult r = run(rgb, params);
    if (max_iter == 1) first = r.inertia;
    // Float rounding in the assignment may at most nudge a near-tie: allow 1e-12 relative.
    EXPECT_LE(r.inertia, previous * (1.0 + 1e-12)) << "max_iter " << max_iter;
    EXPECT_LE(r.iterations, max_iter);
    previous = r.inertia;
    iterations = r.iterations;
  }
  EXPECT_LT(previous, first * 0.99);  // the iterations did improve the clustering
  EXPECT_GT(iterations, 2);
}

TEST(Kmeans, FewerColoursThanClusters) {
  Pixels rgb;
  for (int i = 0; i < 100; ++i) {
    if (i % 10 < 3) {
      rgb.insert(rgb.end(), {10, 200, 30});
    } else {
      rgb.insert(rgb.end(), {250, 5, 100});
    }
  }
  const KmeansResult r = run(rgb, KmeansParams{});
  ASSERT_EQ(r.centroids.size(), 24u);
  ASSERT_EQ(r.weights.size(), 8u);
  EXPECT_EQ(r.centroids[0], 250.0f);
  EXPECT_EQ(r.centroids[1], 5.0f);
  EXPECT_EQ(r.centroids[2], 100.0f);
  EXPECT_EQ(r.centroids[3], 10.0f);
  EXPECT_EQ(r.centroids[4], 200.0f);
  EXPECT_EQ(r.centroids[5], 30.0f);
  EXPECT_EQ(r.weights[0], 0.7f);
  EXPECT_EQ(r.weights[1], 0.3f);
  for (int j = 2; j < 8; ++j) EXPECT_EQ(r.weights[j], 0.0f) << "cluster " << j;
  EXPECT_EQ(r.inertia, 0.0);
}

TEST(Kmeans, AllPixelsEqual) {
  Pixels rgb;
  for (int i = 0; i < 160 * 90; ++i) rgb.insert(rgb.end(), {7, 8, 9});
  KmeansParams params;
  params.k = 4;
  const KmeansResult r = run(rgb, params, 42);
  EXPECT_EQ(r.centroids[0], 7.0f);
  EXPECT_EQ(r.centroids[1], 8.0f);
  EXPECT_EQ(r.centroids[2], 9.0f);
  EXPECT_EQ(r.weights[0], 1.0f);
  for (int j = 1; j < 4; ++j) EXPECT_EQ(r.weights[j], 0.0f);
  EXPECT_EQ(r.inertia, 0.0);
  EXPECT_EQ(r.iterations, 1);  // nothing moves, so the first iteration converges
}

TEST(Kmeans, SingleClusterIsTheMean) {
  const Pixels rgb = random_pixels(999, 21);
  KmeansParams params;
  params.k = 1;
  const KmeansResult r = run(rgb, params);
  std::vector<int64_t> sum(3, 0);
  for (size_t i = 0; i < rgb.size(); ++i) sum[i % 3] += rgb[i];
  for (int ch = 0; ch < 3; ++ch) {
    EXPECT_EQ(r.centroids[ch], static_cast<float>(static_cast<double>(sum[ch]) / 999.0));
  }
  EXPECT_EQ(r.weights[0], 1.0f);
  EXPECT_NEAR(r.inertia, labelling_inertia(rgb, std::vector<int>(999, 0), 1), 1e-6);
}

TEST(Kmeans, KnownProportionsDominantIsExact) {
  // A 160x90 tile: 60% one colour, 30% another, 10% a third, interleaved in a fixed pattern.
  const int n = 160 * 90;
  Pixels rgb;
  for (int i = 0; i < n; ++i) {
    const int bucket = i % 10;
    if (bucket < 6) {
      rgb.insert(rgb.end(), {200, 40, 40});
    } else if (bucket < 9) {
      rgb.insert(rgb.end(), {20, 60, 180});
    } else {
      rgb.insert(rgb.end(), {240, 240, 0});
    }
  }
  const KmeansResult r = run(rgb, KmeansParams{});  // tool defaults: k=8, 4 restarts
  EXPECT_EQ(r.centroids[0], 200.0f);
  EXPECT_EQ(r.centroids[1], 40.0f);
  EXPECT_EQ(r.centroids[2], 40.0f);
  EXPECT_EQ(r.weights[0], 0.6f);
  EXPECT_EQ(r.weights[1], 0.3f);
  EXPECT_EQ(r.weights[2], 0.1f);
  EXPECT_EQ(r.inertia, 0.0);

  // With noise and k=3 the dominant centroid is exactly the mean of its own pixels.
  const Pixels noisy = blobs({200, 40, 40, 200, 40, 40,  200, 40, 40,  200, 40, 40,  200, 40,  40,
                              200, 40, 40, 20,  60, 180, 20,  60, 180, 20,  60, 180, 240, 240, 0},
                             1440, 6, 31);
  KmeansParams three;
  three.k = 3;
  const KmeansResult rn = run(noisy, three);
  std::vector<int64_t> dominant_sum(3, 0);
  int64_t dominant_count = 0;
  for (int64_t i = 0; i < pixel_count(noisy); ++i) {
    if (i % 10 < 6) {
      ++dominant_count;
      for (int ch = 0; ch < 3; ++ch) dominant_sum[ch] += noisy[3 * i + ch];
    }
  }
  for (int ch = 0; ch < 3; ++ch) {
    EXPECT_EQ(rn.centroids[ch], static_cast<float>(static_cast<double>(dominant_sum[ch]) /
                                                   static_cast<double>(dominant_count)));
  }
  EXPECT_EQ(rn.weights[0], 0.6f);
  EXPECT_EQ(rn.weights[1], 0.3f);
  EXPECT_EQ(rn.weights[2], 0.1f);
}

TEST(Kmeans, DeterministicAndSeededPerFrame) {
  const Pixels rgb = random_pixels(160 * 90, 41);
  KmeansParams params;
  params.seed = 12345;
  expect_identical(run(rgb, params, 9), run(rgb, params, 9));

  // Seeding depends on the frame index (and the seed): random pixels cluster differently.
  params.restarts = 1;
  const KmeansResult frame0 = run(rgb, params, 0);
  bool any_differs = false;
  for (int64_t frame = 1; frame <= 4 && !any_differs; ++frame) {
    const KmeansResult other = run(rgb, params, frame);
    any_differs = std::memcmp(frame0.centroids.data(), other.centroids.data(),
                              frame0.centroids.size() * sizeof(float)) != 0;
  }
  EXPECT_TRUE(any_differs);
  EXPECT_NE(restart_key(0, 0, 0), restart_key(0, 1, 0));
  EXPECT_NE(restart_key(0, 0, 0), restart_key(1, 0, 0));
  EXPECT_NE(restart_key(0, 0, 0), restart_key(0, 0, 1));

  // Well-separated colours of distinct sizes (so the sorted order is defined) give the same
  // palette whatever the frame index.
  Pixels separated;
  const std::vector<std::vector<int>> colours = {
      {230, 20, 20}, {20, 230, 20}, {20, 20, 230}, {240, 240, 240}};
  for (size_t c = 0; c < colours.size(); ++c) {
    const Pixels blob = blobs(colours[c], 500 - 100 * static_cast<int64_t>(c), 8, 43);
    separated.insert(separated.end(), blob.begin(), blob.end());
  }
  KmeansParams four;
  four.k = 4;
  const KmeansResult reference = run(separated, four, 0);
  EXPECT_EQ(reference.weights, (std::vector<float>{float(500 / 1400.0), float(400 / 1400.0),
                                                   float(300 / 1400.0), float(200 / 1400.0)}));
  for (int64_t frame = 1; frame < 8; ++frame) {
    const KmeansResult other = run(separated, four, frame);
    EXPECT_EQ(0, std::memcmp(reference.centroids.data(), other.centroids.data(),
                             reference.centroids.size() * sizeof(float)))
        << "frame " << frame;
    EXPECT_EQ(reference.weights, other.weights);
  }
}

TEST(Kmeans, LargestTileDoesNotOverflow) {
  // Half black, half white at the size limit: the integer sums are at their largest.
  Pixels rgb(3 * kMaxTilePixels, 0);
  for (int64_t i = 0; i < kMaxTilePixels; i += 2) std::fill_n(rgb.begin() + 3 * i, 3, 255);
  KmeansParams params;
  params.k = 1;
  params.restarts = 1;
  const KmeansResult r = run(rgb, params);
  EXPECT_EQ(r.inertia, 3.0 * 127.5 * 127.5 * static_cast<double>(kMaxTilePixels));
  EXPECT_EQ(r.centroids[0], 127.5f);
}

TEST(Kmeans, RejectsBadParameters) {
  const Pixels rgb = random_pixels(16, 51);
  const auto with = [](auto change) {
    KmeansParams p;
    change(p);
    return p;
  };
  EXPECT_THROW(run(rgb, with([](KmeansParams& p) { p.k = 0; })), Error);
  EXPECT_THROW(run(rgb, with([](KmeansParams& p) { p.restarts = 0; })), Error);
  EXPECT_THROW(run(rgb, with([](KmeansParams& p) { p.max_iter = 0; })), Error);
  EXPECT_THROW(run(rgb, with([](KmeansParams& p) { p.tol = -0.5f; })), Error);
  EXPECT_THROW(
      run(rgb, with([](KmeansParams& p) { p.tol = std::numeric_limits<float>::quiet_NaN(); })),
      Error);
  EXPECT_THROW(kmeans_tile(rgb.data(), 0, KmeansParams{}, 0), Error);
  EXPECT_THROW(kmeans_tile(rgb.data(), -1, KmeansParams{}, 0), Error);
  // Rejected before any pixel is read, so the small buffer is safe.
  EXPECT_THROW(kmeans_tile(rgb.data(), kMaxTilePixels + 1, KmeansParams{}, 0), Error);
  EXPECT_THROW(kmeans_tile(nullptr, 16, KmeansParams{}, 0), Error);
  EXPECT_NO_THROW(run(rgb, with([](KmeansParams& p) { p.tol = 0.0f; })));
}

}  // namespace
}  // namespace barcode
