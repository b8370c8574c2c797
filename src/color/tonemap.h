// HDR (PQ or HLG, BT.2020) to SDR (BT.709) for tiles: one static curve, the EETF of ITU-R
// BT.2390, decided once per run and evaluated by the CPU tile converter and the GPU kernel
// through the same tables and the same arithmetic, so both give the same tile bit for bit.
//
// Why BT.2390's EETF: it is the curve the ITU publishes for showing a PQ master on a display of
// lower peak, it leaves everything below its knee exactly as mastered (so skin, grey walls and
// the other mid-tones a barcode is made of keep their SDR colour), rolls off only the highlights
// above it, and has one parameter that metadata supplies (the source peak). BT.2446 method A is
// made for converting whole broadcast programmes and moves mid-tones too (its reference white
// goes to 67 % of SDR), so a film's colours would shift.
//
// The steps, on each tile pixel's averaged R'G'B' (BT.2020 matrix, like every tile averaged in
// the signal domain first):
//  1. signal to display light in cd/m2: PQ by its EOTF (SMPTE ST 2084); HLG by its inverse OETF
//     and the BT.2100 OOTF for a 1000 cd/m2 display (gamma 1.2), applied per component as
//     BT.2390 allows for the EETF (exact on neutral colours);
//  2. the EETF in the PQ domain from the source peak Lw to the SDR peak of 100 cd/m2 (identity
//     when Lw <= 100), divided by 100;
//  3. BT.2020 to BT.709 primaries (linear 3x3), clipped to 0..1;
//  4. to 8-bit R'G'B' by the inverse of BT.1886 (gamma 2.4), the codes an SDR master carries.
// Steps 1-2 are one table per run (signal 0..1 -> SDR light, linearly interpolated, built on the
// host and uploaded as is), step 4 a table of code thresholds: no pow() at conversion time, so
// the host and the device cannot round differently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/host_device.h"

namespace barcode {

enum class HdrTransfer { kNone, kPq, kHlg };

// What a run's tone mapping is made from; recorded in the HDF5 attributes.
struct ToneMapParams {
  HdrTransfer transfer = HdrTransfer::kNone;
  double source_peak = 1000.0;  // Lw, cd/m2: MaxCLL, else mastering display max, else 1000
  std::string source_peak_from = "default";
  double target_peak = 100.0;  // cd/m2 of SDR white
  // Metadata as found (0: absent).
  double mastering_max = 0.0, mastering_min = 0.0;  // cd/m2
  int max_cll = 0, max_fall = 0;                    // cd/m2
  bool active() const { return transfer != HdrTransfer::kNone; }
};

// Intervals of the signal table (kToneIntervals + 1 entries over signal 0..1).
constexpr int kToneIntervals = 1 << 14;

// The tables the conversion reads: plain arrays with the same bytes on the host and the device.
struct ToneMapTables {
  const double* light = nullptr;      // kToneIntervals + 1: signal -> SDR light after the EETF
  const double* threshold = nullptr;  // 255: least linear BT.709 light of codes 1..255
  double to709[9] = {};               // BT.2020 -> BT.709, row major
};

// Signal (0..1, clamped) to tone-mapped light by the table, linearly interpolated.
BARCODE_HOST_DEVICE inline double tone_light(const double* light, double signal) {
  if (!(signal > 0.0)) signal = 0.0;
  if (signal > 1.0) signal = 1.0;
  const double at = signal * kToneIntervals;
  int i = static_cast<int>(at);
  if (i >= kToneIntervals) i = kToneIntervals - 1;
  const double f = at - i;
  return light[i] + (light[i + 1] - light[i]) * f;
}

// Linear light (0..1) to the 8-bit code whose interval holds it: a search of the thresholds.
BARCODE_HOST_DEVICE inline uint8_t tone_code(const double* threshold, double linear) {
  int lo = 0, hi = 255;  // the code is the number of thresholds <= linear
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (threshold[mid - 1] <= linear) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return static_cast<uint8_t>(lo);
}

// One pixel's R'G'B' signal (BT.2020, 0..1) to SDR BT.709 codes. Compiled without fused
// multiply-add on both sides (-ffp-contract=off, --fmad=false).
BARCODE_HOST_DEVICE inline void tone_map_pixel(double r, double g, double b, const ToneMapTables& t,
                                               uint8_t* out) {
  const double lr = tone_light(t.light, r);
  const double lg = tone_light(t.light, g);
  const double lb = tone_light(t.light, b);
  for (int c = 0; c < 3; ++c) {
    const double v = t.to709[3 * c] * lr + t.to709[3 * c + 1] * lg + t.to709[3 * c + 2] * lb;
    out[c] = tone_code(t.threshold, v);
  }
}

// The host's copy of a run's tables.
class ToneMap {
 public:
  explicit ToneMap(const ToneMapParams& params);
  const ToneMapParams& params() const { return params_; }
  // Pointers into this object: valid while it lives.
  ToneMapTables tables() const;
  const std::vector<double>& light() const { return light_; }
  const std::vector<double>& threshold() const { return threshold_; }

 private:
  ToneMapParams params_;
  std::vector<double> light_;
  std::vector<double> threshold_;
  double to709_[9] = {};
};

// The curves themselves (host only), for the tables and for tests.
double pq_to_nits(double signal);   // SMPTE ST 2084 EOTF
double nits_to_pq(double nits);     // its inverse
double hlg_to_nits(double signal);  // inverse OETF, then the OOTF of a 1000 cd/m2 display
// BT.2390 EETF from source peak `lw` to target peak `lmax` (cd/m2, black 0), on cd/m2.
double bt2390_eetf(double nits, double lw, double lmax);

// "BT.2390 EETF, PQ, Lw 1000 cd/m2 (default), target 100 cd/m2, ..." for the attributes.
std::string tone_map_description(const ToneMapParams& params);
const char* hdr_transfer_name(HdrTransfer transfer);

}  // namespace barcode
