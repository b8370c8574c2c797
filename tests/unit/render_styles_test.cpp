// Barcode styles on hand-made data: palette stacking, the circular layout, width resampling and
// the skipping of rows not done.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>

#include "base/error.h"
#include "color/srgb.h"
#include "render/styles.h"

namespace barcode {
namespace {

using Rgb = std::array<uint8_t, 3>;

// A file of rows each with one colour as dominant and mean, and a palette of k clusters.
struct FileBuilder {
  BarcodeFile file;
  explicit FileBuilder(int k) {
    file.k = k;
    file.path = "test.h5";
  }
  FileBuilder& row(Rgb dominant, const std::vector<Rgb>& palette = {},
                   const std::vector<float>& weights = {}, bool done = true) {
    const int k = file.k;
    ++file.samples;
    file.index.push_back(file.samples - 1);
    file.pts.push_back(file.samples - 1);
    file.time.push_back(static_cast<double>(file.samples - 1));
    file.done.push_back(done ? 1 : 0);
    file.dominant.insert(file.dominant.end(), dominant.begin(), dominant.end());
    file.mean.insert(file.mean.end(), dominant.begin(), dominant.end());
    for (int j = 0; j < k; ++j) {
      const Rgb c = j < static_cast<int>(palette.size()) ? palette[j] : dominant;
      for (uint8_t v : c) file.palette.push_back(v);
      file.weights.push_back(j < static_cast<int>(weights.size()) ? weights[j] : (j ? 0.f : 1.f));
    }
    return *this;
  }
};

Rgb pixel(const Image& image, int x, int y) {
  const uint8_t* p = image.rgb.data() + (static_cast<size_t>(y) * image.width + x) * 3;
  return {p[0], p[1], p[2]};
}

double linear(uint8_t code) {
  return srgb_to_linear16()[code] / 65535.0;
}

const Rgb kRed{255, 0, 0}, kGreen{0, 255, 0}, kBlue{0, 0, 255}, kBlack{0, 0, 0},
    kWhite{255, 255, 255}, kBrown{200, 100, 50};

TEST(StyleNames, ParseEveryNameAndRejectOthers) {
  for (const std::string& name : style_names()) EXPECT_EQ(style_name(parse_style(name)), name);
  try {
    parse_style("stripes");
    FAIL() << "no error for an unknown style";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("palette"), std::string::npos);  // lists valid names
  }
}

TEST(StackHeights, LargestRemainderExamples) {
  const float thirds[] = {1.f / 3, 1.f / 3, 1.f / 3};
  EXPECT_EQ(stack_heights(thirds, 3, 10), (std::vector<int>{4, 3, 3}));
  const float regions[] = {0.6f, 0.3f, 0.1f};
  EXPECT_EQ(stack_heights(regions, 3, 10), (std::vector<int>{6, 3, 1}));
  // Quotas 2.8, 1.4, 0.8 -> floors 2, 1, 0; the 2 left over go to the largest remainders.
  const float uneven[] = {0.56f, 0.28f, 0.16f};
  EXPECT_EQ(stack_heights(uneven, 3, 5), (std::vector<int>{3, 1, 1}));
  // Unnormalised, negative and non-finite weights.
  const float odd[] = {2.f, -1.f, NAN, 2.f};
  EXPECT_EQ(stack_heights(odd, 4, 7), (std::vector<int>{4, 0, 0, 3}));
  const float none[] = {0.f, 0.f};
  EXPECT_EQ(stack_heights(none, 2, 9), (std::vector<int>{9, 0}));
}

// The definition of the leftover pixels, one at a time: each to the cluster not yet served with
// the largest remainder, ties to the earlier one (how stack_heights gave them out before it
// sorted the remainders once).
std::vector<int> greedy_heights(const std::vector<float>& w, int height) {
  const int k = static_cast<int>(w.size());
  const auto usable = [&](int j) {
    const float v = w[static_cast<size_t>(j)];
    return std::isfinite(v) && v > 0 ? static_cast<double>(v) : 0.0;
  };
  double sum = 0;
  for (int j = 0; j < k; ++j) sum += usable(j);
  std::vector<int> h(static_cast<size_t>(k), 0);
  const double scale = height / sum;
  int given = 0;
  for (int j = 0; j < k; ++j)
    given += h[static_cast<size_t>(j)] = static_cast<int>(std::floor(usable(j) * scale));
  while (given < height) {
    int best = -1;
    double best_remainder = -1;
    for (int j = 0; j < k; ++j) {
      const double q = usable(j) * scale;
      if (h[static_cast<size_t>(j)] != static_cast<int>(std::floor(q))) continue;
      if (q - std::floor(q) > best_remainder) best = j, best_remainder = q - std::floor(q);
    }
    ++h[static_cast<size_t>(best < 0 ? 0 : best)];
    ++given;
  }
  return h;
}

TEST(StackHeights, EqualTheOneAtATimeDefinition) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> weight(0.f, 1.f);
  for (int trial = 0; trial < 3000; ++trial) {
    const int k = 1 + static_cast<int>(rng() % (trial < 2900 ? 40 : 3000));
    const int height = 1 + static_cast<int>(rng() % 1200);
    std::vector<float> w(static_cast<size_t>(k));
    // Every third trial has equal weights in runs: ties between remainders.
    for (size_t j = 0; j < w.size(); ++j) w[j] = trial % 3 == 0 ? float(1 + j % 3) : weight(rng);
    ASSERT_EQ(stack_heights(w.data(), k, height), greedy_heights(w, height))
        << "trial " << trial << ", k " << k << ", height " << height;
  }
  // Many equal clusters, fewer pixels: one each to the first ones.
  const std::vector<float> equal(20000, 1.f);
  const std::vector<int> h = stack_heights(equal.data(), 20000, 1000);
  EXPECT_EQ(std::count(h.begin(), h.begin() + 1000, 1), 1000);
  EXPECT_EQ(std::count(h.begin() + 1000, h.end(), 0), 19000);
}

