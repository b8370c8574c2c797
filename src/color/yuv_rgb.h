// Y'CbCr 4:2:0 -> R'G'B' for tiles: the colour matrix and range, and the conversion of a tile
// pixel's area-weighted Y, Cb and Cr sums to 8-bit sRGB codes. Shared by the CPU tile converter
// (src/video/yuv_tile.*) and the GPU kernel (kernels/nv12_tile.cu), so that a frame gives the
// same tile whether software or NVDEC decoded it.
#pragma once

#include <cmath>
#include <cstdint>

#include "base/host_device.h"
#include "color/tonemap.h"

namespace barcode {

enum class YuvMatrix { kBt601, kBt709, kBt2020Ncl };
enum class YuvRange { kLimited, kFull };

// The affine conversion with code values mapped to 0..1 (Y) and -0.5..0.5 (Cb, Cr).
struct YuvConversion {
  double kr = 0, kb = 0;             // luma weights of red and blue
  double y_offset = 0, y_scale = 1;  // y' = (Y - y_offset) / y_scale
  double c_offset = 0, c_scale = 1;  // c' = (C - c_offset) / c_scale
};

// `ten_bit`: code values of 0..1023 (else 0..255).
inline YuvConversion yuv_conversion(YuvMatrix matrix, YuvRange range, bool ten_bit) {
  YuvConversion c;
  switch (matrix) {
    case YuvMatrix::kBt601:
      c.kr = 0.299, c.kb = 0.114;
      break;
    case YuvMatrix::kBt709:
      c.kr = 0.2126, c.kb = 0.0722;
      break;
    case YuvMatrix::kBt2020Ncl:
      c.kr = 0.2627, c.kb = 0.0593;
      break;
  }
  const double step = ten_bit ? 4.0 : 1.0;  // one 8-bit code in the surface's code values
  if (range == YuvRange::kLimited) {
    c.y_offset = 16.0 * step, c.y_scale = 219.0 * step;
    c.c_offset = 128.0 * step, c.c_scale = 224.0 * step;
  } else {
    const double max_code = ten_bit ? 1023.0 : 255.0;
    c.y_offset = 0.0, c.y_scale = max_code;
    c.c_offset = 128.0 * step, c.c_scale = max_code;
  }
  return c;
}

// A value in 0..1 to the nearest 8-bit code, ties to even, clamped.
BARCODE_HOST_DEVICE inline uint8_t unit_to_code(double v) {
  const double scaled = v * 255.0;
  if (!(scaled > 0.0)) return 0;
  if (scaled >= 255.0) return 255;
#ifdef __CUDA_ARCH__
  return static_cast<uint8_t>(__double2int_rn(scaled));
#else
  return static_cast<uint8_t>(std::nearbyint(scaled));  // the default mode rounds ties to even
#endif
}

// The conversion of area-weighted sums (each value weighted by the area of it a tile pixel covers;
// `area`: a tile pixel's whole area in those units) as multipliers, made once per frame on the
// host and handed to the kernel, so that both evaluate the same constants.
struct YuvSumsToRgb {
  double y_mul = 0, y_add = 0;       // y' = sum_y * y_mul - y_add
  double c_mul = 0, c_add = 0;       // c' = sum_c * c_mul - c_add
  double r_cr = 0, b_cb = 0;         // r' = y' + r_cr * cr', b' = y' + b_cb * cb'
  double kr = 0, kb = 0, g_mul = 0;  // g' = (y' - kr r' - kb b') * g_mul
};

inline YuvSumsToRgb yuv_sums_to_rgb_for(const YuvConversion& conv, double area) {
  YuvSumsToRgb t;
  t.y_mul = 1.0 / (area * conv.y_scale);
  t.y_add = conv.y_offset / conv.y_scale;
  t.c_mul = 1.0 / (area * conv.c_scale);
  t.c_add = conv.c_offset / conv.c_scale;
  t.r_cr = 2.0 * (1.0 - conv.kr);
  t.b_cb = 2.0 * (1.0 - conv.kb);
  t.kr = conv.kr;
  t.kb = conv.kb;
  t.g_mul = 1.0 / (1.0 - conv.kr - conv.kb);
  return t;
}

// A tile pixel from its Y, Cb, Cr sums: averages first, then one conversion, as swscale does.
// Callers compile it without fused multiply-add (host: -ffp-contract=off; device: --fmad=false),
// so both round alike.
BARCODE_HOST_DEVICE inline void yuv_sums_to_signal(uint64_t sum_y, uint64_t sum_cb, uint64_t sum_cr,
                                                   const YuvSumsToRgb& t, double* rgb) {
  const double yn = static_cast<double>(sum_y) * t.y_mul - t.y_add;
  const double cb = static_cast<double>(sum_cb) * t.c_mul - t.c_add;
  const double cr = static_cast<double>(sum_cr) * t.c_mul - t.c_add;
  const double r = yn + t.r_cr * cr;
  const double b = yn + t.b_cb * cb;
  rgb[0] = r;
  rgb[1] = (yn - t.kr * r - t.kb * b) * t.g_mul;
  rgb[2] = b;
}

// SDR: the R'G'B' signal is the sRGB code.
BARCODE_HOST_DEVICE inline void yuv_sums_to_rgb(uint64_t sum_y, uint64_t sum_cb, uint64_t sum_cr,
                                                const YuvSumsToRgb& t, uint8_t* out) {
  double rgb[3];
  yuv_sums_to_signal(sum_y, sum_cb, sum_cr, t, rgb);
  out[0] = unit_to_code(rgb[0]);
  out[1] = unit_to_code(rgb[1]);
  out[2] = unit_to_code(rgb[2]);
}

// HDR (PQ or HLG): the R'G'B' signal tone-mapped to SDR BT.709 codes (color/tonemap.h).
BARCODE_HOST_DEVICE inline void yuv_sums_to_rgb(uint64_t sum_y, uint64_t sum_cb, uint64_t sum_cr,
                                                const YuvSumsToRgb& t, const ToneMapTables& tone,
                                                uint8_t* out) {
  double rgb[3];
  yuv_sums_to_signal(sum_y, sum_cb, sum_cr, t, rgb);
  tone_map_pixel(rgb[0], rgb[1], rgb[2], tone, out);
}

}  // namespace barcode
