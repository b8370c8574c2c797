// Barcode images: one column per sampled frame, optionally area-resampled to a chosen width.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace barcode {

// The barcode width when none is asked for: the 1920 columns of the barcodes people share,
// which open on any screen. A film's samples are area-resampled to it in linear light (a
// two-hour film's 172,800 samples, 90 to a column) and a short clip's are widened to it (each
// sample a band of columns). Width 0 asks for one column per sample instead.
constexpr int kDefaultBarcodeWidth = 1920;

// The largest image either tool draws (barcode_mpi --png and barcode_render, options and help
// alike): libpng refuses widths over a million, and beyond 2^28 pixels a PNG is impractical.
constexpr int kMaxImageWidth = 1000000;
constexpr int kMaxImageHeight = 65536;
constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width*height*3, rows top to bottom
};

// The one implementation of area resampling, shared by every style. Output column x of `width`
// spans input columns [x*columns/width, (x+1)*columns/width); for each x in order it calls
// add(i, cover) for every input column i overlapping that span (cover: the overlap, > 0), then
// finish(x, total) with the summed cover. Every input column is covered by some output column,
// so no sample is ever dropped; with width > columns one input feeds several outputs.
template <typename Add, typename Finish>
void area_resample(int64_t columns, int width, Add&& add, Finish&& finish) {
  const double scale = static_cast<double>(columns) / width;
  for (int x = 0; x < width; ++x) {
    const double lo = x * scale;
    const double hi = (x + 1) * scale;
    double total = 0;
    for (auto i = static_cast<int64_t>(lo); i < columns && static_cast<double>(i) < hi; ++i) {
      const double cover =
          std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i));
      if (cover <= 0) continue;
      add(i, cover);
      total += cover;
    }
    finish(x, total);
  }
}

// Area-resamples one sRGB triple per input column to `width` columns and returns each output
// column's colour in linear light (0..1), width*3 values: the coverage-weighted mean.
std::vector<double> resample_linear(const std::vector<uint8_t>& colors, int width);

// An image of `height` identical rows.
Image repeat_row(const std::vector<uint8_t>& row, int height);

// `colors` holds one sRGB triple per column. With width 0 the image has one pixel column per
// colour; otherwise columns are area-resampled: each output column is the coverage-weighted
// mean, in linear light, of the input columns it spans (no sample is ever dropped).
Image render_columns(const std::vector<uint8_t>& colors, int width, int height);

}  // namespace barcode
