#include "color/srgb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "base/error.h"

namespace barcode {
namespace {

TEST(Srgb, TableEndpointsAndKnownValues) {
  const auto& lut = srgb_to_linear16();
  EXPECT_EQ(lut[0], 0);
  EXPECT_EQ(lut[255], 65535);
  // From the IEC 61966-2-1 curve: code 1 is on the linear segment, the others on the power one.
  EXPECT_EQ(lut[1], 20);
  EXPECT_EQ(lut[10], 199);
  EXPECT_EQ(lut[128], 14146);
  EXPECT_EQ(lut[188], 32957);
  EXPECT_EQ(lut[254], 64952);
}

TEST(Srgb, TableStrictlyIncreasing) {
  const auto& lut = srgb_to_linear16();
  for (int code = 1; code < 256; ++code) EXPECT_LT(lut[code - 1], lut[code]) << "code " << code;
}

TEST(Srgb, RoundTripEveryCode) {
  const auto& lut = srgb_to_linear16();
  for (int code = 0; code < 256; ++code) {
    EXPECT_EQ(linear_to_srgb8(lut[code] / 65535.0), code);
  }
}

TEST(Srgb, EncodeClampsOutOfRange) {
  EXPECT_EQ(linear_to_srgb8(-0.5), 0);
  EXPECT_EQ(linear_to_srgb8(1.5), 255);
  EXPECT_EQ(linear_to_srgb8(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(linear_to_srgb8(0.5), 188);
}

TEST(Srgb, MeanOfBlackAndWhiteIsLinearMidGrey) {
  // Half black, half white: 0.5 in linear light is sRGB 188, not the naive 128 (or 127.5).
  const std::vector<uint8_t> rgb = {0, 0, 0, 255, 255, 255};
  const auto mean = mean_color_linear(rgb.data(), 2);
  EXPECT_EQ(mean[0], 188);
  EXPECT_EQ(mean[1], 188);
  EXPECT_EQ(mean[2], 188);
}

TEST(Srgb, MeanKeepsChannelsApartAndUniformColours) {
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 1000; ++i) rgb.insert(rgb.end(), {17, 128, 250});
  const auto mean = mean_color_linear(rgb.data(), 1000);
  EXPECT_EQ(mean[0], 17);
  EXPECT_EQ(mean[1], 128);
  EXPECT_EQ(mean[2], 250);

  // Red and blue pixels, half each: each channel averages on its own.
  const std::vector<uint8_t> red_blue = {255, 0, 0, 0, 0, 255};
  const auto rb = mean_color_linear(red_blue.data(), 2);
  EXPECT_EQ(rb[0], 188);
  EXPECT_EQ(rb[1], 0);
  EXPECT_EQ(rb[2], 188);
}

TEST(Srgb, MeanRejectsEmptyInput) {
  const uint8_t pixel[3] = {1, 2, 3};
  EXPECT_THROW(mean_color_linear(pixel, 0), Error);
  EXPECT_THROW(mean_color_linear(nullptr, 1), Error);
}

}  // namespace
}  // namespace barcode