TEST(StackHeights, SumToHeightAndFollowWeights) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> weight(0.f, 1.f);
  for (int trial = 0; trial < 2000; ++trial) {
    const int k = 1 + trial % 12;
    const int height = 1 + static_cast<int>(rng() % 500);
    std::vector<float> w(static_cast<size_t>(k));
    for (float& v : w) v = weight(rng);
    const std::vector<int> h = stack_heights(w.data(), k, height);
    ASSERT_EQ(std::accumulate(h.begin(), h.end(), 0), height);
    const double sum = std::accumulate(w.begin(), w.end(), 0.0);
    for (int j = 0; j < k; ++j) {
      // Largest remainder: every height is its quota rounded down or up.
      const double quota = static_cast<double>(height) * w[static_cast<size_t>(j)] / sum;
      EXPECT_LT(std::abs(h[static_cast<size_t>(j)] - quota), 1.0) << "trial " << trial;
    }
  }
}

TEST(PaletteStyle, StacksClustersLargestOnTop) {
  FileBuilder b(3);
  // Stored out of order on purpose: the renderer must still put the heaviest cluster on top.
  b.row(kRed, {kBlue, kRed, kGreen}, {0.3f, 0.6f, 0.1f});
  b.row(kBrown, {kBrown}, {1.f, 0.f, 0.f});
  const Image image = render_style(Style::kPalette, b.file, 0, 10);
  ASSERT_EQ(image.width, 2);
  ASSERT_EQ(image.height, 10);
  for (int y = 0; y < 10; ++y) {
    const Rgb want = y < 6 ? kRed : y < 9 ? kBlue : kGreen;
    EXPECT_EQ(pixel(image, 0, y), want) << "row " << y;
    EXPECT_EQ(pixel(image, 1, y), kBrown) << "row " << y;
  }
}

TEST(PaletteStyle, HeightsSumToHeightForEveryColumn) {
  FileBuilder b(4);
  const std::vector<Rgb> colors = {kRed, kGreen, kBlue, kWhite};
  std::mt19937 rng(3);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> w(4);
    for (float& v : w) v = static_cast<float>(rng() % 100);
    b.row(kRed, colors, w);
  }
  const int height = 37;
  const Image image = render_style(Style::kPalette, b.file, 0, height);
  for (int x = 0; x < image.width; ++x) {
    const float* w = &b.file.weights[static_cast<size_t>(x) * 4];
    std::vector<int> counted(4, 0);
    for (int y = 0; y < height; ++y) {
      const Rgb p = pixel(image, x, y);
      const auto at = std::find(colors.begin(), colors.end(), p);
      ASSERT_NE(at, colors.end());
      ++counted[static_cast<size_t>(at - colors.begin())];
    }
    EXPECT_EQ(std::accumulate(counted.begin(), counted.end(), 0), height);
    // Palette colours here are distinct, so the counts are the stack's heights.
    std::vector<int> order = {0, 1, 2, 3};
    std::stable_sort(order.begin(), order.end(), [&](int a, int c) { return w[a] > w[c]; });
    std::vector<float> sorted;
    for (int j : order) sorted.push_back(w[j]);
    const std::vector<int> h = stack_heights(sorted.data(), 4, height);
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(counted[static_cast<size_t>(order[j])], h[static_cast<size_t>(j)]) << "x " << x;
    }
  }
}

TEST(PaletteStyle, WidthResamplesStacksInLinearLight) {
  FileBuilder b(1);
  b.row(kBlack).row(kWhite);
  const Image image = render_style(Style::kPalette, b.file, 1, 4);
  const uint8_t grey = linear_to_srgb8(0.5);
  for (int y = 0; y < 4; ++y) EXPECT_EQ(pixel(image, 0, y), (Rgb{grey, grey, grey}));
}

