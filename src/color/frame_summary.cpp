#include "color/frame_summary.h"

#include <algorithm>
#include <cmath>

#include "color/lab8.h"
#include "color/srgb.h"

namespace barcode {

const char* color_space_name(ColorSpace space) {
  return space == ColorSpace::kLab ? "lab" : "rgb";
}

uint8_t round_channel(float value) {
  return static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L));
}

void tile_row_light(const uint8_t* rgb, int width, int height, uint64_t* sums) {
  const auto& lut = srgb_to_linear16();
  for (int y = 0; y < height; ++y) {
    uint64_t sum[3] = {0, 0, 0};
    const uint8_t* row = rgb + static_cast<size_t>(y) * static_cast<size_t>(width) * 3;
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) sum[c] += lut[row[3 * x + c]];
    }
    for (int c = 0; c < 3; ++c) sums[3 * y + c] = sum[c];
  }
}

FrameColors summarize(const KmeansResult& clusters, const uint64_t* row_light,
                      const TileAnalysis& analysis, int64_t position) {
  FrameColors out;
  out.position = position;
  out.palette = clusters.centroids;
  out.weights = clusters.weights;
  out.inertia = clusters.inertia;
  out.iterations = clusters.iterations;
  if (analysis.space == ColorSpace::kLab) {
    for (size_t c = 0; c + 2 < out.palette.size(); c += 3) {
      const std::array<float, 3> rgb = srgb_from_lab8(&clusters.centroids[c]);
      std::copy(rgb.begin(), rgb.end(), out.palette.begin() + static_cast<long>(c));
    }
    out.inertia = clusters.inertia / (kLabScale * kLabScale);  // in CIELAB units
  }
  for (int c = 0; c < 3; ++c) out.dominant[c] = round_channel(out.palette[c]);
  // The mean and the column: linear light summed exactly, then encoded once.
  const double row_scale = static_cast<double>(analysis.width) * 65535.0;
  out.column.resize(static_cast<size_t>(analysis.height) * 3);
  uint64_t total[3] = {0, 0, 0};
  for (size_t i = 0; i < out.column.size(); ++i) {
    out.column[i] = linear_to_srgb8(static_cast<double>(row_light[i]) / row_scale);
    total[i % 3] += row_light[i];
  }
  const double scale = static_cast<double>(analysis.pixels()) * 65535.0;
  for (int c = 0; c < 3; ++c) out.mean[c] = linear_to_srgb8(static_cast<double>(total[c]) / scale);
  return out;
}

FrameColors summarize_tile_cpu(const uint8_t* rgb, const TileAnalysis& analysis,
                               int64_t frame_index, int64_t position) {
  const int64_t pixels = analysis.pixels();
  std::vector<uint64_t> row_light(static_cast<size_t>(analysis.height) * 3);
  tile_row_light(rgb, analysis.width, analysis.height, row_light.data());
  KmeansResult clusters;
  if (analysis.space == ColorSpace::kLab) {
    std::vector<uint8_t> lab(static_cast<size_t>(pixels) * 3);
    lab8_from_srgb8(rgb, pixels, lab.data());
    clusters = kmeans_tile(lab.data(), pixels, analysis.kmeans, frame_index);
  } else {
    clusters = kmeans_tile(rgb, pixels, analysis.kmeans, frame_index);
  }
  FrameColors out = summarize(clusters, row_light.data(), analysis, position);
  if (analysis.keep_thumbs) out.thumb.assign(rgb, rgb + pixels * 3);
  return out;
}

}  // namespace barcode
