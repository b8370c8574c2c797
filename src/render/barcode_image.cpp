#include "render/barcode_image.h"

#include <algorithm>

#include "color/srgb.h"
#include "error.h"

namespace barcode {

Image render_columns(const std::vector<uint8_t>& colors, int width, int height) {
  const auto columns = static_cast<int64_t>(colors.size() / 3);
  if (columns == 0) throw Error("nothing to render: no frames have colours");
  if (height < 1) throw Error("barcode height must be at least 1");
  Image image;
  image.width = width > 0 ? width : static_cast<int>(columns);
  image.height = height;
  std::vector<uint8_t> row(static_cast<size_t>(image.width) * 3);
  const auto& to_linear = srgb_to_linear16();
  // Output column x spans input columns [x*columns/width, (x+1)*columns/width).
  const double scale = static_cast<double>(columns) / image.width;
  for (int x = 0; x < image.width; ++x) {
    const double lo = x * scale;
    const double hi = (x + 1) * scale;
    double sum[3] = {0, 0, 0};
    double total = 0;
    for (auto i = static_cast<int64_t>(lo); i < columns && static_cast<double>(i) < hi; ++i) {
      const double cover =
          std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i));
      if (cover <= 0) continue;
      for (int c = 0; c < 3; ++c)
        sum[c] += cover * to_linear[colors[static_cast<size_t>(i * 3 + c)]];
      total += cover;
    }
    for (int c = 0; c < 3; ++c) {
      row[static_cast<size_t>(x * 3 + c)] = linear_to_srgb8(sum[c] / (total * 65535.0));
    }
  }
  image.rgb.resize(row.size() * static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    std::copy(row.begin(), row.end(), image.rgb.begin() + static_cast<long>(row.size()) * y);
  }
  return image;
}

}  // namespace barcode
