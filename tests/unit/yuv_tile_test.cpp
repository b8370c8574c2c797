// The CPU 4:2:0 tile converter: against a literal transcription of its definition (exact), and
// against swscale with the flags the tool used before it (mean difference at most 1 level).
#include "video/yuv_tile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/error.h"
#include "yuv_test_frames.h"

namespace barcode {
namespace {

using test::cpu_tile;
using test::HostFrame;
using test::make_frame;

// The definition, literally: each tile pixel sums every source pixel of its box weighted by the
// covered area (source x scaled by the tile width, y by the tile height), chroma from the 2x2
// block, then the shared conversion.
std::vector<uint8_t> reference_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range, int tw,
                                    int th) {
  const YuvSumsToRgb conv = yuv_sums_to_rgb_for(yuv_conversion(matrix, range, f.p010),
                                                double(int64_t(f.width) * f.height));
  std::vector<uint8_t> rgb(size_t(tw) * th * 3);
  for (int oy = 0; oy < th; ++oy) {
    for (int ox = 0; ox < tw; ++ox) {
      uint64_t sy = 0, scb = 0, scr = 0;
      for (int y = 0; y < f.height; ++y) {
        const int64_t wy = std::min(int64_t(y + 1) * th, int64_t(oy + 1) * f.height) -
                           std::max(int64_t(y) * th, int64_t(oy) * f.height);
        if (wy <= 0) continue;
        for (int x = 0; x < f.width; ++x) {
          const int64_t wx = std::min(int64_t(x + 1) * tw, int64_t(ox + 1) * f.width) -
                             std::max(int64_t(x) * tw, int64_t(ox) * f.width);
          if (wx <= 0) continue;
          const auto w = static_cast<uint64_t>(wx * wy);
          const size_t c = (size_t(y / 2) * size_t(f.width / 2) + size_t(x / 2)) * 2;
          sy += w * f.luma[size_t(y) * size_t(f.width) + size_t(x)];
          scb += w * f.chroma[c];
          scr += w * f.chroma[c + 1];
        }
      }
      yuv_sums_to_rgb(sy, scb, scr, conv, rgb.data() + (size_t(oy) * size_t(tw) + size_t(ox)) * 3);
    }
  }
  return rgb;
}

TEST(YuvTile, EqualsItsDefinition) {
  const int sizes[][4] = {{64, 36, 16, 9},
                          {318, 178, 53, 30},
                          {100, 60, 7, 5},
                          {30, 20, 30, 20},
                          {34, 22, 5, 3},
                          {16, 8, 1, 1},
                          // Tiles larger than the frame (a stream whose picture shrinks):
                          {16, 8, 30, 20},
                          {34, 22, 53, 30},
                          {128, 72, 160, 92}};
  for (const bool p010 : {false, true}) {
    for (const auto& s : sizes) {
      for (const YuvRange range : {YuvRange::kLimited, YuvRange::kFull}) {
        const HostFrame f = make_frame(s[0], s[1], p010, range == YuvRange::kFull, 11);
        EXPECT_EQ(cpu_tile(f, YuvMatrix::kBt709, range, s[2], s[3]),
                  reference_tile(f, YuvMatrix::kBt709, range, s[2], s[3]))
            << s[0] << "x" << s[1] << " -> " << s[2] << "x" << s[3] << (p010 ? " P010" : "");
      }
    }
  }
}

TEST(YuvTile, PlanarAndInterleavedChromaAgree) {
  const HostFrame f = make_frame(318, 178, false, false, 5);
  std::vector<uint8_t> luma(f.luma.begin(), f.luma.end()), cb, cr;
  for (size_t i = 0; i < f.chroma.size(); i += 2) {
    cb.push_back(uint8_t(f.chroma[i]));
    cr.push_back(uint8_t(f.chroma[i + 1]));
  }
  YuvPlanes p;
  p.luma = luma.data(), p.luma_pitch = 318;
  p.cb = cb.data(), p.cr = cr.data(), p.chroma_pitch = 159;
  p.width = 318, p.height = 178;
  std::vector<uint8_t> planar(size_t(53) * 30 * 3);
  yuv420_to_tile(p, YuvMatrix::kBt601, YuvRange::kLimited, TileSize{53, 30}, planar.data());
  EXPECT_EQ(planar, cpu_tile(f, YuvMatrix::kBt601, YuvRange::kLimited, 53, 30));
}

TEST(YuvTile, CloseToSwscaleArea) {
  struct Case {
    int w, h, tw, th;
  };
  for (const bool p010 : {false, true}) {
    for (const Case c :
         {Case{1920, 1080, 160, 90}, Case{318, 178, 160, 90}, Case{318, 178, 53, 30}}) {
      for (const YuvMatrix m : {YuvMatrix::kBt601, YuvMatrix::kBt709, YuvMatrix::kBt2020Ncl}) {
        const HostFrame f = make_frame(c.w, c.h, p010, false, uint64_t(c.w) + p010);
        const auto want = test::swscale_tile(f, m, YuvRange::kLimited, c.tw, c.th);
        const auto got = cpu_tile(f, m, YuvRange::kLimited, c.tw, c.th);
        ASSERT_EQ(want.size(), got.size());
        double mad[3] = {0, 0, 0};
        for (size_t i = 0; i < got.size(); ++i) mad[i % 3] += std::abs(int(got[i]) - int(want[i]));
        for (double& v : mad) v /= double(c.tw) * c.th;
        std::printf("[ %s %dx%d -> %dx%d ] mean |CPU tile - swscale| R %.3f G %.3f B %.3f\n",
                    p010 ? "P010" : "NV12", c.w, c.h, c.tw, c.th, mad[0], mad[1], mad[2]);
        for (double v : mad) EXPECT_LE(v, 1.0);
      }
    }
  }
}

TEST(YuvTile, FlatGreyIsExactAndBadSizesAreRefused) {
  HostFrame f = make_frame(64, 36, false, false, 1);
  std::fill(f.luma.begin(), f.luma.end(), 126);  // (126-16)/219*255 = 128.08
  std::fill(f.chroma.begin(), f.chroma.end(), 128);
  const auto tile = cpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 16, 9);
  EXPECT_TRUE(std::all_of(tile.begin(), tile.end(), [](uint8_t v) { return v == 128; }));
  EXPECT_THROW(cpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 0, 9), Error);
  EXPECT_THROW(
      cpu_tile(make_frame(1, 2, false, false, 1), YuvMatrix::kBt709, YuvRange::kLimited, 1, 1),
      Error);
}

}  // namespace
}  // namespace barcode
