// Decoded 4:2:0 frame in device memory (an NVDEC surface, NV12 or P010, or a software-decoded
// frame uploaded as it is, yuv420p or yuv420p10) -> small sRGB tile, on the device: colour matrix
// and range as parameters, exact area-average downscale.
//
// Method (kernels/nv12_tile.cu has the details):
//  - Each tile pixel is the average over its box of the source image, every source pixel weighted
//    by the fraction of it the box covers (a box filter with fractional coverage, computed in exact
//    integers).
//  - Chroma: each luma pixel takes the chroma sample of its 2x2 block (x/2, y/2): the co-sited
//    sample horizontally for the usual left-sited 4:2:0, the nearest one vertically.
//  - Y, Cb and Cr are averaged first and converted to RGB once per tile pixel, as swscale does
//    (it scales the planes in YUV, then converts at the output size). The conversion is affine, so
//    the order only matters where the per-pixel RGB would clip; averaging first matches swscale
//    there too.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "base/tile_orientation.h"
#include "color/yuv_planes.h"
#include "color/yuv_rgb.h"

namespace barcode::gpu {

// Enqueues the conversion of `src` (device pointers; crop with crop_planes of video/yuv_tile.h)
// into `rgb` (device, tile_width * tile_height * 3 bytes) on
// `stream`. HDR surfaces are tone-mapped by `tone` (its tables in device memory, uploaded from a
// host ToneMap as they are; nullptr: SDR), as the CPU twin does. The tile is tile_width x
// tile_height as made from the frame as stored; `orientation` places its pixels as shown (swapping
// the two sizes for a quarter turn), as orient_tile does on the host. Throws barcode::Error on
// invalid sizes or a failed launch.
void launch_yuv420_to_rgb_tile(const YuvPlanes& src, YuvMatrix matrix, YuvRange range, uint8_t* rgb,
                               int tile_width, int tile_height, cudaStream_t stream,
                               const ToneMapTables* tone = nullptr,
                               TileOrientation orientation = {});

}  // namespace barcode::gpu
