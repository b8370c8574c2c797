// The fast k-means path (color/kmeans_fast.cpp) against the plain reference on the same tiles:
// palettes, weights, inertia, iterations and the winning restart must be equal bit for bit, for
// odd tile sizes, k from 1 to 32 and content with many ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "color/kmeans.h"

namespace barcode {
namespace {

using Pixels = std::vector<uint8_t>;  // interleaved rgb

// Film-like content: smooth gradients, a few objects, grain; std::mt19937 is fixed by the
// standard, so the tiles are the same everywhere.
Pixels film_like(int width, int height, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> grain(-6, 6);
  Pixels rgb;
  rgb.reserve(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  const int cx = width / 3, cy = height / 2, radius = std::max(1, height / 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int r = 40 + 150 * x / std::max(1, width - 1);
      int g = 30 + 90 * y / std::max(1, height - 1);
      int b = 120 - 60 * x / std::max(1, width - 1) + 40 * y / std::max(1, height - 1);
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius) {
        r = 220;
        g = 180;
        b = 140;
      }
      if (x > 2 * width / 3 && y < height / 4) r = g = b = 245;
      for (int* v : {&r, &g, &b})
        rgb.push_back(static_cast<uint8_t>(std::clamp(*v + grain(gen), 0, 255)));
    }
  }
  return rgb;
}

Pixels random_pixels(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  Pixels rgb(static_cast<size_t>(3 * n));
  for (auto& v : rgb) v = static_cast<uint8_t>(gen() & 0xFF);
  return rgb;
}

// Few colours on a line, equally spaced: many colours exactly halfway between two centroids, so
// the tie rule (the lowest index) decides their cluster.
Pixels ties(int64_t n) {
  Pixels rgb;
  for (int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<uint8_t>(20 * (i % 7));
    rgb.insert(rgb.end(), {v, v, v});
  }
  return rgb;
}

// The instruction set the tests below run the fast path with (the fixture's parameter).
KmeansSimd g_simd = KmeansSimd::kAvx2;

void expect_same(const Pixels& rgb, const KmeansParams& params, int64_t frame,
                 const std::string& what) {
  const auto n = static_cast<int64_t>(rgb.size() / 3);
  const KmeansResult ref = kmeans_tile_reference(rgb.data(), n, params, frame);
  const KmeansResult fast = kmeans_tile_fast(rgb.data(), n, params, frame, g_simd);
  const std::string where = what + " n=" + std::to_string(n) + " k=" + std::to_string(params.k) +
                            " restarts=" + std::to_string(params.restarts);
  ASSERT_EQ(ref.centroids.size(), fast.centroids.size()) << where;
  EXPECT_EQ(0, std::memcmp(ref.centroids.data(), fast.centroids.data(),
                           ref.centroids.size() * sizeof(float)))
      << where;
  EXPECT_EQ(
      0, std::memcmp(ref.weights.data(), fast.weights.data(), ref.weights.size() * sizeof(float)))
      << where;
  EXPECT_EQ(0, std::memcmp(&ref.inertia, &fast.inertia, sizeof(double)))
      << where << " inertia " << ref.inertia << " vs " << fast.inertia;
  EXPECT_EQ(ref.iterations, fast.iterations) << where;
  EXPECT_EQ(ref.restart, fast.restart) << where;
}

// Every test runs once per instruction set; one the processor lacks is skipped.
class KmeansFast : public ::testing::TestWithParam<KmeansSimd> {
 protected:
  void SetUp() override {
    if (!kmeans_simd_supported(GetParam())) {
      GTEST_SKIP() << "this processor cannot run the fast k-means with "
                   << (GetParam() == KmeansSimd::kAvx512 ? "AVX-512" : "AVX2");
    }
    g_simd = GetParam();
  }
};

INSTANTIATE_TEST_SUITE_P(Simd, KmeansFast,
                         ::testing::Values(KmeansSimd::kAvx2, KmeansSimd::kAvx512),
                         [](const ::testing::TestParamInfo<KmeansSimd>& simd) {
                           return std::string(simd.param == KmeansSimd::kAvx512 ? "Avx512"
                                                                                : "Avx2");
                         });

TEST_P(KmeansFast, SameAsReferenceForEveryKOnOddTiles) {
  const Pixels film = film_like(37, 23, 1);  // odd sizes: no whole SIMD vectors or blocks
  const Pixels noise = random_pixels(29 * 17, 2);
  for (int k = 1; k <= 32; ++k) {
    KmeansParams params;
    params.k = k;
    params.restarts = 2;
    expect_same(film, params, k, "film-like 37x23");
    expect_same(noise, params, 100 + k, "random 29x17");
  }
}

TEST_P(KmeansFast, SameAsReferenceOnFullSizeTiles) {
  const Pixels film = film_like(160, 90, 3);
  const Pixels big = film_like(161, 91, 4);
  for (int k : {1, 2, 5, 8, 16, 32}) {
    KmeansParams params;
    params.k = k;
    params.restarts = 4;
    expect_same(film, params, 7, "film-like 160x90");
    expect_same(big, params, 8, "film-like 161x91");
  }
}

TEST_P(KmeansFast, SameAsReferenceWithTiesTinyTilesAndLimits) {
  for (int64_t n : {1, 2, 3, 7, 8, 9, 255, 256, 257, 700}) {
    for (int k : {1, 3, 8, 13, 32}) {
      KmeansParams params;
      params.k = k;
      expect_same(ties(n), params, n, "ties");
      expect_same(random_pixels(n, static_cast<uint32_t>(n)), params, n, "random");
    }
  }
  // Iteration limit reached before convergence, a zero tolerance, other seeds.
  KmeansParams params;
  params.max_iter = 3;
  expect_same(film_like(50, 30, 5), params, 1, "max_iter 3");
  params.max_iter = 50;
  params.tol = 0.0f;
  params.seed = 12345;
  expect_same(film_like(50, 30, 6), params, 2, "tol 0");
}

// A moving scene at the tool's defaults (160x90, k=8, 4 restarts): thousands of distinct colours
// per tile as in the tool's tiles of real film, and long iteration tails where the bounds fail
// for colours near cluster boundaries; one thread's scratch reused from tile to tile.
TEST_P(KmeansFast, SameAsReferenceOverAMovingFilmLikeScene) {
  const KmeansParams params;
  for (int frame = 0; frame < 12; ++frame) {
    Pixels tile = film_like(160, 90, static_cast<uint32_t>(100 + frame));
    // A second object crossing the frame, and a fade, so that tiles differ in more than grain.
    for (int y = 20; y < 70; ++y) {
      for (int x = 10 * frame; x < 10 * frame + 30; ++x) {
        const size_t at = 3 * (static_cast<size_t>(y) * 160 + static_cast<size_t>(x));
        tile[at] = static_cast<uint8_t>(30 + 2 * y);
        tile[at + 2] = static_cast<uint8_t>(200 - x);
      }
    }
    for (auto& v : tile) v = static_cast<uint8_t>(v * (12 - frame / 2) / 12);
    expect_same(tile, params, 1000 + frame, "moving scene frame " + std::to_string(frame));
  }
}

TEST(KmeansDefault, EntryPointUsesTheSameNumbers) {
  const Pixels film = film_like(64, 36, 9);
  const KmeansParams params;
  const KmeansResult ref = kmeans_tile_reference(film.data(), 64 * 36, params, 3);
  const KmeansResult any = kmeans_tile(film.data(), 64 * 36, params, 3);
  EXPECT_EQ(ref.centroids, any.centroids);
  EXPECT_EQ(ref.weights, any.weights);
  EXPECT_EQ(ref.inertia, any.inertia);
}

TEST(KmeansDefault, RunsTheWidestInstructionSetTheProcessorHas) {
  if (std::getenv("BARCODE_KMEANS") != nullptr) GTEST_SKIP() << "BARCODE_KMEANS is set";
  EXPECT_EQ(kmeans_simd_supported(KmeansSimd::kAvx512) ? KmeansSimd::kAvx512 : KmeansSimd::kAvx2,
            kmeans_default_simd());
}

}  // namespace
}  // namespace barcode
