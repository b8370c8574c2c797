// The movie-wide palette without MPI: one process (the sums need no reduction), or several
// threads standing in for ranks through a reducer that sums over the threads.
#include "color/movie_palette.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"
#include "color/kmeans.h"

namespace barcode {
namespace {

constexpr int64_t kTilePixels = 14400;

// One process holds every row: its sums are already the totals.
class LocalSumReducer : public SumReducer {
 public:
  void allreduce_sum(int64_t*, size_t) override {}
  const char* name() const override { return "local"; }
};

// Sums over `parties` threads, each of which calls allreduce_sum in the same sequence.
class ThreadSums {
 public:
  explicit ThreadSums(int parties) : parties_(parties) {}

  void allreduce(int64_t* data, size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (arrived_ == 0) sum_.assign(n, 0);
    for (size_t i = 0; i < n; ++i) sum_[i] += data[i];
    const uint64_t round = round_;
    if (++arrived_ == parties_) {
      result_ = sum_;
      arrived_ = 0;
      ++round_;
      done_.notify_all();
    } else {
      done_.wait(lock, [&] { return round_ != round; });
    }
    std::copy(result_.begin(), result_.end(), data);  // stays put until this thread arrives again
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int parties_;
  int arrived_ = 0;
  uint64_t round_ = 0;
  std::vector<int64_t> sum_, result_;
};

class ThreadSumReducer : public SumReducer {
 public:
  explicit ThreadSumReducer(ThreadSums& sums) : sums_(sums) {}
  void allreduce_sum(int64_t* data, size_t n) override { sums_.allreduce(data, n); }
  const char* name() const override { return "threads"; }

 private:
  ThreadSums& sums_;
};

// Frame palettes: rows of k (colour, weight) entries, weights count / kTilePixels.
struct Palettes {
  int k = 0;
  int64_t rows = 0;
  std::vector<float> colors;   // rows*k*3
  std::vector<float> weights;  // rows*k

