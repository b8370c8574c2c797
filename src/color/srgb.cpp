// sRGB transfer functions of IEC 61966-2-1 (the exact piecewise curve, not a 2.2 power law).
#include "color/srgb.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"

namespace barcode {
double srgb_decode(double encoded) {
  return encoded <= 0.04045 ? encoded / 12.92 : std::pow((encoded + 0.055) / 1.055, 2.4);
}

double srgb_encode(double linear) {
  return linear <= 0.0031308 ? linear * 12.92 : 1.055 * std::pow(linear, 1.0 / 2.4) - 0.055;
}

namespace {

std::array<uint16_t, 256> make_linear16_table() {
  std::array<uint16_t, 256> table{};
  for (int code = 0; code < 256; ++code) {
    table[code] = static_cast<uint16_t>(std::lround(srgb_decode(code / 255.0) * 65535.0));
  }
  return table;
}

}  // namespace

const std::array<uint16_t, 256>& srgb_to_linear16() {
  static const std::array<uint16_t, 256> table = make_linear16_table();
  return table;
}

uint8_t linear_to_srgb8(double linear) {
  if (!(linear > 0.0)) return 0;  // also maps NaN to black
  if (linear >= 1.0) return 255;
  const long code = std::lround(srgb_encode(linear) * 255.0);
  return static_cast<uint8_t>(std::clamp(code, 0L, 255L));
}

std::array<uint8_t, 3> mean_color_linear(const uint8_t* rgb, int64_t n) {
  if (n < 1 || rgb == nullptr) {
    throw Error("mean_color_linear: needs at least 1 pixel (got " + std::to_string(n) + ")");
  }
  // Integer sums: exact, so any summation order (CPU or GPU) gives the same mean.
  const auto& lut = srgb_to_linear16();
  uint64_t sum[3] = {0, 0, 0};
  for (int64_t i = 0; i < n; ++i) {
    sum[0] += lut[rgb[3 * i]];
    sum[1] += lut[rgb[3 * i + 1]];
    sum[2] += lut[rgb[3 * i + 2]];
  }
  const double scale = static_cast<double>(n) * 65535.0;
  return {linear_to_srgb8(static_cast<double>(sum[0]) / scale),
          linear_to_srgb8(static_cast<double>(sum[1]) / scale),
          linear_to_srgb8(static_cast<double>(sum[2]) / scale)};
}

}  // namespace barcode
