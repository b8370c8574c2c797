// Decoded NV12 / P010 surface on the device -> small sRGB tile, on the device: colour matrix and
// range as parameters, exact area-average downscale.
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

#include "color/yuv_rgb.h"

namespace barcode::gpu {

// One 4:2:0 frame with interleaved chroma, as FFmpeg's CUDA frames hand it over:
// data[0]/linesize[0] is luma, data[1]/linesize[1] is the CbCr plane.
struct YuvSurface {
  const void* luma = nullptr;
  size_t luma_pitch = 0;  // bytes per row
  const void* chroma = nullptr;
  size_t chroma_pitch = 0;  // bytes per row
  int width = 0;            // luma pixels
  int height = 0;
  bool p010 = false;  // false: NV12, 8 bits; true: P010, 10 bits in the high bits of 16-bit words
};

// The rectangle (x, y, width, height) of `src`, x and y even: the same surface read from the
// rectangle's top left corner, as crop_planes (video/yuv_tile.h) does on the host.
inline YuvSurface crop_surface(YuvSurface src, int x, int y, int width, int height) {
  const size_t bytes = src.p010 ? 2 : 1;
  src.luma = static_cast<const uint8_t*>(src.luma) + static_cast<size_t>(y) * src.luma_pitch +
             static_cast<size_t>(x) * bytes;
  // Interleaved chroma: one Cb, Cr pair per two luma columns, one row per two luma rows.
  src.chroma = static_cast<const uint8_t*>(src.chroma) +
               static_cast<size_t>(y / 2) * src.chroma_pitch + static_cast<size_t>(x) * bytes;
  src.width = width;
  src.height = height;
  return src;
}

// Enqueues the conversion of `src` into `rgb` (device, tile_width * tile_height * 3 bytes) on
// `stream`. HDR surfaces are tone-mapped by `tone` (its tables in device memory, uploaded from a
// host ToneMap as they are; nullptr: SDR), as the CPU twin does. Throws barcode::Error on
// invalid sizes or a failed launch.
void launch_yuv420_to_rgb_tile(const YuvSurface& src, YuvMatrix matrix, YuvRange range,
                               uint8_t* rgb, int tile_width, int tile_height, cudaStream_t stream,
                               const ToneMapTables* tone = nullptr);

}  // namespace barcode::gpu
