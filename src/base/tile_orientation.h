// How a picture stored one way is shown another: the display matrix of phone video (a portrait
// clip is stored landscape with "turn 90° clockwise" in its header). The tile is made from the
// frame as stored and its pixels are then placed where the display puts them, by the same
// arithmetic on the CPU and in the GPU kernel, so both give the same tile bit for bit.
#pragma once

#include <cstdint>
#include <string>

#include "base/host_device.h"

namespace barcode {

// One of the eight turns and mirrors of a rectangle, as the signs of a display matrix's linear
// part: a stored pixel at (x, y) about the picture's centre, y pointing down, is shown at
// (a*x + c*y, b*x + d*y). FFmpeg's players read the matrix the same way.
struct TileOrientation {
  int a = 1, b = 0, c = 0, d = 1;

  BARCODE_HOST_DEVICE bool identity() const { return a == 1 && b == 0 && c == 0 && d == 1; }
  // Whether the shown picture's width is the stored picture's height (a quarter turn).
  BARCODE_HOST_DEVICE bool swaps_axes() const { return a == 0; }
  bool operator==(const TileOrientation& o) const {
    return a == o.a && b == o.b && c == o.c && d == o.d;
  }
};

// Where the stored pixel (x, y) of a width x height picture lands in the shown picture, as an
// index into its rows (the shown picture is height x width when the orientation swaps axes).
// Centred coordinates are doubled so that every step stays in integers.
BARCODE_HOST_DEVICE inline int64_t shown_pixel(TileOrientation o, int x, int y, int width,
                                               int height) {
  const int u = 2 * x - (width - 1), v = 2 * y - (height - 1);
  const int shown_width = o.swaps_axes() ? height : width;
  const int shown_height = o.swaps_axes() ? width : height;
  const int sx = (o.a * u + o.c * v + shown_width - 1) / 2;
  const int sy = (o.b * u + o.d * v + shown_height - 1) / 2;
  return int64_t{sy} * shown_width + sx;
}

// The orientation a display matrix (FFmpeg's AV_PKT_DATA_DISPLAYMATRIX, 16.16 fixed point)
// asks for. False when it turns by an angle that is not a whole number of quarter turns; the
// picture is then used as stored.
bool orientation_of_display_matrix(const int32_t matrix[9], TileOrientation* orientation);

// In words, for logs and the result file: "turned 90° clockwise", "mirrored", ...
std::string orientation_text(TileOrientation o);

// Moves a width x height RGB tile as stored into `shown` (the same bytes, rearranged).
void orient_tile(const uint8_t* stored, int width, int height, TileOrientation o, uint8_t* shown);

}  // namespace barcode