  void add_row(const std::vector<std::array<float, 3>>& c, const std::vector<int64_t>& counts) {
    for (int j = 0; j < k; ++j) {
      colors.insert(colors.end(), c[j].begin(), c[j].end());
      weights.push_back(static_cast<float>(static_cast<double>(counts[j]) / kTilePixels));
    }
    ++rows;
  }
};

// A uniform double in [0, 1) from a counter, so the data do not depend on any library's RNG.
double uniform(uint64_t key) {
  return static_cast<double>(mix64(key) >> 11) / static_cast<double>(uint64_t{1} << 53);
}

// `rows` rows of k entries around a few colours, with random counts summing to kTilePixels.
Palettes random_palettes(int64_t rows, int k, uint64_t seed) {
  const float centres[4][3] = {{20, 30, 200}, {230, 40, 40}, {60, 200, 80}, {240, 230, 200}};
  Palettes p;
  p.k = k;
  uint64_t key = seed * 1000003;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<std::array<float, 3>> c(k);
    std::vector<int64_t> counts(k);
    int64_t left = kTilePixels;
    for (int j = 0; j < k; ++j) {
      const auto& centre = centres[mix64(++key) % 4];
      for (int ch = 0; ch < 3; ++ch) {
        c[j][ch] = centre[ch] + static_cast<float>(uniform(++key) * 16.0 - 8.0);
      }
      counts[j] =
          j + 1 == k ? left : static_cast<int64_t>(uniform(++key) * static_cast<double>(left));
      left -= counts[j];
    }
    p.add_row(c, counts);
  }
  return p;
}

MoviePalette run(const Palettes& p, const MoviePaletteParams& params) {
  LocalSumReducer local;
  return compute_movie_palette(p.colors.data(), p.weights.data(), p.rows, p.k, kTilePixels, params,
                               local);
}

bool same_bits(const MoviePalette& a, const MoviePalette& b) {
  return a.iterations == b.iterations && a.colors.size() == b.colors.size() &&
         a.weights.size() == b.weights.size() &&
         std::memcmp(a.colors.data(), b.colors.data(), a.colors.size() * sizeof(float)) == 0 &&
         std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0;
}

// The fixed-point value an input colour stands for (movie_palette.h).
double fixed(float c) {
  return static_cast<double>(std::llround(static_cast<double>(c) * 256)) / 256;
}

TEST(MoviePalette, OneClusterIsTheWeightedMean) {
  const Palettes p = random_palettes(200, 5, 1);
  MoviePaletteParams params;
  params.clusters = 1;
  const MoviePalette m = run(p, params);

  // The exact weighted mean of the fixed-point colours, computed as the definition says.
  int64_t total = 0, sum[3] = {0, 0, 0};
  for (int64_t i = 0; i < p.rows * p.k; ++i) {
    const int64_t count = std::llround(static_cast<double>(p.weights[i]) * kTilePixels);
    total += count;
    for (int ch = 0; ch < 3; ++ch) {
      sum[ch] += count * std::llround(static_cast<double>(p.colors[3 * i + ch]) * 256);
    }
  }
  EXPECT_EQ(total, p.rows * kTilePixels);
  ASSERT_EQ(m.colors.size(), 3u);
  for (int ch = 0; ch < 3; ++ch) {
    const auto mean =
        static_cast<float>((static_cast<double>(sum[ch]) / static_cast<double>(total)) / 256);
    EXPECT_EQ(m.colors[ch], mean) << "channel " << ch;
  }
  ASSERT_EQ(m.weights.size(), 1u);
  EXPECT_EQ(m.weights[0], 1.0);
  EXPECT_LE(m.iterations, 2);  // the first update reaches the mean, the second confirms it
  EXPECT_EQ(m.labels, std::vector<uint8_t>(p.rows * p.k, 0));
}

TEST(MoviePalette, FewerDistinctColoursThanClusters) {
  // Three colours in different histogram bins, weights 1/2, 1/3, 1/6 of all pixels.
  Palettes p;
  p.k = 3;
  const std::array<float, 3> a{10.25f, 20.5f, 30.75f}, b{200, 100, 50}, c{90, 250.125f, 140};
  for (int r = 0; r < 30; ++r) p.add_row({a, b, c}, {7200, 4800, 2400});
  MoviePaletteParams params;
  params.clusters = 8;
  const MoviePalette m = run(p, params);

  ASSERT_EQ(m.colors.size(), 24u);
  const std::array<float, 3> expected[3] = {a, b, c};
  const double expected_weight[3] = {0.5, 1.0 / 3, 1.0 / 6};
  for (int slot = 0; slot < 3; ++slot) {
    for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(m.colors[3 * slot + ch], expected[slot][ch]);
    EXPECT_DOUBLE_EQ(m.weights[slot], expected_weight[slot]);
  }
  for (int slot = 3; slot < 8; ++slot) EXPECT_EQ(m.weights[slot], 0.0) << "slot " << slot;
  for (size_t i = 0; i < m.labels.size(); ++i) EXPECT_EQ(m.labels[i], i % 3) << "entry " << i;
}

TEST(MoviePalette, RowsWithZeroWeightChangeNothingButGetLabels) {
  const Palettes p = random_palettes(300, 4, 2);
  Palettes with_gaps;
  with_gaps.k = p.k;
  for (int64_t r = 0; r < p.rows; ++r) {
    std::vector<std::array<float, 3>> c(p.k);
    std::vector<int64_t> counts(p.k);
    for (int j = 0; j < p.k; ++j) {
      const int64_t i = r * p.k + j;
      std::copy_n(&p.colors[3 * i], 3, c[j].begin());
      counts[j] = std::llround(static_cast<double>(p.weights[i]) * kTilePixels);
    }
    with_gaps.add_row(c, counts);
    if (r % 3 == 0) with_gaps.add_row(c, std::vector<int64_t>(p.k, 0));  // an empty frame
  }
  const MoviePaletteParams params;
  const MoviePalette plain = run(p, params);
  const MoviePalette gaps = run(with_gaps, params);
  EXPECT_TRUE(same_bits(plain, gaps));
  ASSERT_EQ(gaps.labels.size(), static_cast<size_t>(with_gaps.rows * with_gaps.k));
  for (const uint8_t label : gaps.labels) EXPECT_LT(label, params.clusters);
}

TEST(MoviePalette, AllWeightsZeroGivesBlackUnusedColours) {
  Palettes p;
  p.k = 2;
  for (int r = 0; r < 10; ++r) p.add_row({{{50, 60, 70}}, {{1, 2, 3}}}, {0, 0});
  MoviePaletteParams params;
  params.clusters = 4;
  const MoviePalette m = run(p, params);
  EXPECT_EQ(m.iterations, 0);
  EXPECT_EQ(m.colors, std::vector<float>(12, 0.0f));
  EXPECT_EQ(m.weights, std::vector<double>(4, 0.0));
  EXPECT_EQ(m.labels, std::vector<uint8_t>(20, 0));

  LocalSumReducer local;
  const MoviePalette none =
      compute_movie_palette(nullptr, nullptr, 0, 2, kTilePixels, params, local);
  EXPECT_TRUE(same_bits(m, none));
  EXPECT_TRUE(none.labels.empty());
}

TEST(MoviePalette, LabelsAreTheNearestColourAndWeightsDescend) {
  const Palettes p = random_palettes(500, 6, 3);
  MoviePaletteParams params;
  params.seed = 5;
  const MoviePalette m = run(p, params);
  const int kk = params.clusters;
  ASSERT_EQ(m.labels.size(), static_cast<size_t>(p.rows * p.k));
  for (size_t i = 0; i < m.labels.size(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> d(kk);
    for (int j = 0; j < kk; ++j) {
      d[j] = 0;
      for (int ch = 0; ch < 3; ++ch) {
        const double diff = fixed(p.colors[3 * i + ch]) - m.colors[3 * j + ch];
        d[j] += diff * diff;
      }
      best = std::min(best, d[j]);
    }
    ASSERT_LE(d[m.labels[i]], best + 1e-4 * (1 + best)) << "entry " << i;
  }
  double sum = 0;
  for (int j = 0; j < kk; ++j) {
    sum += m.weights[j];
    if (j > 0) {
      EXPECT_GE(m.weights[j - 1], m.weights[j]);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(MoviePalette, ThreadsAsRanksGiveTheSameBits) {
  const Palettes p = random_palettes(1000, 8, 4);
  const MoviePaletteParams params;
  const MoviePalette whole = run(p, params);

  // Uneven splits, including a participant without rows.
  const std::vector<std::vector<int64_t>> splits = {{0, 1, 999, 1000}, {0, 0, 400, 401, 1000}};
  for (const auto& bounds : splits) {
    const int parties = static_cast<int>(bounds.size()) - 1;
    ThreadSums sums(parties);
    std::vector<MoviePalette> part(parties);
    std::vector<std::thread> threads;
    for (int t = 0; t < parties; ++t) {
      threads.emplace_back([&, t] {
        ThreadSumReducer reducer(sums);
        const int64_t first = bounds[t], rows = bounds[t + 1] - bounds[t];
        part[t] =
            compute_movie_palette(p.colors.data() + first * p.k * 3, p.weights.data() + first * p.k,
                                  rows, p.k, kTilePixels, params, reducer);
      });
    }
    for (auto& thread : threads) thread.join();
    std::vector<uint8_t> labels;
    for (int t = 0; t < parties; ++t) {
      EXPECT_TRUE(same_bits(whole, part[t])) << "participant " << t;
      labels.insert(labels.end(), part[t].labels.begin(), part[t].labels.end());
    }
    EXPECT_EQ(labels, whole.labels);
  }
}

TEST(MoviePalette, WorkerThreadsGiveTheSameBits) {
  // Enough entries (12,000 rows of 8 colours) for the sums to be split over the threads.
  const Palettes p = random_palettes(12000, 8, 11);
  MoviePaletteParams params;
  const MoviePalette one = run(p, params);
  for (int threads : {2, 3, 7}) {
    params.threads = threads;
    EXPECT_TRUE(same_bits(one, run(p, params))) << threads << " threads";
  }
}

TEST(MoviePalette, IterationLimitAndSeedAreHonoured) {
  const Palettes p = random_palettes(400, 8, 5);
  MoviePaletteParams params;
  params.max_iter = 1;
  params.tol = 0.0f;
  EXPECT_EQ(run(p, params).iterations, 1);
  params.max_iter = 50;
  params.seed = 9;
  EXPECT_TRUE(same_bits(run(p, params), run(p, params)));
}

TEST(MoviePalette, RejectsBadParameters) {
  const Palettes p = random_palettes(5, 2, 6);
  const auto exit_code = [&](const MoviePaletteParams& params, int k, int64_t tile_pixels) {
    try {
      LocalSumReducer local;
      compute_movie_palette(p.colors.data(), p.weights.data(), p.rows, k, tile_pixels, params,
                            local);
    } catch (const Error& e) {
      return e.exit_code();
    }
    return 0;
  };
  MoviePaletteParams params;
  EXPECT_EQ(exit_code(params, p.k, kTilePixels), 0);
  for (const int clusters : {0, -1, 65}) {
    params = MoviePaletteParams{};
    params.clusters = clusters;
    EXPECT_EQ(exit_code(params, p.k, kTilePixels), kExitUsage) << "clusters " << clusters;
  }
  params = MoviePaletteParams{};
  params.clusters = 64;
  EXPECT_EQ(exit_code(params, p.k, kTilePixels), 0);
  params = MoviePaletteParams{};
  params.max_iter = 0;
  EXPECT_EQ(exit_code(params, p.k, kTilePixels), kExitUsage);
  for (const float tol : {-1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    params = MoviePaletteParams{};
    params.tol = tol;
    EXPECT_EQ(exit_code(params, p.k, kTilePixels), kExitUsage) << "tol " << tol;
  }
  params = MoviePaletteParams{};
  EXPECT_EQ(exit_code(params, 0, kTilePixels), kExitUsage);
  EXPECT_EQ(exit_code(params, p.k, 0), kExitUsage);
  EXPECT_EQ(exit_code(params, p.k, kMaxTilePixels + 1), kExitUsage);
}

TEST(MoviePalette, RejectsBadData) {
  const auto exit_code = [](Palettes p) {
    try {
      LocalSumReducer local;
      compute_movie_palette(p.colors.data(), p.weights.data(), p.rows, p.k, kTilePixels,
                            MoviePaletteParams{}, local);
    } catch (const Error& e) {
      return e.exit_code();
    }
    return 0;
  };
  const Palettes good = random_palettes(5, 2, 7);
  EXPECT_EQ(exit_code(good), 0);
  Palettes bad = good;
  bad.weights[3] = 1.5f;
  EXPECT_EQ(exit_code(bad), kExitFailure);
  bad = good;
  bad.weights[0] = -0.25f;
  EXPECT_EQ(exit_code(bad), kExitFailure);
  bad = good;
  bad.colors[4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(exit_code(bad), kExitFailure);
  bad = good;
  bad.colors[7] = 255.5f;
  EXPECT_EQ(exit_code(bad), kExitFailure);
  bad = good;
  bad.colors[8] = -1.0f;
  EXPECT_EQ(exit_code(bad), kExitFailure);
}

}  // namespace
}  // namespace barcode
