#include "color/frame_summary.h"

#include <algorithm>
#include <cmath>

#include "color/srgb.h"

namespace barcode {

uint8_t round_channel(float value) {
  return static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L));
}

FrameColors summarize(const KmeansResult& clusters, const std::array<uint8_t, 3>& mean,
                      int64_t position) {
  FrameColors out;
  out.position = position;
  out.palette = clusters.centroids;
  out.weights = clusters.weights;
  out.inertia = clusters.inertia;
  out.iterations = clusters.iterations;
  for (int c = 0; c < 3; ++c) out.dominant[c] = round_channel(clusters.centroids[c]);
  out.mean = mean;
  return out;
}

FrameColors summarize_tile_cpu(const uint8_t* rgb, int64_t pixels, const KmeansParams& params,
                               int64_t frame_index, int64_t position) {
  return summarize(kmeans_tile(rgb, pixels, params, frame_index), mean_color_linear(rgb, pixels),
                   position);
}

}  // namespace barcode
