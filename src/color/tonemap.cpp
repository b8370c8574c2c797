#include "color/tonemap.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace barcode {
namespace {

// SMPTE ST 2084 constants.
constexpr double kM1 = 2610.0 / 16384.0;
constexpr double kM2 = 2523.0 / 4096.0 * 128.0;
constexpr double kC1 = 3424.0 / 4096.0;
constexpr double kC2 = 2413.0 / 4096.0 * 32.0;
constexpr double kC3 = 2392.0 / 4096.0 * 32.0;

// ARIB STD-B67 (HLG) constants, and the BT.2100 reference display.
constexpr double kHlgA = 0.17883277;
constexpr double kHlgB = 1.0 - 4.0 * kHlgA;
const double kHlgC = 0.5 - kHlgA * std::log(4.0 * kHlgA);
constexpr double kHlgPeak = 1000.0;  // cd/m2 of the nominal HLG display
constexpr double kHlgGamma = 1.2;    // its system gamma

// BT.1886 with a black level of 0: code = L^(1/2.4).
constexpr double kSdrGamma = 2.4;

using Matrix = std::array<double, 9>;

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix m{};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      for (int k = 0; k < 3; ++k)
        m[size_t(3 * r + c)] += a[size_t(3 * r + k)] * b[size_t(3 * k + c)];
    }
  }
  return m;
}

Matrix invert(const Matrix& m) {
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  Matrix inv = {m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
  for (double& v : inv) v /= det;
  return inv;
}

// RGB -> XYZ of primaries (x, y of red, green, blue) with the D65 white point.
Matrix rgb_to_xyz(const double (&xy)[6]) {
  Matrix p{};
  for (int c = 0; c < 3; ++c) {
    const double x = xy[2 * c], y = xy[2 * c + 1];
    p[size_t(c)] = x / y;
    p[size_t(3 + c)] = 1.0;
    p[size_t(6 + c)] = (1.0 - x - y) / y;
  }
  const double wx = 0.3127, wy = 0.3290;
  const double white[3] = {wx / wy, 1.0, (1.0 - wx - wy) / wy};
  const Matrix inv = invert(p);
  double s[3];
  for (int r = 0; r < 3; ++r) {
    s[r] = inv[size_t(3 * r)] * white[0] + inv[size_t(3 * r + 1)] * white[1] +
           inv[size_t(3 * r + 2)] * white[2];
  }
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) p[size_t(3 * r + c)] *= s[c];
  }
  return p;
}

}  // namespace

double pq_to_nits(double signal) {
  const double e = std::pow(std::clamp(signal, 0.0, 1.0), 1.0 / kM2);
  return 10000.0 * std::pow(std::max(e - kC1, 0.0) / (kC2 - kC3 * e), 1.0 / kM1);
}

double nits_to_pq(double nits) {
  const double y = std::pow(std::clamp(nits / 10000.0, 0.0, 1.0), kM1);
  return std::pow((kC1 + kC2 * y) / (1.0 + kC3 * y), kM2);
}

double hlg_to_nits(double signal) {
  const double e = std::clamp(signal, 0.0, 1.0);
  const double scene = e <= 0.5 ? e * e / 3.0 : (std::exp((e - kHlgC) / kHlgA) + kHlgB) / 12.0;
  return kHlgPeak * std::pow(scene, kHlgGamma);
}

double bt2390_eetf(double nits, double lw, double lmax) {
  // In the PQ domain, normalised so that the source's black (0) and peak are 0 and 1.
  const double source = nits_to_pq(lw);
  const double e1 = std::min(nits_to_pq(nits) / source, 1.0);
  const double max_lum = nits_to_pq(lmax) / source;
  if (max_lum >= 1.0) return nits;        // the target shows all of the source
  const double ks = 1.5 * max_lum - 0.5;  // the knee: below it nothing changes
  double e2 = e1;
  if (e1 > ks) {
    const double t = (e1 - ks) / (1.0 - ks);
    const double t2 = t * t, t3 = t2 * t;
    e2 = (2 * t3 - 3 * t2 + 1) * ks + (t3 - 2 * t2 + t) * (1.0 - ks) + (-2 * t3 + 3 * t2) * max_lum;
  }
  return pq_to_nits(e2 * source);  // black stays 0: BT.2390's black lift is zero here
}

ToneMap::ToneMap(const ToneMapParams& params)
    : params_(params), light_(static_cast<size_t>(kToneIntervals) + 1), threshold_(255) {
  const double lw = params.source_peak, lmax = params.target_peak;
  for (int i = 0; i <= kToneIntervals; ++i) {
    const double signal = static_cast<double>(i) / kToneIntervals;
    const double nits =
        params.transfer == HdrTransfer::kHlg ? hlg_to_nits(signal) : pq_to_nits(signal);
    light_[size_t(i)] = bt2390_eetf(nits, lw, lmax) / lmax;
  }
  for (int code = 1; code <= 255; ++code) {
    threshold_[size_t(code - 1)] = std::pow((code - 0.5) / 255.0, kSdrGamma);
  }
  const double bt2020[6] = {0.708, 0.292, 0.170, 0.797, 0.131, 0.046};
  const double bt709[6] = {0.640, 0.330, 0.300, 0.600, 0.150, 0.060};
  const Matrix m = multiply(invert(rgb_to_xyz(bt709)), rgb_to_xyz(bt2020));
  std::copy(m.begin(), m.end(), to709_);
}

ToneMapTables ToneMap::tables() const {
  ToneMapTables t;
  t.light = light_.data();
  t.threshold = threshold_.data();
  std::copy(std::begin(to709_), std::end(to709_), t.to709);
  return t;
}

const char* hdr_transfer_name(HdrTransfer transfer) {
  switch (transfer) {
    case HdrTransfer::kPq:
      return "PQ";
    case HdrTransfer::kHlg:
      return "HLG";
    case HdrTransfer::kNone:
      break;
  }
  return "none";
}

std::string tone_map_description(const ToneMapParams& p) {
  if (!p.active()) return "none";
  char text[512];
  std::snprintf(text, sizeof text,
                "BT.2390 EETF per R'G'B' component in the PQ domain; %s input%s; source peak "
                "Lw %g cd/m2 (%s); target peak %g cd/m2; BT.2020 -> BT.709 primaries, clipped; "
                "BT.1886 gamma 2.4 output",
                hdr_transfer_name(p.transfer),
                p.transfer == HdrTransfer::kHlg ? " (inverse OETF, OOTF of a 1000 cd/m2 display, "
                                                  "gamma 1.2, per component)"
                                                : " (ST 2084 EOTF)",
                p.source_peak, p.source_peak_from.c_str(), p.target_peak);
  return text;
}

}  // namespace barcode
