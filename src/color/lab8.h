// CIELAB (D65) in 8 bits per channel, for `--space lab`: the k-means clusters these codes
// exactly as it clusters 8-bit sRGB, so the CPU reference and the GPU kernel stay bit-identical.
//
// Encoding: code0 = 1.2 L, code1 = 1.2 (a + 88), code2 = 1.2 (b + 110), rounded and clamped to
// 0..255. One scale on every channel keeps Euclidean distances proportional to ΔE*ab (a code
// step is 0.83 ΔE), and the offsets hold the whole sRGB gamut (a in -86..98, b in -108..95).
//
// The forward conversion is integer arithmetic on two tables made once on the host (linear light
// of each sRGB code, and the CIELAB f(t) curve), so the host and the device compute the same
// codes. The way back (centroids to sRGB) runs on the host only, in double.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "base/host_device.h"

namespace barcode {

constexpr double kLabScale = 1.2;  // codes per CIELAB unit
constexpr double kLabOffsetA = 88.0;
constexpr double kLabOffsetB = 110.0;

// f(t) of CIELAB for t = i / 65535, scaled by 2^20 and rounded, i = 0..65535.
constexpr int kLabCurveShift = 20;
const std::vector<int32_t>& lab_curve_table();

// One sRGB pixel to its Lab8 codes. `linear`: barcode::srgb_to_linear16(); `curve`:
// lab_curve_table().
BARCODE_HOST_DEVICE inline void lab8_from_srgb8(const uint8_t* rgb, uint8_t* lab,
                                                const uint16_t* linear, const int32_t* curve) {
  // Linear sRGB to XYZ relative to the D65 white, rows scaled to sum to exactly 2^16: white
  // maps to 65535 on every axis.
  const uint64_t r = linear[rgb[0]], g = linear[rgb[1]], b = linear[rgb[2]];
  const auto x = static_cast<uint32_t>((28439 * r + 24656 * g + 12441 * b + 32768) >> 16);
  const auto y = static_cast<uint32_t>((13938 * r + 46868 * g + 4730 * b + 32768) >> 16);
  const auto z = static_cast<uint32_t>((1164 * r + 7174 * g + 57198 * b + 32768) >> 16);
  const int64_t fx = curve[x], fy = curve[y], fz = curve[z];
  // L, a, b in units of 2^-20, then code = round(1.2 * (value + offset)) = (6 v + 2.5 u) / 5u.
  constexpr int64_t unit = int64_t{1} << kLabCurveShift;
  const int64_t values[3] = {116 * fy - 16 * unit, 500 * (fx - fy) + 88 * unit,
                             200 * (fy - fz) + 110 * unit};
  for (int c = 0; c < 3; ++c) {
    const int64_t scaled = 6 * values[c] + 5 * (unit / 2);
    const int64_t code = scaled <= 0 ? 0 : scaled / (5 * unit);
    lab[c] = static_cast<uint8_t>(code > 255 ? 255 : code);
  }
}

// Converts n interleaved sRGB pixels to Lab8 codes on the host.
void lab8_from_srgb8(const uint8_t* rgb, int64_t n, uint8_t* lab);

// Lab8 codes (as a float centroid) back to sRGB in 0..255, clamped to the gamut.
std::array<float, 3> srgb_from_lab8(const float* lab);

// The CIELAB curve f(t) (cube root above (6/29)^3, linear below), in double.
double lab_curve(double t);

}  // namespace barcode
