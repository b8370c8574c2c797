// 4:2:0 (NV12, P010, yuv420p, yuv420p10) -> RGB24 tile with an exact area average (see nv12_tile.h
// for the method).
//
// One warp per tile pixel: the lanes share out the source pixels of the pixel's box, add up
// coverage-weighted Y, Cb and Cr in 64-bit integers, and lane 0 converts the averages to RGB.
// Coverage in integers: with the source x axis scaled by tile_width, source pixel x spans
// [x*tw, (x+1)*tw) and tile pixel ox spans [ox*W, (ox+1)*W); their overlap is an integer, and the
// overlaps of one tile pixel add up to W (likewise H vertically), so the average is
// sum(wx*wy*value) / (W*H) with no rounding before the final conversion.
#include <cuda_runtime.h>

#include <string>

#include "base/error.h"
#include "cuda_check.h"
#include "nv12_tile.h"

namespace barcode::gpu {
namespace {

constexpr int kWarpsPerBlock = 4;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ unsigned long long warp_sum(unsigned long long v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

template <bool kSixteenBit>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    yuv420_tile_kernel(YuvPlanes src, YuvSumsToRgb conv, ToneMapTables tone, uint8_t* rgb,
                       int tile_w, int tile_h, TileOrientation orientation) {
  const int lane = threadIdx.x & 31;
  const int pixel = static_cast<int>(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5);
  if (pixel >= tile_w * tile_h) return;  // whole warps leave together
  const int ox = pixel % tile_w, oy = pixel / tile_w;
  const int64_t w = src.width, h = src.height;

  // Box of the tile pixel in scaled units, and the source pixels it touches.
  const int64_t bx0 = ox * w, bx1 = (ox + 1) * w;  // units of 1/tile_w source pixel
  const int64_t by0 = oy * h, by1 = (oy + 1) * h;
  const int x_first = static_cast<int>(bx0 / tile_w);
  const int x_end = static_cast<int>((bx1 + tile_w - 1) / tile_w);
  const int y_first = static_cast<int>(by0 / tile_h);
  const int y_end = static_cast<int>((by1 + tile_h - 1) / tile_h);
  const int box_w = x_end - x_first;
  const int samples = box_w * (y_end - y_first);

  unsigned long long sum_y = 0, sum_cb = 0, sum_cr = 0;
  const auto* luma = static_cast<const uint8_t*>(src.luma);
  const auto* cb_plane = static_cast<const uint8_t*>(src.cb);
  const auto* cr_plane = static_cast<const uint8_t*>(src.cr);
  const int step = src.chroma_step, shift = src.shift;
  for (int i = lane; i < samples; i += 32) {
    const int x = x_first + i % box_w;
    const int y = y_first + i / box_w;
    const int64_t wx = min(int64_t(x + 1) * tile_w, bx1) - max(int64_t(x) * tile_w, bx0);
    const int64_t wy = min(int64_t(y + 1) * tile_h, by1) - max(int64_t(y) * tile_h, by0);
    const auto weight = static_cast<unsigned long long>(wx * wy);
    const size_t luma_at = size_t(y) * src.luma_pitch;
    const size_t chroma_at = size_t(y >> 1) * src.chroma_pitch;
    const int c = (x >> 1) * step;  // the chroma sample of the pixel's 2x2 block
    unsigned yv, cb, cr;
    if constexpr (kSixteenBit) {  // yuv420p10: the low 10 bits; P010: the high 10 bits
      yv = __ldg(reinterpret_cast<const uint16_t*>(luma + luma_at) + x) >> shift;
      cb = __ldg(reinterpret_cast<const uint16_t*>(cb_plane + chroma_at) + c) >> shift;
      cr = __ldg(reinterpret_cast<const uint16_t*>(cr_plane + chroma_at) + c) >> shift;
    } else {
      yv = __ldg(luma + luma_at + x);
      cb = __ldg(cb_plane + chroma_at + c);
      cr = __ldg(cr_plane + chroma_at + c);
    }
    sum_y += weight * yv;
    sum_cb += weight * cb;
    sum_cr += weight * cr;
  }
  sum_y = warp_sum(sum_y);
  sum_cb = warp_sum(sum_cb);
  sum_cr = warp_sum(sum_cr);
  if (lane != 0) return;

  // The tile pixel goes where the picture as shown has it (base/tile_orientation.h).
  uint8_t* out = rgb + size_t(shown_pixel(orientation, ox, oy, tile_w, tile_h)) * 3;
  if (tone.light) {
    yuv_sums_to_rgb(sum_y, sum_cb, sum_cr, conv, tone, out);
  } else {
    yuv_sums_to_rgb(sum_y, sum_cb, sum_cr, conv, out);
  }
}

}  // namespace

void launch_yuv420_to_rgb_tile(const YuvPlanes& src, YuvMatrix matrix, YuvRange range, uint8_t* rgb,
                               int tile_width, int tile_height, cudaStream_t stream,
                               const ToneMapTables* tone, TileOrientation orientation) {
  if (src.width < 2 || src.height < 2 || tile_width < 1 || tile_height < 1 ||
      int64_t{tile_width} * tile_height > (int64_t{1} << 24)) {
    throw Error("YUV tile: cannot convert a " + std::to_string(src.width) + "x" +
                std::to_string(src.height) + " frame to a " + std::to_string(tile_width) + "x" +
                std::to_string(tile_height) + " tile");
  }
  if (!src.luma || !src.cb || !src.cr || !rgb)
    throw Error("YUV tile: null surface or output pointer");
  const YuvSumsToRgb conv =
      yuv_sums_to_rgb_for(yuv_conversion(matrix, range, src.bits == 10),
                          static_cast<double>(int64_t{src.width} * src.height));
  const ToneMapTables tables = tone ? *tone : ToneMapTables{};
  if (tone && (!tone->light || !tone->threshold)) throw Error("YUV tile: tone map tables missing");
  const int pixels = tile_width * tile_height;
  const unsigned blocks = static_cast<unsigned>((pixels + kWarpsPerBlock - 1) / kWarpsPerBlock);
  if (src.sixteen_bit) {
    yuv420_tile_kernel<true><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(
        src, conv, tables, rgb, tile_width, tile_height, orientation);
  } else {
    yuv420_tile_kernel<false><<<blocks, kWarpsPerBlock * 32, 0, stream>>>(
        src, conv, tables, rgb, tile_width, tile_height, orientation);
  }
  CUDA_CHECK_LAUNCH("yuv420_tile_kernel");
}

}  // namespace barcode::gpu