TEST(LinearStyles, WidthResamplesByAreaWithoutDroppingSamples) {
  FileBuilder b(1);
  b.row(kRed).row(kBlue).row(kWhite);
  // Three columns into two: column 0 is red and half of blue, column 1 half of blue and white.
  const Image image = render_style(Style::kDominant, b.file, 2, 3);
  ASSERT_EQ(image.width, 2);
  ASSERT_EQ(image.height, 3);
  // One whole column of `a` and half a column of `half`.
  const auto mix = [](Rgb a, Rgb half) {
    Rgb out{};
    for (size_t c = 0; c < 3; ++c)
      out[c] = linear_to_srgb8((linear(a[c]) + 0.5 * linear(half[c])) / 1.5);
    return out;
  };
  for (int y = 0; y < 3; ++y) {
    EXPECT_EQ(pixel(image, 0, y), mix(kRed, kBlue));
    EXPECT_EQ(pixel(image, 1, y), mix(kWhite, kBlue));
  }
  // Upsampling repeats each column.
  const Image wide = render_style(Style::kMean, b.file, 6, 1);
  for (int x = 0; x < 6; ++x) EXPECT_EQ(pixel(wide, x, 0), (x < 2 ? kRed : x < 4 ? kBlue : kWhite));
}

TEST(LinearStyles, RowsNotDoneLeaveNoColumn) {
  FileBuilder b(1);
  b.row(kRed).row(kGreen, {}, {}, false).row(kBlue);
  for (Style style : {Style::kDominant, Style::kMean, Style::kPalette}) {
    const Image image = render_style(style, b.file, 0, 2);
    ASSERT_EQ(image.width, 2) << style_name(style);
    EXPECT_EQ(pixel(image, 0, 1), kRed);
    EXPECT_EQ(pixel(image, 1, 1), kBlue);
  }
  FileBuilder none(1);
  none.row(kRed, {}, {}, false);
  EXPECT_THROW(render_style(Style::kDominant, none.file, 0, 2), Error);
}

TEST(CircularStyle, SquareOfTheWidth) {
  FileBuilder b(1);
  b.row(kRed).row(kBlue);
  EXPECT_EQ(render_style(Style::kCircular, b.file, 64, 10).width, 64);
  EXPECT_EQ(render_style(Style::kCircular, b.file, 64, 10).height, 64);
  const Image fallback = render_style(Style::kCircular, b.file, 0, 100);
  EXPECT_EQ(fallback.width, kCircularDefaultSide);
  EXPECT_EQ(fallback.height, kCircularDefaultSide);
}

TEST(CircularStyle, SingleColourRingOnBlack) {
  FileBuilder b(1);
  for (int i = 0; i < 100; ++i) b.row(kBrown);
  const int side = 101, thickness = 20;
  const Image image = render_style(Style::kCircular, b.file, side, thickness);
  const double centre = side / 2.0, outer = centre, inner = outer - thickness;
  int ring = 0;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const double d = std::hypot(x + 0.5 - centre, y + 0.5 - centre);
      if (d + 0.71 <= inner || d - 0.71 >= outer) {
        EXPECT_EQ(pixel(image, x, y), kBlack) << x << "," << y;  // hole and corners
      } else if (d - 0.71 >= inner && d + 0.71 <= outer) {
        EXPECT_EQ(pixel(image, x, y), kBrown) << x << "," << y;
        ++ring;
      } else {
        // Anti-aliased edge: a blend of brown and black, never brighter than brown.
        const Rgb p = pixel(image, x, y);
        for (int c = 0; c < 3; ++c) EXPECT_LE(p[c], kBrown[c]);
      }
    }
  }
  EXPECT_GT(ring, 1000);
}

TEST(CircularStyle, TimeRunsClockwiseFromTwelve) {
  FileBuilder b(1);
  // Four quarters: red, green, blue, white.
  for (const Rgb& c : {kRed, kGreen, kBlue, kWhite}) {
    for (int i = 0; i < 25; ++i) b.row(c);
  }
  const int side = 100;
  const Image image = render_style(Style::kCircular, b.file, side, side);  // a full disc
  const int mid = side / 2;
  EXPECT_EQ(pixel(image, mid + 20, mid - 30), kRed);    // between 12 and 3 o'clock
  EXPECT_EQ(pixel(image, mid + 20, mid + 30), kGreen);  // between 3 and 6
  EXPECT_EQ(pixel(image, mid - 20, mid + 30), kBlue);   // between 6 and 9
  EXPECT_EQ(pixel(image, mid - 20, mid - 30), kWhite);  // between 9 and 12
}

TEST(CircularStyle, ManySamplesAreAreaResampledIntoBins) {
  FileBuilder b(1);
  // Alternating black and white, far more samples than the ring's pixels: every bin is grey.
  for (int i = 0; i < 20000; ++i) b.row(i % 2 ? kWhite : kBlack);
  const Image image = render_style(Style::kCircular, b.file, 40, 10);
  const Rgb p = pixel(image, 20, 4);  // inside the ring, near 12 o'clock
  const int grey = linear_to_srgb8(0.5);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(p[c], grey, 1);
}

}  // namespace
}  // namespace barcode
