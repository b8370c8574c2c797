// What the barcode keeps of one sampled frame: its dominant colour, mean colour, palette and
// the tile's rows averaged into a column (the `smooth` style), and how a tile becomes that.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "color/kmeans.h"

namespace barcode {

// The space tiles are clustered in: 8-bit sRGB as decoded, or CIELAB codes (color/lab8.h).
enum class ColorSpace { kRgb, kLab };
const char* color_space_name(ColorSpace space);

// How every tile of a run is analysed.
struct TileAnalysis {
  int width = 0;  // tile size in pixels
  int height = 0;
  KmeansParams kmeans;
  ColorSpace space = ColorSpace::kRgb;
  bool keep_thumbs = false;  // keep the tile itself in FrameColors::thumb (--keep-thumbs)
  int64_t pixels() const { return int64_t{width} * height; }
  int64_t tile_bytes() const { return pixels() * 3; }
};

struct FrameColors {
  int64_t position = 0;               // index into the sample list (the HDF5 row)
  std::array<uint8_t, 3> dominant{};  // centroid of the largest cluster, rounded sRGB
  std::array<uint8_t, 3> mean{};      // mean of all pixels in linear light, as sRGB
  std::vector<float> palette;         // k*3 sRGB 0..255, sorted by weight, descending
  std::vector<float> weights;         // k
  double inertia = 0.0;               // in the clustering space's units (sRGB or CIELAB)
  int iterations = 0;
  std::vector<uint8_t> column;  // tile height * 3: each tile row's mean in linear light, as sRGB
  std::vector<uint8_t> thumb;   // the sRGB tile (TileAnalysis::keep_thumbs), else empty
};

// The 8-bit code nearest to a centroid component (0..255 float).
uint8_t round_channel(float value);

// Per tile row and channel, the sum of the row's linear light (srgb_to_linear16 values): the
// integers the mean colour and the column are made from, so CPU and GPU sums agree exactly.
void tile_row_light(const uint8_t* rgb, int width, int height, uint64_t* sums);

// Summarises a tile from its clustering (CPU or GPU, in `analysis.space`) and its row light
// sums (height*3). Centroids in CIELAB come back to sRGB here, the same way for both paths.
FrameColors summarize(const KmeansResult& clusters, const uint64_t* row_light,
                      const TileAnalysis& analysis, int64_t position);

// Clusters and summarises one sRGB tile on the CPU (the reference path), keeping the tile in
// `thumb` when the analysis asks for it.
FrameColors summarize_tile_cpu(const uint8_t* rgb, const TileAnalysis& analysis,
                               int64_t frame_index, int64_t position);

}  // namespace barcode
