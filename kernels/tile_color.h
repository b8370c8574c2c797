// Per-tile colour work beside the k-means (kernels/tile_color.cu): the linear light of each tile
// row (the frame's mean colour and its `smooth` column) and the CIELAB codes for --space lab.
// Both equal the host functions they are named after, bit for bit.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace barcode::gpu {

// barcode::tile_row_light for `frames` tiles of width x height sRGB pixels, back to back:
// sums[(frame * height + row) * 3 + channel]. `linear`: srgb_to_linear16() on the device.
void launch_tile_row_light(const uint8_t* tiles, int frames, int width, int height,
                           const uint16_t* linear, uint64_t* sums, cudaStream_t stream);

// barcode::lab8_from_srgb8 over `pixels` interleaved pixels. `curve`: lab_curve_table() on the
// device.
void launch_lab8_from_srgb8(const uint8_t* rgb, int64_t pixels, uint8_t* lab,
                            const uint16_t* linear, const int32_t* curve, cudaStream_t stream);

}  // namespace barcode::gpu
