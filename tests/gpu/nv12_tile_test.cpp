// The GPU NV12/P010 -> RGB tile conversion against swscale with the flags the CPU path uses
// (src/video/tile_converter.cpp): mean absolute difference at most 1 level per channel.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "video/tile_converter.h"

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include "color/kmeans.h"
#include "gpu/cuda_check.h"
#include "gpu/gpu_kmeans.h"
#include "nv12_tile.h"

namespace barcode::gpu {
namespace {

#define SKIP_WITHOUT_GPU() \
  if (device_count() == 0) GTEST_SKIP() << "no CUDA device"

// A 4:2:0 frame on the host: 16-bit code values (8-bit NV12 uses 0..255, P010 0..1023).
struct HostFrame {
  int width = 0, height = 0;
  bool p010 = false;
  std::vector<uint16_t> luma;    // width * height
  std::vector<uint16_t> chroma;  // (width/2) * (height/2) * 2, Cb Cr interleaved
};

// Smooth gradients in Y, Cb and Cr, a few flat-coloured rectangles with hard edges, and noise:
// legal code values of the given range.
HostFrame make_frame(int w, int h, bool p010, bool full_range, uint64_t seed) {
  HostFrame f;
  f.width = w, f.height = h, f.p010 = p010;
  f.luma.resize(size_t(w) * h);
  f.chroma.resize(size_t(w / 2) * (h / 2) * 2);
  const double scale = p010 ? 4.0 : 1.0;
  const double y_lo = full_range ? 0 : 16 * scale, y_hi = full_range ? 255 * scale : 235 * scale;
  const double c_lo = full_range ? 0 : 16 * scale, c_hi = full_range ? 255 * scale : 240 * scale;
  uint64_t state = seed;
  auto noise = [&](double amplitude) {
    const auto bits = static_cast<double>(mix64(state++) >> 11);  // 53 bits: exact
    return (bits * (1.0 / 9007199254740992.0) - 0.5) * 2 * amplitude;
  };
  auto rect = [&](double x, double y, double& v, double value) {
    const double cx = 0.3 + 0.2 * std::sin(double(seed)), cy = 0.5;
    if (std::abs(x - cx) < 0.15 && std::abs(y - cy) < 0.2) v = value;
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double u = double(x) / w, v = double(y) / h;
      double val = y_lo + (y_hi - y_lo) * (0.15 + 0.7 * (0.5 * u + 0.5 * v * v));
      rect(u, v, val, y_lo + (y_hi - y_lo) * 0.9);
      val += noise(3 * scale);
      f.luma[size_t(y) * w + x] =
          static_cast<uint16_t>(std::clamp(std::lround(val), long(y_lo), long(y_hi)));
    }
  }
  for (int y = 0; y < h / 2; ++y) {
    for (int x = 0; x < w / 2; ++x) {
      const double u = double(2 * x) / w, v = double(2 * y) / h;
      const double mid = (c_lo + c_hi) / 2, half = (c_hi - c_lo) / 2;
      double cb = mid + half * 0.5 * std::sin(3 * u + 1.0 * double(seed));
      double cr = mid + half * 0.5 * std::cos(2 * v + u);
      rect(u, v, cb, mid - half * 0.4);
      rect(u, v, cr, mid + half * 0.6);
      cb += noise(2 * scale);
      cr += noise(2 * scale);
      const size_t at = (size_t(y) * (w / 2) + x) * 2;
      f.chroma[at] = static_cast<uint16_t>(std::clamp(std::lround(cb), long(c_lo), long(c_hi)));
      f.chroma[at + 1] = static_cast<uint16_t>(std::clamp(std::lround(cr), long(c_lo), long(c_hi)));
    }
  }
  return f;
}

// The frame's planes as bytes: NV12 one byte per value, P010 little-endian words, value << 6.
std::vector<uint8_t> plane_bytes(const std::vector<uint16_t>& values, bool p010) {
  std::vector<uint8_t> out(values.size() * (p010 ? 2 : 1));
  for (size_t i = 0; i < values.size(); ++i) {
    if (p010) {
      const auto word = static_cast<uint16_t>(values[i] << 6);
      out[2 * i] = static_cast<uint8_t>(word & 0xFF);
      out[2 * i + 1] = static_cast<uint8_t>(word >> 8);
    } else {
      out[i] = static_cast<uint8_t>(values[i]);
    }
  }
  return out;
}

int sws_colorspace(YuvMatrix m) {
  switch (m) {
    case YuvMatrix::kBt601:
      return SWS_CS_ITU601;
    case YuvMatrix::kBt709:
      return SWS_CS_ITU709;
    case YuvMatrix::kBt2020Ncl:
      return SWS_CS_BT2020;
  }
  return SWS_CS_DEFAULT;
}

// swscale's tile, with the CPU path's flags.
std::vector<uint8_t> swscale_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range, int tw,
                                  int th) {
  const AVPixelFormat fmt = f.p010 ? AV_PIX_FMT_P010LE : AV_PIX_FMT_NV12;
  SwsContext* sws = sws_getContext(f.width, f.height, fmt, tw, th, AV_PIX_FMT_RGB24, kTileSwsFlags,
                                   nullptr, nullptr, nullptr);
  EXPECT_NE(sws, nullptr);
  if (!sws) return {};
  sws_setColorspaceDetails(sws, sws_getCoefficients(sws_colorspace(matrix)),
                           range == YuvRange::kFull ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                           0, 1 << 16, 1 << 16);
  const std::vector<uint8_t> luma = plane_bytes(f.luma, f.p010);
  const std::vector<uint8_t> chroma = plane_bytes(f.chroma, f.p010);
  const int bytes = f.p010 ? 2 : 1;
  const uint8_t* src[4] = {luma.data(), chroma.data(), nullptr, nullptr};
  const int src_stride[4] = {f.width * bytes, (f.width / 2) * 2 * bytes, 0, 0};
  std::vector<uint8_t> rgb(size_t(tw) * th * 3);
  uint8_t* dst[4] = {rgb.data(), nullptr, nullptr, nullptr};
  const int dst_stride[4] = {tw * 3, 0, 0, 0};
  const int rows = sws_scale(sws, src, src_stride, 0, f.height, dst, dst_stride);
  sws_freeContext(sws);
  EXPECT_EQ(rows, th);
  return rgb;
}

