// The turns and mirrors of a display matrix: where each stored pixel is shown, read from the
// matrices FFmpeg writes and phones store.
#include "base/tile_orientation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/display.h>
}

namespace barcode {
namespace {

// The 3x2 picture  A B C / D E F  as shown, row by row.
std::string shown(TileOrientation o) {
  const std::string stored = "ABCDEF";
  std::string out(6, '?');
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) {
      out[static_cast<size_t>(shown_pixel(o, x, y, 3, 2))] = stored[static_cast<size_t>(y * 3 + x)];
    }
  }
  return out;
}

TEST(TileOrientation, EachTurnAndMirrorPlacesThePixels) {
  EXPECT_EQ(shown({1, 0, 0, 1}), "ABCDEF");
  EXPECT_EQ(shown({0, 1, -1, 0}), "DAEBFC");   // 90 clockwise: 2 wide, 3 high
  EXPECT_EQ(shown({-1, 0, 0, -1}), "FEDCBA");  // 180
  EXPECT_EQ(shown({0, -1, 1, 0}), "CFBEAD");   // 90 counterclockwise
  EXPECT_EQ(shown({-1, 0, 0, 1}), "CBAFED");   // mirrored left to right
  EXPECT_EQ(shown({1, 0, 0, -1}), "DEFABC");   // mirrored top to bottom
  EXPECT_EQ(shown({0, 1, 1, 0}), "ADBECF");    // transposed
  EXPECT_EQ(shown({0, -1, -1, 0}), "FCEBDA");  // transposed the other way
}

TEST(TileOrientation, OrientTileMovesWholePixels) {
  // 2x1 RGB: red, blue; a quarter turn clockwise makes it 1 wide, 2 high: red above blue.
  const std::vector<uint8_t> stored = {255, 0, 0, 0, 0, 255};
  std::vector<uint8_t> out(6);
  orient_tile(stored.data(), 2, 1, {0, 1, -1, 0}, out.data());
  EXPECT_EQ(out, stored);
  orient_tile(stored.data(), 2, 1, {-1, 0, 0, -1}, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 0, 255, 255, 0, 0}));
}

TileOrientation read(const std::vector<int32_t>& m) {
  TileOrientation o{9, 9, 9, 9};
  EXPECT_TRUE(orientation_of_display_matrix(m.data(), &o));
  return o;
}

TEST(TileOrientation, ReadsDisplayMatrices) {
  // A phone's portrait clip: stored landscape, shown turned a quarter clockwise.
  const TileOrientation portrait = read({0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 1 << 30});
  EXPECT_EQ(orientation_text(portrait), "turned 90 degrees clockwise");
  // Scaled matrices turn the same way, also when stretched along one axis only (FFmpeg's
  // av_display_rotation_get reads each column's scale apart: -90 here).
  EXPECT_EQ(read({0, 0x20000, 0, -0x20000, 0, 0, 0, 0, 1 << 30}), portrait);
  EXPECT_EQ(read({0, 0x20000, 0, -0x10000, 0, 0, 0, 0, 1 << 30}), portrait);
  EXPECT_EQ(read({0x30000, 0, 0, 0, 0x10000, 0, 0, 0, 1 << 30}), (TileOrientation{1, 0, 0, 1}));
  // FFmpeg's own matrices: av_display_rotation_set turns clockwise, and
  // av_display_rotation_get reads the same matrix back as the counterclockwise angle.
  const struct {
    double angle;
    const char* text;
  } turns[] = {{0, "as stored"},
               {90, "turned 90 degrees clockwise"},
               {180, "turned 180 degrees"},
               {-90, "turned 90 degrees counterclockwise"},
               {270, "turned 90 degrees counterclockwise"}};
  for (const auto& t : turns) {
    int32_t m[9];
    av_display_rotation_set(m, t.angle);
    TileOrientation o;
    ASSERT_TRUE(orientation_of_display_matrix(m, &o)) << t.angle;
    EXPECT_EQ(orientation_text(o), t.text) << t.angle;
  }
  EXPECT_EQ(orientation_text(read({0, 0x10000, 0, 0x10000, 0, 0, 0, 0, 1 << 30})),
            "turned 90 degrees clockwise, then mirrored left to right");
  int32_t mirrored[9];
  av_display_rotation_set(mirrored, 0);
  av_display_matrix_flip(mirrored, 1, 0);
  EXPECT_EQ(orientation_text(read({mirrored, mirrored + 9})), "mirrored left to right");
}

TEST(TileOrientation, RefusesTurnsBetweenQuarterTurns) {
  int32_t m[9];
  av_display_rotation_set(m, 45);
  TileOrientation o;
  EXPECT_FALSE(orientation_of_display_matrix(m, &o));
  EXPECT_TRUE(o.identity());
  const int32_t zero[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1 << 30};
  EXPECT_FALSE(orientation_of_display_matrix(zero, &o));
  EXPECT_TRUE(o.identity());
  // Degenerate: one column zero (no determinant).
  const int32_t flat[9] = {0x10000, 0, 0, 0, 0, 0, 0, 0, 1 << 30};
  EXPECT_FALSE(orientation_of_display_matrix(flat, &o));
  EXPECT_TRUE(o.identity());
}

}  // namespace
}  // namespace barcode
