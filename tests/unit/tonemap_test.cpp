// HDR to SDR: the published curves (ST 2084, HLG, BT.2390's EETF) at known points, the shape of
// the EETF, and the CPU tile conversion of flat HDR frames to the SDR codes of their light.
#include "color/tonemap.h"

#include <gtest/gtest.h>

#include <cmath>

#include "yuv_test_frames.h"

namespace barcode {
namespace {

TEST(Curves, PqAndHlgAtKnownPoints) {
  EXPECT_NEAR(pq_to_nits(1.0), 10000.0, 1e-6);
  EXPECT_NEAR(pq_to_nits(0.0), 0.0, 1e-9);
  EXPECT_NEAR(nits_to_pq(100.0), 0.5081, 1e-4);   // SDR white in PQ
  EXPECT_NEAR(nits_to_pq(1000.0), 0.7518, 1e-4);  // a common grading peak
  for (double nits : {0.01, 1.0, 48.0, 100.0, 203.0, 4000.0}) {
    EXPECT_NEAR(pq_to_nits(nits_to_pq(nits)), nits, nits * 1e-9);
  }
  EXPECT_NEAR(hlg_to_nits(1.0), 1000.0, 1e-4);  // a, b, c are published to 8 digits
  EXPECT_NEAR(hlg_to_nits(0.5), 1000.0 * std::pow(1.0 / 12.0, 1.2), 1e-9);   // the segments meet
  EXPECT_NEAR(hlg_to_nits(0.75), 1000.0 * std::pow(0.26496256, 1.2), 1e-3);  // 75 % HLG: ~203
}

TEST(Eetf, IdentityBelowTheKneeRollsOffAboveAndReachesTheTargetPeak) {
  const double lw = 1000.0, lmax = 100.0;
  for (double nits : {0.0, 0.5, 5.0, 15.0}) EXPECT_NEAR(bt2390_eetf(nits, lw, lmax), nits, 1e-9);
  EXPECT_LT(bt2390_eetf(60.0, lw, lmax), 60.0);
  EXPECT_NEAR(bt2390_eetf(lw, lw, lmax), lmax, 1e-6);
  EXPECT_NEAR(bt2390_eetf(4 * lw, lw, lmax), lmax, 1e-6);  // above the stated peak: clipped
  double last = -1;
  for (int i = 0; i <= 1000; ++i) {
    const double out = bt2390_eetf(i * 1.0, lw, lmax);
    EXPECT_GE(out, last);
    last = out;
  }
  // A source that does not exceed the target is shown as it is.
  EXPECT_DOUBLE_EQ(bt2390_eetf(73.0, 100.0, 100.0), 73.0);
}

TEST(ToneMapTables, WhiteStaysWhiteAndGreysKeepTheirLight) {
  ToneMapParams p;
  p.transfer = HdrTransfer::kPq;
  p.source_peak = 100.0;
  const ToneMap tone(p);
  const ToneMapTables t = tone.tables();
  uint8_t out[3];
  const double white = nits_to_pq(100.0);
  tone_map_pixel(white, white, white, t, out);
  EXPECT_EQ(out[0], 255);
  EXPECT_EQ(out[1], 255);
  EXPECT_EQ(out[2], 255);
  const double grey = nits_to_pq(50.0);  // half of SDR white: code 255 * 0.5^(1/2.4) = 191.0
  tone_map_pixel(grey, grey, grey, t, out);
  for (uint8_t v : out) EXPECT_NEAR(v, 191, 1);
  tone_map_pixel(0.0, 0.0, 0.0, t, out);
  EXPECT_EQ(out[0], 0);
  // Pure BT.2020 green is outside BT.709: red and blue clip to 0, green to full.
  tone_map_pixel(0.0, white, 0.0, t, out);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 255);
  EXPECT_EQ(out[2], 0);
}

// A flat P010 frame of PQ (or HLG) grey converted by the CPU tile converter: every tile pixel is
// the SDR code of that grey's light.
TEST(ToneMapTiles, FlatHdrGreyBecomesItsSdrCode) {
  for (const HdrTransfer transfer : {HdrTransfer::kPq, HdrTransfer::kHlg}) {
    ToneMapParams p;
    p.transfer = transfer;
    p.source_peak = 100.0;
    const ToneMap tone(p);
    const ToneMapTables t = tone.tables();
    // 20 cd/m2: PQ signal, or the HLG signal whose display light (1000 * E^1.2) it is.
    const double signal = transfer == HdrTransfer::kPq
                              ? nits_to_pq(20.0)
                              : std::sqrt(3.0 * std::pow(20.0 / 1000.0, 1.0 / 1.2));
    test::HostFrame f;
    f.width = 64, f.height = 48, f.p010 = true;
    f.luma.assign(64 * 48, static_cast<uint16_t>(std::lround(64 + 876 * signal)));
    f.chroma.assign(32 * 24 * 2, 512);
    const std::vector<uint8_t> rgb =
        test::cpu_tile(f, YuvMatrix::kBt2020Ncl, YuvRange::kLimited, 16, 12, {}, &t);
    const double want = 255.0 * std::pow(0.2, 1.0 / 2.4);  // 130.6
    for (uint8_t v : rgb) EXPECT_NEAR(v, want, 1.0) << hdr_transfer_name(transfer);
  }
}

}  // namespace
}  // namespace barcode
