// What the barcode keeps of one sampled frame: its dominant colour, mean colour and palette.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "color/kmeans.h"

namespace barcode {

struct FrameColors {
  int64_t position = 0;               // index into the sample list (the HDF5 row)
  std::array<uint8_t, 3> dominant{};  // centroid of the largest cluster, rounded sRGB
  std::array<uint8_t, 3> mean{};      // mean of all pixels in linear light, as sRGB
  std::vector<float> palette;         // k*3, sorted by weight, descending
  std::vector<float> weights;         // k
  double inertia = 0.0;
  int iterations = 0;
};

// The 8-bit code nearest to a centroid component (0..255 float).
uint8_t round_channel(float value);

// Summarises a tile given its clustering (the CPU or GPU result) and its mean colour.
FrameColors summarize(const KmeansResult& clusters, const std::array<uint8_t, 3>& mean,
                      int64_t position);

// Clusters and summarises one tile on the CPU.
FrameColors summarize_tile_cpu(const uint8_t* rgb, int64_t pixels, const KmeansParams& params,
                               int64_t frame_index, int64_t position);

}  // namespace barcode
