#include "color/lab8.h"

#include <algorithm>
#include <cmath>

#include "color/srgb.h"

namespace barcode {

double lab_curve(double t) {
  constexpr double d = 6.0 / 29.0;
  return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

const std::vector<int32_t>& lab_curve_table() {
  static const std::vector<int32_t> table = [] {
    std::vector<int32_t> t(65536);
    for (size_t i = 0; i < t.size(); ++i) {
      t[i] = static_cast<int32_t>(
          std::lround(lab_curve(static_cast<double>(i) / 65535.0) * (1 << kLabCurveShift)));
    }
    return t;
  }();
  return table;
}

void lab8_from_srgb8(const uint8_t* rgb, int64_t n, uint8_t* lab) {
  const uint16_t* linear = srgb_to_linear16().data();
  const int32_t* curve = lab_curve_table().data();
  for (int64_t i = 0; i < n; ++i) lab8_from_srgb8(rgb + 3 * i, lab + 3 * i, linear, curve);
}

std::array<float, 3> srgb_from_lab8(const float* lab) {
  const double l = lab[0] / kLabScale;
  const double a = lab[1] / kLabScale - kLabOffsetA;
  const double b = lab[2] / kLabScale - kLabOffsetB;
  const double fy = (l + 16.0) / 116.0;
  const double fx = fy + a / 500.0;
  const double fz = fy - b / 200.0;
  auto inverse = [](double f) {
    constexpr double d = 6.0 / 29.0;
    return f > d ? f * f * f : 3 * d * d * (f - 4.0 / 29.0);
  };
  // XYZ (D65) and then linear sRGB, the inverse of the matrix lab8_from_srgb8 uses.
  const double x = 0.95047 * inverse(fx), y = inverse(fy), z = 1.08883 * inverse(fz);
  const double linear[3] = {3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
                            -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
                            0.0556434 * x - 0.2040259 * y + 1.0572252 * z};
  std::array<float, 3> rgb{};
  for (int c = 0; c < 3; ++c) {
    rgb[c] = static_cast<float>(srgb_encode(std::clamp(linear[c], 0.0, 1.0)) * 255.0);
  }
  return rgb;
}

}  // namespace barcode