// The GPU's tile: planes uploaded with cudaMallocPitch, as a decoder's surfaces would be.
std::vector<uint8_t> gpu_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range, int tw,
                              int th) {
  const size_t bytes = f.p010 ? 2 : 1;
  const std::vector<uint8_t> luma = plane_bytes(f.luma, f.p010);
  const std::vector<uint8_t> chroma = plane_bytes(f.chroma, f.p010);
  const size_t luma_row = size_t(f.width) * bytes, chroma_row = size_t(f.width / 2) * 2 * bytes;
  void *d_luma = nullptr, *d_chroma = nullptr, *d_rgb = nullptr;
  size_t luma_pitch = 0, chroma_pitch = 0;
  CUDA_CHECK(cudaSetDevice(0));
  CUDA_CHECK(cudaMallocPitch(&d_luma, &luma_pitch, luma_row, size_t(f.height)));
  CUDA_CHECK(cudaMallocPitch(&d_chroma, &chroma_pitch, chroma_row, size_t(f.height / 2)));
  CUDA_CHECK(cudaMalloc(&d_rgb, size_t(tw) * th * 3));
  CUDA_CHECK(cudaMemcpy2D(d_luma, luma_pitch, luma.data(), luma_row, luma_row, size_t(f.height),
                          cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy2D(d_chroma, chroma_pitch, chroma.data(), chroma_row, chroma_row,
                          size_t(f.height / 2), cudaMemcpyHostToDevice));
  YuvSurface s;
  s.luma = d_luma, s.luma_pitch = luma_pitch;
  s.chroma = d_chroma, s.chroma_pitch = chroma_pitch;
  s.width = f.width, s.height = f.height, s.p010 = f.p010;
  launch_yuv420_to_rgb_tile(s, matrix, range, static_cast<uint8_t*>(d_rgb), tw, th, nullptr);
  std::vector<uint8_t> rgb(size_t(tw) * th * 3);
  CUDA_CHECK(cudaMemcpy(rgb.data(), d_rgb, rgb.size(), cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaFree(d_luma));
  CUDA_CHECK(cudaFree(d_chroma));
  CUDA_CHECK(cudaFree(d_rgb));
  return rgb;
}

struct Case {
  int width, height, tile_w, tile_h;
  bool p010;
  YuvMatrix matrix;
  YuvRange range;
  const char* name;
};

void expect_close_to_swscale(const Case& c) {
  const HostFrame f = make_frame(c.width, c.height, c.p010, c.range == YuvRange::kFull,
                                 uint64_t(c.width) * 7 + uint64_t(c.p010));
  const std::vector<uint8_t> want = swscale_tile(f, c.matrix, c.range, c.tile_w, c.tile_h);
  const std::vector<uint8_t> got = gpu_tile(f, c.matrix, c.range, c.tile_w, c.tile_h);
  ASSERT_EQ(want.size(), got.size());
  double mad[3] = {0, 0, 0};
  int worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int d = std::abs(int(got[i]) - int(want[i]));
    mad[i % 3] += d;
    worst = std::max(worst, d);
  }
  const double pixels = double(c.tile_w) * c.tile_h;
  std::printf("[ %s %s %dx%d -> %dx%d ] mean |GPU - swscale| R %.3f G %.3f B %.3f, max %d\n",
              c.p010 ? "P010" : "NV12", c.name, c.width, c.height, c.tile_w, c.tile_h,
              mad[0] / pixels, mad[1] / pixels, mad[2] / pixels, worst);
  for (int ch = 0; ch < 3; ++ch) {
    EXPECT_LE(mad[ch] / pixels, 1.0) << c.name << " channel " << ch;
  }
}

const Case kMatrices[] = {
    {0, 0, 0, 0, false, YuvMatrix::kBt601, YuvRange::kLimited, "BT.601 limited"},
    {0, 0, 0, 0, false, YuvMatrix::kBt709, YuvRange::kLimited, "BT.709 limited"},
    {0, 0, 0, 0, false, YuvMatrix::kBt709, YuvRange::kFull, "BT.709 full"},
    {0, 0, 0, 0, false, YuvMatrix::kBt2020Ncl, YuvRange::kLimited, "BT.2020-ncl limited"},
};

void run_sizes(bool p010) {
  const int sizes[][4] = {{1920, 1080, 160, 90}, {318, 178, 160, 90}, {318, 178, 53, 30}};
  for (const auto& size : sizes) {
    for (Case c : kMatrices) {
      c.width = size[0], c.height = size[1], c.tile_w = size[2], c.tile_h = size[3];
      c.p010 = p010;
      expect_close_to_swscale(c);
    }
  }
}

TEST(Nv12Tile, Nv12MatchesSwscaleArea) {
  SKIP_WITHOUT_GPU();
  run_sizes(false);
}

TEST(Nv12Tile, P010MatchesSwscaleArea) {
  SKIP_WITHOUT_GPU();
  run_sizes(true);
}

TEST(Nv12Tile, FlatGreyIsExact) {
  SKIP_WITHOUT_GPU();
  // Y = 126 limited range -> (126-16)/219*255 = 128.08: every tile pixel 128, chroma neutral.
  HostFrame f;
  f.width = 64, f.height = 48;
  f.luma.assign(64 * 48, 126);
  f.chroma.assign(32 * 24 * 2, 128);
  const std::vector<uint8_t> got = gpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 10, 7);
  for (uint8_t v : got) EXPECT_EQ(v, 128);
}

TEST(Nv12Tile, RejectsBadSizes) {
  SKIP_WITHOUT_GPU();
  YuvSurface s;
  s.width = 0, s.height = 0;
  EXPECT_THROW(
      launch_yuv420_to_rgb_tile(s, YuvMatrix::kBt709, YuvRange::kLimited, nullptr, 16, 9, nullptr),
      Error);
}

}  // namespace
}  // namespace barcode::gpu
