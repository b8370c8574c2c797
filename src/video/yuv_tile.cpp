#include "video/yuv_tile.h"

#include <algorithm>
#include <string>
#include <vector>

#include "error.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace barcode {
namespace {

// Coverage of one tile column, in units of 1/tile_width source pixel: source columns
// [first, end), the first weighing `w_first`, the last `w_last` (when end - first >= 2), those
// between tile_width each. The weights of a column add up to the frame width. Rows likewise.
struct Span {
  int first = 0, end = 0;
  int64_t w_first = 0, w_last = 0;
};

Span span_of(int out, int size, int out_size) {
  const int64_t b0 = int64_t{out} * size, b1 = int64_t{out + 1} * size;
  Span s;
  s.first = static_cast<int>(b0 / out_size);
  s.end = static_cast<int>((b1 + out_size - 1) / out_size);
  s.w_first = std::min(int64_t{s.first + 1} * out_size, b1) - b0;
  s.w_last = b1 - std::max(int64_t{s.end - 1} * out_size, b0);
  return s;
}

const uint8_t* row_at(const void* plane, size_t pitch, int y) {
  return static_cast<const uint8_t*>(plane) + static_cast<size_t>(y) * pitch;
}

// Sample i of a row (samples kStep apart, value in the high bits above kShift).
// An AVX2 and a plain version of the integer loops below, chosen when the program loads. Not in
// ThreadSanitizer builds: their resolvers run before its runtime starts, and crashed it. The
// sums are integers, so every version gives the same tiles.
#if defined(__SANITIZE_THREAD__)
#define BARCODE_AVX2_CLONES
#else
#define BARCODE_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif

template <typename Sample, int kShift, int kStep>
inline uint32_t sample(const uint8_t* row, int i) {
  return static_cast<uint32_t>(
             reinterpret_cast<const Sample*>(row)[static_cast<size_t>(i) * kStep]) >>
         kShift;
}

// The vertical pass, over whole rows so that the compiler vectorises it. A tile row's source
// rows between its first and last are covered whole (weight = tile height): plain sums, no
// multiply per sample; interior[i] += sample i.
template <typename Sample, int kShift, int kStep, typename Inner>
BARCODE_AVX2_CLONES void add_interior(const uint8_t* row, int n, Inner* __restrict interior) {
  for (int i = 0; i < n; ++i) {
    interior[i] = static_cast<Inner>(interior[i] + sample<Sample, kShift, kStep>(row, i));
  }
}

// Then the weighted sums of the tile row: acc[i] = inner * interior[i] + w_first * first[i]
// (+ w_last * last[i]), clearing interior for the next tile row. AVX2 where the CPU has it:
// SSE2 has no 32-bit multiply.
template <typename Sample, int kShift, int kStep, typename Inner>
BARCODE_AVX2_CLONES void finish_rows(Inner* __restrict interior, uint32_t inner,
                                     const uint8_t* first, uint32_t w_first, const uint8_t* last,
                                     uint32_t w_last, int n, uint32_t* __restrict acc) {
  if (last == nullptr) {
    for (int i = 0; i < n; ++i) acc[i] = w_first * sample<Sample, kShift, kStep>(first, i);
    return;
  }
  for (int i = 0; i < n; ++i) {
    acc[i] = inner * uint32_t{interior[i]} + w_first * sample<Sample, kShift, kStep>(first, i) +
             w_last * sample<Sample, kShift, kStep>(last, i);
    interior[i] = 0;
  }
}

inline uint64_t run_sum(const uint32_t* acc, int a, int b) {
  uint64_t s = 0;
  for (int x = a; x < b; ++x) s += acc[x];
  return s;
}

// Sum over luma columns x in [a, b) of chroma column x / 2: each chroma column counts once per
// luma column of its pair inside the run.
inline uint64_t run_sum_chroma(const uint32_t* acc, int a, int b) {
  if (a >= b) return 0;
  uint64_t s = 0;
  if (a & 1) s += acc[a >> 1], ++a;
  if ((b & 1) && a < b) s += acc[b >> 1], --b;
  return s + 2 * run_sum(acc, a >> 1, b >> 1);
}

// The horizontal pass: the coverage-weighted sum of a row of vertical sums over a tile column.
template <typename Run>
uint64_t weighted_span(const Span& s, int64_t tile_width, const uint32_t* acc, Run run) {
  uint64_t v = static_cast<uint64_t>(s.w_first) * run(acc, s.first, s.first + 1);
  if (s.end - s.first >= 2) {
    v += static_cast<uint64_t>(s.w_last) * run(acc, s.end - 1, s.end);
    v += static_cast<uint64_t>(tile_width) * run(acc, s.first + 1, s.end - 1);
  }
  return v;
}

// Exact area sums in two passes: down each tile row's source rows (a weight per row, sums of at
// most height x 1023 fit 32 bits), then across each tile column's source columns. `Inner` holds
// the plain sums of a tile row's interior rows (16 bits where they cannot overflow it).
template <typename Sample, int kShift, int kStep, typename Inner>
void convert(const YuvPlanes& p, const YuvSumsToRgb& conv, TileSize tile, uint8_t* rgb,
             const ToneMapTables* tone) {
  std::vector<Span> columns(static_cast<size_t>(tile.width));
  for (int ox = 0; ox < tile.width; ++ox) columns[size_t(ox)] = span_of(ox, p.width, tile.width);
  const int chroma_width = (p.width + 1) / 2;
  std::vector<uint32_t> acc_y(static_cast<size_t>(p.width));
  std::vector<uint32_t> acc_cb(static_cast<size_t>(chroma_width));
  std::vector<uint32_t> acc_cr(static_cast<size_t>(chroma_width));
  std::vector<Inner> inner_y(acc_y.size()), inner_cb(acc_cb.size()), inner_cr(acc_cr.size());
  const auto luma = [](const uint32_t* acc, int a, int b) { return run_sum(acc, a, b); };
  const auto chroma = [](const uint32_t* acc, int a, int b) { return run_sum_chroma(acc, a, b); };
  for (int oy = 0; oy < tile.height; ++oy) {
    const Span rows = span_of(oy, p.height, tile.height);
    for (int y = rows.first + 1; y < rows.end - 1; ++y) {
      add_interior<Sample, kShift, 1, Inner>(row_at(p.luma, p.luma_pitch, y), p.width,
                                             inner_y.data());
      add_interior<Sample, kShift, kStep, Inner>(row_at(p.cb, p.chroma_pitch, y >> 1), chroma_width,
                                                 inner_cb.data());
      add_interior<Sample, kShift, kStep, Inner>(row_at(p.cr, p.chroma_pitch, y >> 1), chroma_width,
                                                 inner_cr.data());
    }
    const bool two = rows.end - rows.first >= 2;  // else one source row makes the tile row
    const auto inner = static_cast<uint32_t>(tile.height);
    const auto w_first = static_cast<uint32_t>(rows.w_first);
    const auto w_last = static_cast<uint32_t>(rows.w_last);
    const int y0 = rows.first, y1 = rows.end - 1;
    finish_rows<Sample, kShift, 1, Inner>(inner_y.data(), inner, row_at(p.luma, p.luma_pitch, y0),
                                          w_first, two ? row_at(p.luma, p.luma_pitch, y1) : nullptr,
                                          w_last, p.width, acc_y.data());
    finish_rows<Sample, kShift, kStep, Inner>(
        inner_cb.data(), inner, row_at(p.cb, p.chroma_pitch, y0 >> 1), w_first,
        two ? row_at(p.cb, p.chroma_pitch, y1 >> 1) : nullptr, w_last, chroma_width, acc_cb.data());
    finish_rows<Sample, kShift, kStep, Inner>(
        inner_cr.data(), inner, row_at(p.cr, p.chroma_pitch, y0 >> 1), w_first,
        two ? row_at(p.cr, p.chroma_pitch, y1 >> 1) : nullptr, w_last, chroma_width, acc_cr.data());
    uint8_t* out = rgb + static_cast<size_t>(oy) * static_cast<size_t>(tile.width) * 3;
    for (size_t ox = 0; ox < columns.size(); ++ox) {
      const Span& s = columns[ox];
      const uint64_t sum_y = weighted_span(s, tile.width, acc_y.data(), luma);
      const uint64_t sum_cb = weighted_span(s, tile.width, acc_cb.data(), chroma);
      const uint64_t sum_cr = weighted_span(s, tile.width, acc_cr.data(), chroma);
      if (tone) {
        yuv_sums_to_rgb(sum_y, sum_cb, sum_cr, conv, *tone, out + 3 * ox);
      } else {
        yuv_sums_to_rgb(sum_y, sum_cb, sum_cr, conv, out + 3 * ox);
      }
    }
  }
}

}  // namespace

