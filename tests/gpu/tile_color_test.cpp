// The per-tile colour kernels (row light, CIELAB codes) against their host functions, and the
// GPU sink fed stored tiles (--from-h5's path) against the CPU reference, row by row: every
// field of every row must be equal, bit for bit.
#include "tile_color.h"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "color/frame_summary.h"
#include "color/lab8.h"
#include "color/srgb.h"
#include "cuda_check.h"
#include "film_like_tiles.h"
#include "gpu/gpu_kmeans.h"
#include "gpu/gpu_sink.h"
#include "pipeline/result_book.h"

namespace barcode::gpu {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (device_count() == 0) GTEST_SKIP() << "no CUDA device"

// A device buffer holding a copy of `host`.
template <typename T>
T* upload(const std::vector<T>& host) {
  T* device = nullptr;
  CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&device), host.size() * sizeof(T)));
  CUDA_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return device;
}

template <typename T>
std::vector<T> download(const T* device, size_t count) {
  std::vector<T> host(count);
  CUDA_CHECK(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

TEST(TileColor, RowLightEqualsHost) {
  SKIP_WITHOUT_GPU();
  const int w = 160, h = 90, frames = 37;
  std::vector<uint8_t> tiles;
  for (int f = 0; f < frames; ++f) {
    const Pixels t = film_like_tile(w, h, 100 + f);
    tiles.insert(tiles.end(), t.begin(), t.end());
  }
  const std::vector<uint16_t> lut(srgb_to_linear16().begin(), srgb_to_linear16().end());
  uint8_t* d_tiles = upload(tiles);
  uint16_t* d_lut = upload(lut);
  uint64_t* d_sums = nullptr;
  const size_t sums = size_t(frames) * h * 3;
  CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d_sums), sums * sizeof(uint64_t)));
  launch_tile_row_light(d_tiles, frames, w, h, d_lut, d_sums, nullptr);
  const std::vector<uint64_t> got = download(d_sums, sums);
  std::vector<uint64_t> want(sums);
  for (int f = 0; f < frames; ++f) {
    tile_row_light(tiles.data() + size_t(f) * w * h * 3, w, h, want.data() + size_t(f) * h * 3);
  }
  EXPECT_EQ(got, want);
  cudaFree(d_tiles);
  cudaFree(d_lut);
  cudaFree(d_sums);
}

TEST(TileColor, Lab8OfEveryColourEqualsHost) {
  SKIP_WITHOUT_GPU();
  std::vector<uint8_t> rgb((size_t{1} << 24) * 3);
  for (size_t i = 0; i < (size_t{1} << 24); ++i) {
    rgb[3 * i] = uint8_t(i >> 16), rgb[3 * i + 1] = uint8_t(i >> 8), rgb[3 * i + 2] = uint8_t(i);
  }
  const std::vector<uint16_t> lut(srgb_to_linear16().begin(), srgb_to_linear16().end());
  uint8_t* d_rgb = upload(rgb);
  uint16_t* d_lut = upload(lut);
  int32_t* d_curve = upload(lab_curve_table());
  uint8_t* d_lab = nullptr;
  CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d_lab), rgb.size()));
  launch_lab8_from_srgb8(d_rgb, int64_t{1} << 24, d_lab, d_lut, d_curve, nullptr);
  const std::vector<uint8_t> got = download(d_lab, rgb.size());
  std::vector<uint8_t> want(rgb.size());
  lab8_from_srgb8(rgb.data(), int64_t{1} << 24, want.data());
  size_t differing = 0;
  for (size_t i = 0; i < got.size(); ++i) differing += got[i] != want[i];
  EXPECT_EQ(differing, 0u);
  cudaFree(d_rgb);
  cudaFree(d_lut);
  cudaFree(d_curve);
  cudaFree(d_lab);
}

// Film-like tiles through the GPU sink (batches of 16, so several batches and a partial last
// one) and through the CPU reference: every row equal, in sRGB and in CIELAB, with thumbs.
void expect_sink_equals_cpu(ColorSpace space) {
  TileAnalysis analysis;
  analysis.width = 64;
  analysis.height = 36;
  analysis.kmeans.k = 6;
  analysis.kmeans.restarts = 3;
  analysis.space = space;
  analysis.keep_thumbs = true;
  const int frames = 53;
  std::vector<Pixels> tiles;
  for (int f = 0; f < frames; ++f) tiles.push_back(film_like_tile(64, 36, 500 + f));
  ResultBook book;
  {
    GpuSink sink(0, analysis, TileSource{}, 0, 16, book);
    for (int f = 0; f < frames; ++f) sink.put_tile(tiles[size_t(f)].data(), f, 1000 + 7 * f);
    sink.finish();
  }
  book.close();
  const std::vector<FrameColors> rows = book.take_ready(0, std::chrono::milliseconds(0));
  ASSERT_EQ(rows.size(), size_t(frames));
  for (int f = 0; f < frames; ++f) {
    const FrameColors want = summarize_tile_cpu(tiles[size_t(f)].data(), analysis, 1000 + 7 * f, f);
    const FrameColors& got = rows[size_t(f)];
    EXPECT_EQ(got.position, want.position);
    EXPECT_EQ(got.dominant, want.dominant) << "frame " << f;
    EXPECT_EQ(got.mean, want.mean) << "frame " << f;
    EXPECT_EQ(got.palette, want.palette) << "frame " << f;
    EXPECT_EQ(got.weights, want.weights) << "frame " << f;
    EXPECT_EQ(got.inertia, want.inertia) << "frame " << f;
    EXPECT_EQ(got.iterations, want.iterations) << "frame " << f;
    EXPECT_EQ(got.column, want.column) << "frame " << f;
    EXPECT_EQ(got.thumb, want.thumb) << "frame " << f;
  }
}

TEST(GpuSinkStoredTiles, SrgbEqualsCpuReference) {
  SKIP_WITHOUT_GPU();
  expect_sink_equals_cpu(ColorSpace::kRgb);
}

TEST(GpuSinkStoredTiles, LabEqualsCpuReference) {
  SKIP_WITHOUT_GPU();
  expect_sink_equals_cpu(ColorSpace::kLab);
}

}  // namespace
}  // namespace barcode::gpu
