#include "video/yuv_tile.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace barcode {
namespace {

// Coverage of tile column (or row) `out` by source cells, in units of 1/(tile size) source
// pixel, so that the tile column spans `size` units: a luma cell is the tile size wide, a chroma
// cell twice that (two luma pixels; the last one
// of an odd-sized plane is cut by the picture's edge, which `b1` never passes). Cells
// [first, end), the first weighing `w_first`, the last `w_last` (when end - first >= 2), those
// between `w_inner` (the whole cell) each. The weights of a tile column add up to the size.
struct TileSpan {
  int first = 0, end = 0;
  int64_t w_first = 0, w_last = 0, w_inner = 0;
};

TileSpan span_of(int out, int size, int64_t cell) {
  const int64_t b0 = int64_t{out} * size, b1 = int64_t{out + 1} * size;
  TileSpan s;
  s.first = static_cast<int>(b0 / cell);
  s.end = static_cast<int>((b1 + cell - 1) / cell);
  s.w_first = std::min(int64_t{s.first + 1} * cell, b1) - b0;
  s.w_last = b1 - std::max(int64_t{s.end - 1} * cell, b0);
  s.w_inner = cell;
  return s;
}

// The spans of every tile column and row, for luma and for chroma cells, and for the columns
// whether they are uniform: each the same number of whole cells, all weighing w_inner (when the
// cell size divides the width). luma_uniform / chroma_uniform: that number, else 0.
struct TileSpanTables {
  std::vector<TileSpan> luma_columns, chroma_columns, luma_rows, chroma_rows;
  int luma_uniform = 0, chroma_uniform = 0;
  TileSpanTables(int width, int height, TileSize tile) {
    const int64_t luma_cell = tile.width, chroma_cell = 2 * int64_t{tile.width};
    if (width % luma_cell == 0) luma_uniform = static_cast<int>(width / luma_cell);
    if (width % chroma_cell == 0) chroma_uniform = static_cast<int>(width / chroma_cell);
    for (int ox = 0; ox < tile.width; ++ox) {
      luma_columns.push_back(span_of(ox, width, tile.width));
      chroma_columns.push_back(span_of(ox, width, 2 * int64_t{tile.width}));
    }
    for (int oy = 0; oy < tile.height; ++oy) {
      luma_rows.push_back(span_of(oy, height, tile.height));
      chroma_rows.push_back(span_of(oy, height, 2 * int64_t{tile.height}));
    }
  }
};

namespace plain {

void sdr_row(const uint64_t* sum_y, const uint64_t* sum_cb, const uint64_t* sum_cr, size_t count,
             const YuvSumsToRgb& conv, uint8_t* out) {
  for (size_t ox = 0; ox < count; ++ox) {
    yuv_sums_to_rgb(sum_y[ox], sum_cb[ox], sum_cr[ox], conv, out + 3 * ox);
  }
}

#include "video/yuv_tile_passes.h"
}  // namespace plain

// The same passes for processors with AVX2: twice the lanes, and the 32-bit multiplies of
// finish_rows that SSE2 lacks. Not where the compiler has no such pragma.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BARCODE_YUV_TILE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
namespace avx2 {

// Sums below 2^52 as doubles, exactly: the integer in the mantissa of 2^52, less 2^52. A sum is
// at most the largest sample (1023) times the frame's area, below 2^52 for any frame of less
// than 2^42 pixels (yuv420_to_tile takes the plain code for larger ones).
inline __m256d exact_double(const uint64_t* v) {
  const __m256i bits = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v)),
                                       _mm256_set1_epi64x(0x4330000000000000));
  return _mm256_sub_pd(_mm256_castsi256_pd(bits), _mm256_set1_pd(0x1p52));
}

