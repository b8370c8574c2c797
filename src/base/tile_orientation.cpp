#include "base/tile_orientation.h"

#include <cmath>
#include <cstddef>

namespace barcode {

namespace {

// -1, 0 or 1 for a matrix entry, relative to its column's scale; 2 when it is neither (a turn
// by an angle between the quarter turns).
int entry_sign(double value, double scale) {
  const double r = value / scale;
  if (std::fabs(r) < 1e-3) return 0;
  if (std::fabs(std::fabs(r) - 1.0) < 1e-3) return r > 0 ? 1 : -1;
  return 2;
}

}  // namespace

bool orientation_of_display_matrix(const int32_t matrix[9], TileOrientation* orientation) {
  const double a = matrix[0], b = matrix[1], c = matrix[3], d = matrix[4];
  // Players scale the matrix away, each column by its own length as av_display_rotation_get
  // does (some writers store it scaled, or stretched along one axis); only its turn counts.
  const double first = std::hypot(a, c), second = std::hypot(b, d);
  if (!(first > 0) || !(second > 0) || !std::isfinite(first) || !std::isfinite(second)) {
    return false;
  }
  const TileOrientation o{entry_sign(a, first), entry_sign(b, second), entry_sign(c, first),
                          entry_sign(d, second)};
  const bool quarter_turns =
      (o.a != 0 && o.a != 2 && o.b == 0 && o.c == 0 && o.d != 0 && o.d != 2) ||
      (o.a == 0 && o.d == 0 && o.b != 0 && o.b != 2 && o.c != 0 && o.c != 2);
  if (!quarter_turns) return false;
  *orientation = o;
  return true;
}

std::string orientation_text(TileOrientation o) {
  struct Named {
    TileOrientation o;
    const char* text;
  };
  static const Named kNames[] = {
      {{1, 0, 0, 1}, "as stored"},
      {{0, 1, -1, 0}, "turned 90 degrees clockwise"},
      {{-1, 0, 0, -1}, "turned 180 degrees"},
      {{0, -1, 1, 0}, "turned 90 degrees counterclockwise"},
      {{-1, 0, 0, 1}, "mirrored left to right"},
      {{1, 0, 0, -1}, "mirrored top to bottom"},
      {{0, 1, 1, 0}, "turned 90 degrees clockwise, then mirrored left to right"},
      {{0, -1, -1, 0}, "turned 90 degrees counterclockwise, then mirrored left to right"},
  };
  for (const Named& n : kNames) {
    if (n.o == o) return n.text;
  }
  return "unknown turn";
}

void orient_tile(const uint8_t* stored, int width, int height, TileOrientation o, uint8_t* shown) {
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t* from = stored + (static_cast<size_t>(y) * width + x) * 3;
      uint8_t* to = shown + static_cast<size_t>(shown_pixel(o, x, y, width, height)) * 3;
      to[0] = from[0];
      to[1] = from[1];
      to[2] = from[2];
    }
  }
}

}  // namespace barcode
