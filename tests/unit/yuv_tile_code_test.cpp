// The CPU 4:2:0 tile converter's two machine-code versions (plain and AVX2, video/yuv_tile.h)
// against the literal definition and against each other, on odd frame and tile sizes, every
// layout it reads, padded rows, crops and tone mapping: the same tiles bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "color/tonemap.h"
#include "video/yuv_tile.h"

namespace barcode {
namespace {

// Planes of any size in one of the four layouts, random samples, rows padded past their end.
struct Planes {
  std::vector<uint8_t> luma, chroma_a, chroma_b;
  YuvPlanes p;
};

enum class Layout { kYuv420p, kNv12, kYuv420p10, kP010 };

const char* name(Layout l) {
  switch (l) {
    case Layout::kYuv420p:
      return "yuv420p";
    case Layout::kNv12:
      return "nv12";
    case Layout::kYuv420p10:
      return "yuv420p10";
    case Layout::kP010:
      return "p010";
  }
  return "?";
}

Planes make_planes(int w, int h, Layout layout, uint32_t seed) {
  std::mt19937 gen(seed);
  Planes out;
  YuvPlanes& p = out.p;
  const bool wide = layout == Layout::kYuv420p10 || layout == Layout::kP010;
  const bool interleaved = layout == Layout::kNv12 || layout == Layout::kP010;
  p.width = w, p.height = h;
  p.sixteen_bit = wide;
  p.bits = wide ? 10 : 8;
  p.shift = layout == Layout::kP010 ? 6 : 0;
  p.chroma_step = interleaved ? 2 : 1;
  const size_t bytes = wide ? 2 : 1;
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  p.luma_pitch = (size_t(w) + 7) * bytes;  // padding that must not be read
  p.chroma_pitch = (size_t(cw) * (interleaved ? 2 : 1) + 5) * bytes;
  // A sample's word: 8-bit codes, 10-bit codes, or 10-bit codes shifted up by 6 with noise in
  // the low bits (which the converter drops).
  const auto fill = [&](std::vector<uint8_t>& plane, size_t pitch, int rows) {
    plane.resize(pitch * size_t(rows));
    for (size_t i = 0; i < plane.size(); i += bytes) {
      const auto code = static_cast<uint32_t>(gen() % (wide ? 1024u : 256u));
      if (!wide) {
        plane[i] = static_cast<uint8_t>(code);
      } else {
        const auto word = static_cast<uint32_t>((code << p.shift) | (p.shift ? gen() % 64u : 0u));
        plane[i] = static_cast<uint8_t>(word & 0xFF);
        plane[i + 1] = static_cast<uint8_t>(word >> 8);
      }
    }
  };
  fill(out.luma, p.luma_pitch, h);
  fill(out.chroma_a, p.chroma_pitch, ch);
  p.luma = out.luma.data();
  p.cb = out.chroma_a.data();
  if (interleaved) {
    p.cr = out.chroma_a.data() + bytes;
  } else {
    fill(out.chroma_b, p.chroma_pitch, ch);
    p.cr = out.chroma_b.data();
  }
  return out;
}

uint32_t sample_at(const void* plane, size_t pitch, int step, int x, int y, const YuvPlanes& p) {
  const uint8_t* row = static_cast<const uint8_t*>(plane) + size_t(y) * pitch;
  const size_t i = size_t(x) * size_t(step);
  const uint32_t word =
      p.sixteen_bit ? uint32_t{row[2 * i]} | (uint32_t{row[2 * i + 1]} << 8) : row[i];
  return word >> p.shift;
}

// The definition, literally: each tile pixel sums every luma sample of its box weighted by the
// covered area, chroma from the sample of the 2x2 block (x / 2, y / 2), then the shared
// conversion.
std::vector<uint8_t> definition(const YuvPlanes& p, YuvMatrix matrix, YuvRange range, int tw,
                                int th, const ToneMapTables* tone) {
  const YuvSumsToRgb conv = yuv_sums_to_rgb_for(yuv_conversion(matrix, range, p.bits == 10),
                                                double(int64_t(p.width) * p.height));
  std::vector<uint8_t> rgb(size_t(tw) * size_t(th) * 3);
  for (int oy = 0; oy < th; ++oy) {
    for (int ox = 0; ox < tw; ++ox) {
      uint64_t sy = 0, scb = 0, scr = 0;
      for (int y = 0; y < p.height; ++y) {
        const int64_t wy = std::min(int64_t(y + 1) * th, int64_t(oy + 1) * p.height) -
                           std::max(int64_t(y) * th, int64_t(oy) * p.height);
        if (wy <= 0) continue;
        for (int x = 0; x < p.width; ++x) {
          const int64_t wx = std::min(int64_t(x + 1) * tw, int64_t(ox + 1) * p.width) -
                             std::max(int64_t(x) * tw, int64_t(ox) * p.width);
          if (wx <= 0) continue;
          const auto w = static_cast<uint64_t>(wx * wy);
          sy += w * sample_at(p.luma, p.luma_pitch, 1, x, y, p);
          scb += w * sample_at(p.cb, p.chroma_pitch, p.chroma_step, x / 2, y / 2, p);
          scr += w * sample_at(p.cr, p.chroma_pitch, p.chroma_step, x / 2, y / 2, p);
        }
      }
      uint8_t* out = rgb.data() + (size_t(oy) * size_t(tw) + size_t(ox)) * 3;
      tone ? yuv_sums_to_rgb(sy, scb, scr, conv, *tone, out)
           : yuv_sums_to_rgb(sy, scb, scr, conv, out);
    }
  }
  return rgb;
}

std::vector<uint8_t> converted(const YuvPlanes& p, YuvMatrix matrix, YuvRange range, int tw, int th,
                               const ToneMapTables* tone, YuvTileCode code) {
  std::vector<uint8_t> rgb(size_t(tw) * size_t(th) * 3);
  yuv420_to_tile(p, matrix, range, TileSize{tw, th}, rgb.data(), tone, code);
  return rgb;
}

// Plain equals the definition, and AVX2 (where the processor has it) equals plain.
void expect_codes_agree(const YuvPlanes& p, int tw, int th, const ToneMapTables* tone,
                        const std::string& what) {
  for (const YuvRange range : {YuvRange::kLimited, YuvRange::kFull}) {
    const YuvMatrix matrix = tone ? YuvMatrix::kBt2020Ncl : YuvMatrix::kBt709;
    const std::string where = what + (range == YuvRange::kFull ? " full range" : " limited");
    const auto plain = converted(p, matrix, range, tw, th, tone, YuvTileCode::kPlain);
    EXPECT_EQ(plain, definition(p, matrix, range, tw, th, tone)) << where;
    if (yuv_tile_avx2_supported()) {
      EXPECT_EQ(converted(p, matrix, range, tw, th, tone, YuvTileCode::kAvx2), plain) << where;
      EXPECT_EQ(converted(p, matrix, range, tw, th, tone, YuvTileCode::kBest), plain) << where;
    }
  }
}

TEST(YuvTileCode, PlainAndAvx2EqualTheDefinitionOnOddSizes) {
  if (!yuv_tile_avx2_supported()) std::printf("[ no AVX2 here: the plain code only ]\n");
  // Frame width, height, tile width, height: odd and even, tile as large as the frame or larger,
  // tiles of one pixel, columns of two luma pixels, more than 2 and under 2 source pixels per tile
  // pixel, widths the tile width divides (4, 6, 8, 12, 16 or 24 whole luma or chroma cells per
  // column).
  const int sizes[][4] = {
      {33, 17, 5, 3},
      {101, 57, 7, 4},
      {99, 75, 99, 75},
      {35, 21, 1, 1},
      {67, 3, 9, 2},
      {2, 2, 1, 1},
      {3, 3, 2, 2},
      {641, 359, 160, 90},
      {130, 73, 65, 37},
      {250, 141, 160, 90},
      {96, 53, 8, 5},
      {64, 31, 4, 3},
      {96, 41, 4, 7},
      {48, 27, 12, 5},
      // Tiles larger than the frame (a stream whose picture shrinks below the tile).
      {17, 9, 30, 20},
      {128, 72, 160, 92},
      {3, 2, 7, 5}};
  uint32_t seed = 1;
  for (const Layout layout : {Layout::kYuv420p, Layout::kNv12, Layout::kYuv420p10, Layout::kP010}) {
    for (const auto& s : sizes) {
      const Planes planes = make_planes(s[0], s[1], layout, seed++);
      expect_codes_agree(planes.p, s[2], s[3], nullptr,
                         std::string(name(layout)) + " " + std::to_string(s[0]) + "x" +
                             std::to_string(s[1]) + " -> " + std::to_string(s[2]) + "x" +
                             std::to_string(s[3]));
    }
  }
}

// Crops of odd width and height at even offsets: the planes read from the crop's corner.
TEST(YuvTileCode, CropsOfOddSizesAgree) {
  for (const Layout layout : {Layout::kYuv420p, Layout::kP010}) {
    const Planes planes = make_planes(203, 121, layout, 77);
    for (const CropRect crop :
         {CropRect{2, 4, 199, 115}, CropRect{10, 0, 93, 121}, CropRect{0, 6, 203, 107}}) {
      expect_codes_agree(crop_planes(planes.p, crop), 31, 17, nullptr,
                         std::string(name(layout)) + " crop " + std::to_string(crop.width) + "x" +
                             std::to_string(crop.height) + "+" + std::to_string(crop.x) + "+" +
                             std::to_string(crop.y));
    }
  }
}

TEST(YuvTileCode, ToneMappedTilesAgree) {
  for (const HdrTransfer transfer : {HdrTransfer::kPq, HdrTransfer::kHlg}) {
    ToneMapParams params;
    params.transfer = transfer;
    params.source_peak = 1000.0;
    const ToneMap tone(params);
    const ToneMapTables tables = tone.tables();
    const Planes planes = make_planes(157, 89, Layout::kP010, 5);
    expect_codes_agree(planes.p, 23, 13, &tables, hdr_transfer_name(transfer));
  }
}

}  // namespace
}  // namespace barcode