// unit_to_code for 4 values: 0 unless v * 255 > 0, 255 from 255 up, else the nearest code with
// ties to even (the rounding of nearbyint in the default mode).
inline __m256i codes(__m256d v) {
  const __m256d scaled = _mm256_mul_pd(v, _mm256_set1_pd(255.0));
  const __m256d rounded = _mm256_round_pd(scaled, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d positive = _mm256_cmp_pd(scaled, _mm256_setzero_pd(), _CMP_GT_OQ);
  const __m256d top = _mm256_cmp_pd(scaled, _mm256_set1_pd(255.0), _CMP_GE_OQ);
  __m256d code = _mm256_and_pd(rounded, positive);  // NaN or <= 0: 0
  code = _mm256_blendv_pd(code, _mm256_set1_pd(255.0), top);
  return _mm256_castsi128_si256(_mm256_cvtpd_epi32(code));
}

// yuv_sums_to_signal and unit_to_code four pixels at a time, each lane the same double
// operations in the same order (no fused multiply-add: the file is built with -ffp-contract=off
// and this target has none), then the scalar code for the rest.
void sdr_row(const uint64_t* sum_y, const uint64_t* sum_cb, const uint64_t* sum_cr, size_t count,
             const YuvSumsToRgb& t, uint8_t* out) {
  size_t ox = 0;
  for (; ox + 4 <= count; ox += 4) {
    const __m256d yn = _mm256_sub_pd(
        _mm256_mul_pd(exact_double(sum_y + ox), _mm256_set1_pd(t.y_mul)), _mm256_set1_pd(t.y_add));
    const __m256d cb = _mm256_sub_pd(
        _mm256_mul_pd(exact_double(sum_cb + ox), _mm256_set1_pd(t.c_mul)), _mm256_set1_pd(t.c_add));
    const __m256d cr = _mm256_sub_pd(
        _mm256_mul_pd(exact_double(sum_cr + ox), _mm256_set1_pd(t.c_mul)), _mm256_set1_pd(t.c_add));
    const __m256d r = _mm256_add_pd(yn, _mm256_mul_pd(_mm256_set1_pd(t.r_cr), cr));
    const __m256d b = _mm256_add_pd(yn, _mm256_mul_pd(_mm256_set1_pd(t.b_cb), cb));
    const __m256d g =
        _mm256_mul_pd(_mm256_sub_pd(_mm256_sub_pd(yn, _mm256_mul_pd(_mm256_set1_pd(t.kr), r)),
                                    _mm256_mul_pd(_mm256_set1_pd(t.kb), b)),
                      _mm256_set1_pd(t.g_mul));
    alignas(32) int32_t lanes[3][8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[0]), codes(r));
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[1]), codes(g));
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[2]), codes(b));
    for (size_t l = 0; l < 4; ++l) {
      for (size_t c = 0; c < 3; ++c) out[3 * (ox + l) + c] = static_cast<uint8_t>(lanes[c][l]);
    }
  }
  for (; ox < count; ++ox) yuv_sums_to_rgb(sum_y[ox], sum_cb[ox], sum_cr[ox], t, out + 3 * ox);
}

#include "video/yuv_tile_passes.h"
}  // namespace avx2
#pragma GCC pop_options
#else
#define BARCODE_YUV_TILE_AVX2 0
#endif

}  // namespace

bool yuv_tile_avx2_supported() {
#if BARCODE_YUV_TILE_AVX2
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return supported;
#else
  return false;
#endif
}

void yuv420_to_tile(const YuvPlanes& planes, YuvMatrix matrix, YuvRange range, TileSize tile,
                    uint8_t* rgb, const ToneMapTables* tone, YuvTileCode code) {
  if (planes.width < 2 || planes.height < 2 || tile.width < 1 || tile.height < 1) {
    throw Error("YUV tile: cannot convert a " + std::to_string(planes.width) + "x" +
                std::to_string(planes.height) + " frame to a " + std::to_string(tile.width) + "x" +
                std::to_string(tile.height) + " tile");
  }
  if (code == YuvTileCode::kAvx2 && !yuv_tile_avx2_supported()) {
    throw Error("YUV tile: the AVX2 code needs a processor with AVX2");
  }
  const YuvSumsToRgb conv =
      yuv_sums_to_rgb_for(yuv_conversion(matrix, range, planes.bits == 10),
                          static_cast<double>(int64_t{planes.width} * planes.height));
  const TileSpanTables spans(planes.width, planes.height, tile);
  // A tile row has at most height / tile height + 1 interior rows (chroma: fewer): 16-bit sums
  // of 8-bit samples hold 257 of them.
  const bool narrow = planes.height / tile.height + 1 <= 65535 / 255;
#if BARCODE_YUV_TILE_AVX2
  const bool sums_fit_52_bits = static_cast<double>(planes.width) * planes.height < 0x1p42;
  if (code != YuvTileCode::kPlain && yuv_tile_avx2_supported() && sums_fit_52_bits) {
    avx2::convert_any(planes, conv, tile, spans, narrow, rgb, tone);
    return;
  }
#endif
  plain::convert_any(planes, conv, tile, spans, narrow, rgb, tone);
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
  return yuv420_planes_in(frame->format, frame, planes);
}

bool yuv420_planes_in(int layout, const AVFrame* frame, YuvPlanes* planes) {
  if (frame->linesize[0] < 0 || frame->linesize[1] < 0) return false;  // flipped: swscale
  YuvPlanes p;
  p.width = frame->width;
  p.height = frame->height;
  p.luma = frame->data[0];
  p.luma_pitch = static_cast<size_t>(frame->linesize[0]);
  p.chroma_pitch = static_cast<size_t>(frame->linesize[1]);
  switch (layout) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV420P10LE:
      if (frame->linesize[1] != frame->linesize[2]) return false;
      p.cb = frame->data[1];
      p.cr = frame->data[2];
      p.sixteen_bit = layout == AV_PIX_FMT_YUV420P10LE;
      break;
    case AV_PIX_FMT_NV12:
    case AV_PIX_FMT_P010LE:
      p.sixteen_bit = layout == AV_PIX_FMT_P010LE;
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
