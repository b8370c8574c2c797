// The CIELAB codes of --space lab against a double-precision reference (delta_e.h's
// srgb_to_lab), their way back to sRGB, and the frame summary that uses them.
#include "color/lab8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "color/delta_e.h"
#include "color/frame_summary.h"
#include "color/srgb.h"

namespace barcode {
namespace {

std::array<uint8_t, 3> codes_of(uint8_t r, uint8_t g, uint8_t b) {
  const uint8_t rgb[3] = {r, g, b};
  std::array<uint8_t, 3> lab{};
  lab8_from_srgb8(rgb, 1, lab.data());
  return lab;
}

// The codes the definition asks for, from the reference Lab in double.
std::array<double, 3> reference_codes(uint8_t r, uint8_t g, uint8_t b) {
  const Lab lab = srgb_to_lab({r, g, b});
  return {kLabScale * lab.l, kLabScale * (lab.a + kLabOffsetA), kLabScale * (lab.b + kLabOffsetB)};
}

TEST(Lab8, KnownColours) {
  // White and black: a = b = 0, so the offsets alone (88 * 1.2 = 105.6, 110 * 1.2 = 132).
  EXPECT_EQ(codes_of(255, 255, 255), (std::array<uint8_t, 3>{120, 106, 132}));
  EXPECT_EQ(codes_of(0, 0, 0), (std::array<uint8_t, 3>{0, 106, 132}));
  // Pure red is L 53.24, a 80.09, b 67.20.
  EXPECT_EQ(codes_of(255, 0, 0), (std::array<uint8_t, 3>{64, 202, 213}));
}

TEST(Lab8, EveryColourWithinAHairOfTheNearestCode) {
  // All 2^24 colours: the integer path rounds the reference to the nearest code except where
  // the reference lies near a half, within the tables' own rounding (16-bit linear light and
  // XYZ, steepest for dark colours where f(t) is linear with slope 7.8).
  int64_t off_by_one = 0;
  for (int r = 0; r < 256; ++r) {
    for (int g = 0; g < 256; ++g) {
      for (int b = 0; b < 256; b += 1) {
        const auto got = codes_of(uint8_t(r), uint8_t(g), uint8_t(b));
        const auto want = reference_codes(uint8_t(r), uint8_t(g), uint8_t(b));
        for (int c = 0; c < 3; ++c) {
          const double error = std::abs(got[c] - want[c]);
          ASSERT_LE(error, 0.6) << r << "," << g << "," << b << " channel " << c;
          if (std::lround(want[c]) != got[c]) ++off_by_one;
        }
      }
    }
  }
  EXPECT_LT(off_by_one, int64_t{3} * 16777216 / 200);  // under 0.5 % of all codes (0.23 % seen)
}

TEST(Lab8, BackToSrgbIsCloseForEveryGreyAndPrimaryRamp) {
  // A code step is 0.83 ΔE: the colour back from the codes is within a few sRGB levels.
  for (int v = 0; v < 256; ++v) {
    for (const std::array<uint8_t, 3> rgb :
         {std::array<uint8_t, 3>{uint8_t(v), uint8_t(v), uint8_t(v)},
          std::array<uint8_t, 3>{uint8_t(v), 0, 0}, std::array<uint8_t, 3>{0, uint8_t(v), 0},
          std::array<uint8_t, 3>{0, 0, uint8_t(v)}}) {
      const auto lab = codes_of(rgb[0], rgb[1], rgb[2]);
      const float centroid[3] = {float(lab[0]), float(lab[1]), float(lab[2])};
      const auto back = srgb_from_lab8(centroid);
      const Lab x = srgb_to_lab(rgb);
      const Lab y =
          srgb_to_lab({round_channel(back[0]), round_channel(back[1]), round_channel(back[2])});
      EXPECT_LT(delta_e2000(x, y), 1.5) << int(rgb[0]) << "," << int(rgb[1]) << "," << int(rgb[2]);
    }
  }
}

TEST(FrameSummary, ColumnAndMeanFromRowLight) {
  // A 4x3 tile: a red row, a blue row, a row half black half white.
  const std::vector<uint8_t> tile = {255, 0, 0,   255, 0, 0,   255, 0,   0,   255, 0,   0,    //
                                     0,   0, 255, 0,   0, 255, 0,   0,   255, 0,   0,   255,  //
                                     0,   0, 0,   0,   0, 0,   255, 255, 255, 255, 255, 255};
  TileAnalysis analysis;
  analysis.width = 4;
  analysis.height = 3;
  analysis.kmeans.k = 3;
  const FrameColors frame = summarize_tile_cpu(tile.data(), analysis, 7, 0);
  EXPECT_EQ(frame.column, (std::vector<uint8_t>{255, 0, 0, 0, 0, 255, 188, 188, 188}));
  EXPECT_EQ(frame.mean, mean_color_linear(tile.data(), 12));
  EXPECT_TRUE(frame.thumb.empty());
  analysis.keep_thumbs = true;
  EXPECT_EQ(summarize_tile_cpu(tile.data(), analysis, 7, 0).thumb, tile);
}

TEST(FrameSummary, LabClusteringGivesSrgbPalettes) {
  // Two flat halves: the Lab clusters come back as (almost) the halves' sRGB colours.
  std::vector<uint8_t> tile;
  for (int i = 0; i < 50; ++i) tile.insert(tile.end(), {200, 100, 50});
  for (int i = 0; i < 30; ++i) tile.insert(tile.end(), {20, 40, 160});
  TileAnalysis analysis;
  analysis.width = 10;
  analysis.height = 8;
  analysis.kmeans.k = 2;
  analysis.space = ColorSpace::kLab;
  const FrameColors frame = summarize_tile_cpu(tile.data(), analysis, 0, 0);
  ASSERT_EQ(frame.palette.size(), 6u);
  EXPECT_NEAR(frame.weights[0], 50.0 / 80, 1e-6);
  // Within the codes' quantisation (0.83 ΔE*ab a step): no visible difference.
  const std::array<uint8_t, 3> want[2] = {{200, 100, 50}, {20, 40, 160}};
  for (int j = 0; j < 2; ++j) {
    const std::array<uint8_t, 3> got = {round_channel(frame.palette[j * 3]),
                                        round_channel(frame.palette[j * 3 + 1]),
                                        round_channel(frame.palette[j * 3 + 2])};
    EXPECT_LT(delta_e2000(srgb_to_lab(got), srgb_to_lab(want[j])), 1.0) << "cluster " << j;
  }
  EXPECT_EQ(frame.inertia, 0.0);  // flat clusters: every pixel on its centroid's codes
  for (int c = 0; c < 3; ++c) EXPECT_EQ(frame.dominant[c], round_channel(frame.palette[c]));
}

}  // namespace
}  // namespace barcode
