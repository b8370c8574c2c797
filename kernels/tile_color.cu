#include "color/lab8.h"
#include "cuda_check.h"
#include "tile_color.h"

namespace barcode::gpu {
namespace {

// One thread per (tile, row): rows are short (the tile's width), and integer sums make the
// order irrelevant.
__global__ void tile_row_light_kernel(const uint8_t* tiles, int rows, int width,
                                      const uint16_t* linear, uint64_t* sums) {
  const int64_t row = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (row >= rows) return;
  const uint8_t* p = tiles + row * width * 3;
  uint64_t r = 0, g = 0, b = 0;
  for (int x = 0; x < width; ++x) {
    r += linear[p[3 * x]];
    g += linear[p[3 * x + 1]];
    b += linear[p[3 * x + 2]];
  }
  sums[3 * row] = r;
  sums[3 * row + 1] = g;
  sums[3 * row + 2] = b;
}

__global__ void lab8_kernel(const uint8_t* rgb, int64_t pixels, uint8_t* lab,
                            const uint16_t* linear, const int32_t* curve) {
  const int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= pixels) return;
  lab8_from_srgb8(rgb + 3 * i, lab + 3 * i, linear, curve);
}

constexpr int kThreads = 256;

unsigned int blocks_for(int64_t items) {
  return static_cast<unsigned int>((items + kThreads - 1) / kThreads);
}

}  // namespace

void launch_tile_row_light(const uint8_t* tiles, int frames, int width, int height,
                           const uint16_t* linear, uint64_t* sums, cudaStream_t stream) {
  const int rows = frames * height;
  if (rows == 0) return;
  tile_row_light_kernel<<<blocks_for(rows), kThreads, 0, stream>>>(tiles, rows, width, linear,
                                                                   sums);
  CUDA_CHECK_LAUNCH("tile_row_light_kernel");
}

void launch_lab8_from_srgb8(const uint8_t* rgb, int64_t pixels, uint8_t* lab,
                            const uint16_t* linear, const int32_t* curve, cudaStream_t stream) {
  if (pixels == 0) return;
  lab8_kernel<<<blocks_for(pixels), kThreads, 0, stream>>>(rgb, pixels, lab, linear, curve);
  CUDA_CHECK_LAUNCH("lab8_kernel");
}

}  // namespace barcode::gpu