void yuv420_to_tile(const YuvPlanes& planes, YuvMatrix matrix, YuvRange range, TileSize tile,
                    uint8_t* rgb, const ToneMapTables* tone) {
  if (planes.width < 2 || planes.height < 2 || tile.width < 1 || tile.height < 1 ||
      tile.width > planes.width || tile.height > planes.height) {
    throw Error("YUV tile: cannot convert a " + std::to_string(planes.width) + "x" +
                std::to_string(planes.height) + " frame to a " + std::to_string(tile.width) + "x" +
                std::to_string(tile.height) + " tile");
  }
  const YuvSumsToRgb conv =
      yuv_sums_to_rgb_for(yuv_conversion(matrix, range, planes.bits == 10),
                          static_cast<double>(int64_t{planes.width} * planes.height));
  const bool planar = planes.chroma_step == 1;
  // A tile row has at most height / tile height + 1 interior rows: 16-bit sums of 8-bit
  // samples hold 257 of them.
  const bool narrow = planes.height / tile.height + 1 <= 65535 / 255;
  if (!planes.sixteen_bit && narrow) {
    planar ? convert<uint8_t, 0, 1, uint16_t>(planes, conv, tile, rgb, tone)
           : convert<uint8_t, 0, 2, uint16_t>(planes, conv, tile, rgb, tone);
  } else if (!planes.sixteen_bit) {
    planar ? convert<uint8_t, 0, 1, uint32_t>(planes, conv, tile, rgb, tone)
           : convert<uint8_t, 0, 2, uint32_t>(planes, conv, tile, rgb, tone);
  } else if (planes.shift == 0) {
    planar ? convert<uint16_t, 0, 1, uint32_t>(planes, conv, tile, rgb, tone)
           : convert<uint16_t, 0, 2, uint32_t>(planes, conv, tile, rgb, tone);
  } else {
    planar ? convert<uint16_t, 6, 1, uint32_t>(planes, conv, tile, rgb, tone)
           : convert<uint16_t, 6, 2, uint32_t>(planes, conv, tile, rgb, tone);
  }
}

