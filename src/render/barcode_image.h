// Barcode images: one column per sampled frame, optionally area-resampled to a chosen width.
#pragma once

#include <cstdint>
#include <vector>

namespace barcode {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width*height*3, rows top to bottom
};

// `colors` holds one sRGB triple per column. With width 0 the image has one pixel column per
// colour; otherwise columns are area-resampled: each output column is the coverage-weighted
// mean, in linear light, of the input columns it spans (no sample is ever dropped).
Image render_columns(const std::vector<uint8_t>& colors, int width, int height);

}  // namespace barcode
