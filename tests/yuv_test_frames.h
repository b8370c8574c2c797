// Synthetic 4:2:0 frames on the host, swscale's tile of them (with the flags the tool used for
// them) and the CPU converter's, for the tests of the CPU and GPU tile conversions.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include "color/kmeans.h"
#include "color/yuv_rgb.h"
#include "video/tile_converter.h"
#include "video/yuv_tile.h"

namespace barcode::test {

// A 4:2:0 frame on the host: 16-bit code values (8-bit NV12 uses 0..255, P010 0..1023).
struct HostFrame {
  int width = 0, height = 0;
  bool p010 = false;
  std::vector<uint16_t> luma;    // width * height
  std::vector<uint16_t> chroma;  // (width/2) * (height/2) * 2, Cb Cr interleaved
};

// Smooth gradients in Y, Cb and Cr, a few flat-coloured rectangles with hard edges, and noise:
// legal code values of the given range.
inline HostFrame make_frame(int w, int h, bool p010, bool full_range, uint64_t seed) {
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
inline std::vector<uint8_t> plane_bytes(const std::vector<uint16_t>& values, bool p010) {
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

inline int sws_colorspace(YuvMatrix m) {
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
inline std::vector<uint8_t> swscale_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range,
                                         int tw, int th) {
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

// The CPU converter's tile of `f` (interleaved chroma, as NV12 / P010), of its rectangle `crop`
// when that is not whole.
inline std::vector<uint8_t> cpu_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range, int tw,
                                     int th, const CropRect& crop = {},
                                     const ToneMapTables* tone = nullptr) {
  const std::vector<uint8_t> luma = plane_bytes(f.luma, f.p010);
  const std::vector<uint8_t> chroma = plane_bytes(f.chroma, f.p010);
  const size_t bytes = f.p010 ? 2 : 1;
  YuvPlanes p;
  p.luma = luma.data();
  p.luma_pitch = size_t(f.width) * bytes;
  p.cb = chroma.data();
  p.cr = chroma.data() + bytes;
  p.chroma_pitch = size_t(f.width / 2) * 2 * bytes;
  p.chroma_step = 2;
  p.width = f.width, p.height = f.height;
  p.sixteen_bit = f.p010;
  p.bits = f.p010 ? 10 : 8;
  p.shift = f.p010 ? 6 : 0;
  if (!crop.whole()) p = crop_planes(p, crop);
  std::vector<uint8_t> rgb(size_t(tw) * th * 3);
  yuv420_to_tile(p, matrix, range, TileSize{tw, th}, rgb.data(), tone);
  return rgb;
}

// `picture` inside a black frame (limited-range black, neutral chroma) of w x h at (x, y), both
// even.
inline HostFrame in_bars(const HostFrame& picture, int w, int h, int x, int y) {
  HostFrame f;
  f.width = w, f.height = h, f.p010 = picture.p010;
  const uint16_t scale = picture.p010 ? 4 : 1;
  f.luma.assign(size_t(w) * h, static_cast<uint16_t>(16 * scale));
  f.chroma.assign(size_t(w / 2) * (h / 2) * 2, static_cast<uint16_t>(128 * scale));
  for (int r = 0; r < picture.height; ++r) {
    std::copy_n(picture.luma.begin() + long(r) * picture.width, picture.width,
                f.luma.begin() + long(r + y) * w + x);
  }
  for (int r = 0; r < picture.height / 2; ++r) {
    std::copy_n(picture.chroma.begin() + long(r) * (picture.width / 2) * 2, (picture.width / 2) * 2,
                f.chroma.begin() + (long(r + y / 2) * (w / 2) + x / 2) * 2);
  }
  return f;
}

}  // namespace barcode::test
