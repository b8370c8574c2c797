#include "video/sampler.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

std::vector<int64_t> regular(int64_t count, int64_t step, int64_t start = 0) {
  std::vector<int64_t> pts;
  for (int64_t i = 0; i < count; ++i) pts.push_back(start + i * step);
  return pts;
}

const AVRational kMillis{1, 1000};

TEST(Sampler, EveryNthFrame) {
  SampleRule rule;
  rule.every = 3;
  EXPECT_EQ(select_samples(regular(10, 40), kMillis, rule), (std::vector<int64_t>{0, 3, 6, 9}));
  rule.every = 1;
  EXPECT_EQ(select_samples(regular(4, 40), kMillis, rule).size(), 4u);
}

TEST(Sampler, FpsTakesTheFrameOnScreenAtEachSampleTime) {
  // 25 fps for 4 seconds, sampled at 1 per second: frames at 0, 1, 2, 3 s.
  SampleRule rule;
  rule.fps = 1.0;
  EXPECT_EQ(select_samples(regular(100, 40), kMillis, rule), (std::vector<int64_t>{0, 25, 50, 75}));
}

TEST(Sampler, FpsAboveTheFrameRateTakesEachFrameOnce) {
  SampleRule rule;
  rule.fps = 100.0;
  EXPECT_EQ(select_samples(regular(5, 40), kMillis, rule), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(Sampler, FpsOnVariableFrameRateUsesTimeNotIndex) {
  // Frames at 0, 0.1, 0.2 then a long one to 2.0, 2.1: at 1 fps, times 0, 1, 2.
  const std::vector<int64_t> pts{0, 100, 200, 2000, 2100};
  SampleRule rule;
  rule.fps = 1.0;
  EXPECT_EQ(select_samples(pts, kMillis, rule), (std::vector<int64_t>{0, 2, 3}));
}

TEST(Sampler, ColumnsAreEvenlySpaced) {
  SampleRule rule;
  rule.columns = 4;
  EXPECT_EQ(select_samples(regular(100, 1), kMillis, rule), (std::vector<int64_t>{12, 37, 62, 87}));
  rule.columns = 200;  // more columns than frames: every frame once
  EXPECT_EQ(select_samples(regular(5, 1), kMillis, rule).size(), 5u);
}

TEST(Sampler, EmptyTableGivesNoSamples) {
  SampleRule rule;
  EXPECT_TRUE(select_samples({}, kMillis, rule).empty());
}

}  // namespace
}  // namespace barcode