YuvPlanes crop_planes(const YuvPlanes& planes, const CropRect& crop) {
  if (crop.x < 0 || crop.y < 0 || crop.x % 2 != 0 || crop.y % 2 != 0 || crop.width < 2 ||
      crop.height < 2 || crop.x + crop.width > planes.width ||
      crop.y + crop.height > planes.height) {
    throw Error("YUV tile: crop " + std::to_string(crop.width) + "x" + std::to_string(crop.height) +
                "+" + std::to_string(crop.x) + "+" + std::to_string(crop.y) + " does not fit a " +
                std::to_string(planes.width) + "x" + std::to_string(planes.height) + " frame");
  }
  const size_t bytes = planes.sixteen_bit ? 2 : 1;
  const auto advance = [](const void* plane, size_t offset) {
    return static_cast<const void*>(static_cast<const uint8_t*>(plane) + offset);
  };
  YuvPlanes p = planes;
  p.luma = advance(planes.luma, static_cast<size_t>(crop.y) * planes.luma_pitch +
                                    static_cast<size_t>(crop.x) * bytes);
  const size_t chroma_offset =
      static_cast<size_t>(crop.y / 2) * planes.chroma_pitch +
      static_cast<size_t>(crop.x / 2) * static_cast<size_t>(planes.chroma_step) * bytes;
  p.cb = advance(planes.cb, chroma_offset);
  p.cr = advance(planes.cr, chroma_offset);
  p.width = crop.width;
  p.height = crop.height;
  return p;
}

bool yuv420_planes_of(const AVFrame* frame, YuvPlanes* planes) {
  if (frame->linesize[0] < 0 || frame->linesize[1] < 0) return false;  // flipped: swscale
  YuvPlanes p;
  p.width = frame->width;
  p.height = frame->height;
  p.luma = frame->data[0];
  p.luma_pitch = static_cast<size_t>(frame->linesize[0]);
  p.chroma_pitch = static_cast<size_t>(frame->linesize[1]);
  switch (frame->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV420P10LE:
      if (frame->linesize[1] != frame->linesize[2]) return false;
      p.cb = frame->data[1];
      p.cr = frame->data[2];
      p.sixteen_bit = frame->format == AV_PIX_FMT_YUV420P10LE;
      break;
    case AV_PIX_FMT_NV12:
    case AV_PIX_FMT_P010LE:
      p.sixteen_bit = frame->format == AV_PIX_FMT_P010LE;
      p.cb = frame->data[1];
      p.cr = frame->data[1] + (p.sixteen_bit ? 2 : 1);
      p.chroma_step = 2;
      p.shift = p.sixteen_bit ? 6 : 0;
      break;
    default:
      return false;
  }
  p.bits = p.sixteen_bit ? 10 : 8;
  *planes = p;
  return true;
}

YuvMatrix yuv_matrix_of(const AVFrame* frame) {
  switch (frame_matrix(frame)) {
    case AVCOL_SPC_BT709:
      return YuvMatrix::kBt709;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return YuvMatrix::kBt2020Ncl;
    default:
      return YuvMatrix::kBt601;
  }
}

}  // namespace barcode
