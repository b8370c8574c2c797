#include "render/barcode_image.h"

#include "base/error.h"
#include "base/interrupt.h"
#include "color/srgb.h"

namespace barcode {

std::vector<double> resample_linear(const std::vector<uint8_t>& colors, int width) {
  const auto columns = static_cast<int64_t>(colors.size() / 3);
  const auto& to_linear = srgb_to_linear16();
  std::vector<double> out(static_cast<size_t>(width) * 3);
  double sum[3] = {0, 0, 0};
  area_resample(
      columns, width,
      [&](int64_t i, double cover) {
        for (int c = 0; c < 3; ++c) {
          sum[c] += cover * to_linear[colors[static_cast<size_t>(i * 3 + c)]];
        }
      },
      [&](int x, double total) {
        for (int c = 0; c < 3; ++c) {
          out[static_cast<size_t>(x * 3 + c)] = sum[c] / (total * 65535.0);
          sum[c] = 0;
        }
      });
  return out;
}

Image repeat_row(const std::vector<uint8_t>& row, int height) {
  Image image;
  image.width = static_cast<int>(row.size() / 3);
  image.height = height;
  image.rgb.resize(row.size() * static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    // Hundreds of megapixels take a while: a stop signal is answered within rows.
    if (y % 1024 == 0) throw_if_interrupted("the image", "while it was drawn; it was not written");
    std::copy(row.begin(), row.end(), image.rgb.begin() + static_cast<long>(row.size()) * y);
  }
  return image;
}

Image render_columns(const std::vector<uint8_t>& colors, int width, int height) {
  const auto columns = static_cast<int64_t>(colors.size() / 3);
  if (columns == 0) throw Error("nothing to render: no frames have colours");
  if (height < 1) throw Error("barcode height must be at least 1");
  const int out_width = width > 0 ? width : static_cast<int>(columns);
  const std::vector<double> linear = resample_linear(colors, out_width);
  std::vector<uint8_t> row(linear.size());
  for (size_t j = 0; j < linear.size(); ++j) row[j] = linear_to_srgb8(linear[j]);
  return repeat_row(row, height);
}

}  // namespace barcode
