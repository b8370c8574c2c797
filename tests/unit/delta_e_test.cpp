#include "color/delta_e.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

// Test pairs from Sharma, Wu and Dalal, "The CIEDE2000 colour-difference formula" (2005).
TEST(DeltaE2000, MatchesPublishedPairs) {
  EXPECT_NEAR(delta_e2000({50, 2.6772, -79.7751}, {50, 0, -82.7485}), 2.0425, 1e-4);
  EXPECT_NEAR(delta_e2000({50, 3.1571, -77.2803}, {50, 0, -82.7485}), 2.8615, 1e-4);
  EXPECT_NEAR(delta_e2000({50, 2.8361, -74.0200}, {50, 0, -82.7485}), 3.4412, 1e-4);
  EXPECT_NEAR(delta_e2000({50, -1.3802, -84.2814}, {50, 0, -82.7485}), 1.0, 1e-4);
  EXPECT_NEAR(delta_e2000({50, 2.5, 0}, {73, 25, -18}), 27.1492, 1e-4);
}

TEST(DeltaE2000, IdenticalColoursDifferByZero) {
  const Lab c = srgb_to_lab({200, 100, 50});
  EXPECT_DOUBLE_EQ(delta_e2000(c, c), 0.0);
}

TEST(SrgbToLab, WhiteAndBlack) {
  const Lab white = srgb_to_lab({255, 255, 255});
  EXPECT_NEAR(white.l, 100.0, 1e-3);
  EXPECT_NEAR(white.a, 0.0, 1e-2);
  EXPECT_NEAR(white.b, 0.0, 1e-2);
  EXPECT_NEAR(srgb_to_lab({0, 0, 0}).l, 0.0, 1e-9);
}

}  // namespace
}  // namespace barcode
