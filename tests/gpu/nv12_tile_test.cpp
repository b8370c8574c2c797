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
#include "cuda_check.h"
#include "gpu/gpu_kmeans.h"
#include "nv12_tile.h"
#include "yuv_test_frames.h"

namespace barcode::gpu {
namespace {

using test::cpu_tile;
using test::HostFrame;
using test::make_frame;
using test::swscale_tile;

#define SKIP_WITHOUT_GPU() \
  if (device_count() == 0) GTEST_SKIP() << "no CUDA device"

// How the test frame lies in device memory: as NVDEC hands it over (NV12 / P010, chroma
// interleaved, 10-bit samples in the high bits) or as a software decoder's frame uploaded by
// GpuSink (yuv420p / yuv420p10, chroma planar, 10-bit samples in the low bits).
enum class Layout { kInterleaved, kPlanar };

// One plane of `values` (code values) as bytes: 8-bit samples, or little-endian words holding
// the value shifted up by `shift`.
std::vector<uint8_t> layout_bytes(const std::vector<uint16_t>& values, bool ten_bit, int shift) {
  std::vector<uint8_t> out(values.size() * (ten_bit ? 2 : 1));
  for (size_t i = 0; i < values.size(); ++i) {
    if (ten_bit) {
      const auto word = static_cast<uint16_t>(values[i] << shift);
      out[2 * i] = static_cast<uint8_t>(word & 0xFF);
      out[2 * i + 1] = static_cast<uint8_t>(word >> 8);
    } else {
      out[i] = static_cast<uint8_t>(values[i]);
    }
  }
  return out;
}

// A plane uploaded with cudaMallocPitch, as a decoder's surfaces or GpuSink's planes lie.
struct DevicePlane {
  void* data = nullptr;
  size_t pitch = 0;
  DevicePlane(const std::vector<uint8_t>& bytes, size_t row, size_t rows) {
    CUDA_CHECK(cudaMallocPitch(&data, &pitch, row, rows));
    CUDA_CHECK(cudaMemcpy2D(data, pitch, bytes.data(), row, row, rows, cudaMemcpyHostToDevice));
  }
  ~DevicePlane() { (void)cudaFree(data); }
  DevicePlane(const DevicePlane&) = delete;
  DevicePlane& operator=(const DevicePlane&) = delete;
};

// The GPU's tile of `f` laid out as `layout`; of the rectangle `crop` when it is not whole, as
// GpuSink crops frames; its pixels placed as `orientation` shows them.
std::vector<uint8_t> gpu_tile(const HostFrame& f, YuvMatrix matrix, YuvRange range, int tw, int th,
                              const CropRect& crop = {}, const ToneMap* tone = nullptr,
                              Layout layout = Layout::kInterleaved,
                              TileOrientation orientation = {}) {
  CUDA_CHECK(cudaSetDevice(0));
  const bool planar = layout == Layout::kPlanar;
  const size_t bytes = f.p010 ? 2 : 1;
  const int shift = f.p010 && !planar ? 6 : 0;
  const size_t chroma_w = size_t(f.width / 2), chroma_h = size_t(f.height / 2);
  std::vector<uint16_t> cb_values, cr_values;
  if (planar) {
    for (size_t i = 0; i < f.chroma.size(); i += 2) {
      cb_values.push_back(f.chroma[i]);
      cr_values.push_back(f.chroma[i + 1]);
    }
  }
  const DevicePlane luma(layout_bytes(f.luma, f.p010, shift), size_t(f.width) * bytes,
                         size_t(f.height));
  const DevicePlane chroma(layout_bytes(planar ? cb_values : f.chroma, f.p010, shift),
                           chroma_w * (planar ? 1 : 2) * bytes, chroma_h);
  const DevicePlane cr_plane(layout_bytes(planar ? cr_values : f.chroma, f.p010, shift),
                             chroma_w * (planar ? 1 : 2) * bytes, chroma_h);
  void* d_rgb = nullptr;
  CUDA_CHECK(cudaMalloc(&d_rgb, size_t(tw) * th * 3));
  YuvPlanes s;
  s.luma = luma.data, s.luma_pitch = luma.pitch;
  s.cb = chroma.data, s.chroma_pitch = chroma.pitch;
  s.cr = planar ? cr_plane.data : static_cast<const uint8_t*>(chroma.data) + bytes;
  s.chroma_step = planar ? 1 : 2;
  s.width = f.width, s.height = f.height;
  s.sixteen_bit = f.p010, s.bits = f.p010 ? 10 : 8, s.shift = shift;
  if (!crop.whole()) s = crop_planes(s, crop);
  // HDR: the host's tables uploaded as they are, as GpuSink does.
  double *d_light = nullptr, *d_threshold = nullptr;
  ToneMapTables tables;
  if (tone) {
    const size_t light_bytes = tone->light().size() * sizeof(double);
    const size_t threshold_bytes = tone->threshold().size() * sizeof(double);
    CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d_light), light_bytes));
    CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d_threshold), threshold_bytes));
    CUDA_CHECK(cudaMemcpy(d_light, tone->light().data(), light_bytes, cudaMemcpyHostToDevice));
    CUDA_CHECK(
        cudaMemcpy(d_threshold, tone->threshold().data(), threshold_bytes, cudaMemcpyHostToDevice));
    tables = tone->tables();
    tables.light = d_light;
    tables.threshold = d_threshold;
  }
  launch_yuv420_to_rgb_tile(s, matrix, range, static_cast<uint8_t*>(d_rgb), tw, th, nullptr,
                            tone ? &tables : nullptr, orientation);
  std::vector<uint8_t> rgb(size_t(tw) * th * 3);
  CUDA_CHECK(cudaMemcpy(rgb.data(), d_rgb, rgb.size(), cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaFree(d_rgb));
  CUDA_CHECK(cudaFree(d_light));
  CUDA_CHECK(cudaFree(d_threshold));
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

// The CPU converter (software-decoded frames, the CPU path) is the kernel's twin: the same
// tiles, byte for byte, so a frame's results do not depend on who decoded or converted it.
TEST(Nv12Tile, CpuTwinEqualsKernel) {
  SKIP_WITHOUT_GPU();
  // The last two: tiles larger than the frame (a stream whose picture shrinks mid-way).
  const int sizes[][4] = {{1920, 1080, 160, 90}, {318, 178, 160, 90}, {318, 178, 53, 30},
                          {642, 362, 160, 90},   {128, 72, 160, 92},  {34, 22, 53, 30}};
  for (const bool p010 : {false, true}) {
    for (const auto& size : sizes) {
      for (const Case& c : kMatrices) {
        const HostFrame f = make_frame(size[0], size[1], p010, c.range == YuvRange::kFull,
                                       uint64_t(size[0]) * 3 + uint64_t(p010));
        EXPECT_EQ(gpu_tile(f, c.matrix, c.range, size[2], size[3]),
                  cpu_tile(f, c.matrix, c.range, size[2], size[3]))
            << (p010 ? "P010 " : "NV12 ") << c.name << " " << size[0] << "x" << size[1] << " -> "
            << size[2] << "x" << size[3];
      }
    }
  }
}

// A crop (black bars cut away) reads the surface from the rectangle's corner: the kernel's tile
// of the rectangle equals the CPU twin's and that of a frame which was only the picture.
TEST(Nv12Tile, CroppedSurfaceEqualsCpuTwinAndPicture) {
  SKIP_WITHOUT_GPU();
  for (const bool p010 : {false, true}) {
    const HostFrame picture = make_frame(1440, 1080, p010, false, 11 + uint64_t(p010));
    const HostFrame framed = test::in_bars(picture, 1920, 1080, 240, 0);  // 4:3 in 16:9
    const CropRect crop{240, 0, 1440, 1080};
    const std::vector<uint8_t> want =
        cpu_tile(picture, YuvMatrix::kBt709, YuvRange::kLimited, 160, 120);
    EXPECT_EQ(gpu_tile(framed, YuvMatrix::kBt709, YuvRange::kLimited, 160, 120, crop), want);
    EXPECT_EQ(cpu_tile(framed, YuvMatrix::kBt709, YuvRange::kLimited, 160, 120, crop), want);
    const HostFrame scope = make_frame(1920, 804, p010, false, 5);  // 2.39:1 in 16:9
    const HostFrame letterboxed = test::in_bars(scope, 1920, 1080, 0, 138);
    EXPECT_EQ(gpu_tile(letterboxed, YuvMatrix::kBt709, YuvRange::kLimited, 160, 67,
                       CropRect{0, 138, 1920, 804}),
              cpu_tile(scope, YuvMatrix::kBt709, YuvRange::kLimited, 160, 67));
  }
}

// Phone video: the kernel places each tile pixel where the display matrix shows it, as the
// host turns a CPU tile (orient_tile), for every turn and mirror, cropped or not.
TEST(Nv12Tile, TurnedTileEqualsTurnedCpuTwin) {
  SKIP_WITHOUT_GPU();
  const TileOrientation turns[] = {{1, 0, 0, 1},  {0, 1, -1, 0}, {-1, 0, 0, -1}, {0, -1, 1, 0},
                                   {-1, 0, 0, 1}, {1, 0, 0, -1}, {0, 1, 1, 0},   {0, -1, -1, 0}};
  for (const bool p010 : {false, true}) {
    const HostFrame f = make_frame(1920, 1080, p010, false, 21 + uint64_t(p010));
    for (const CropRect& crop : {CropRect{}, CropRect{240, 0, 1440, 1080}}) {
      const std::vector<uint8_t> stored =
          cpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 90, 160, crop);
      for (const TileOrientation& o : turns) {
        std::vector<uint8_t> want(stored.size());
        orient_tile(stored.data(), 90, 160, o, want.data());
        EXPECT_EQ(gpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 90, 160, crop, nullptr,
                           Layout::kInterleaved, o),
                  want)
            << (p010 ? "P010 " : "NV12 ") << orientation_text(o)
            << (crop.whole() ? "" : ", cropped");
      }
    }
  }
}

// HDR: PQ and HLG P010 surfaces tone-mapped by the kernel equal the CPU twin's tiles byte for
// byte, for source peaks below, at and above the SDR peak, cropped or not.
TEST(Nv12Tile, ToneMappedHdrEqualsCpuTwin) {
  SKIP_WITHOUT_GPU();
  for (const HdrTransfer transfer : {HdrTransfer::kPq, HdrTransfer::kHlg}) {
    for (const double peak : {100.0, 1000.0, 4000.0}) {
      ToneMapParams params;
      params.transfer = transfer;
      params.source_peak = peak;
      const ToneMap tone(params);
      const ToneMapTables tables = tone.tables();
      for (const bool full : {false, true}) {
        const HostFrame f = make_frame(1920, 1080, true, full, uint64_t(peak) + 3);
        const YuvRange range = full ? YuvRange::kFull : YuvRange::kLimited;
        EXPECT_EQ(gpu_tile(f, YuvMatrix::kBt2020Ncl, range, 160, 90, {}, &tone),
                  cpu_tile(f, YuvMatrix::kBt2020Ncl, range, 160, 90, {}, &tables))
            << hdr_transfer_name(transfer) << " Lw " << peak << (full ? " full" : " limited");
        const CropRect crop{0, 138, 1920, 804};
        EXPECT_EQ(gpu_tile(f, YuvMatrix::kBt2020Ncl, range, 160, 67, crop, &tone),
                  cpu_tile(f, YuvMatrix::kBt2020Ncl, range, 160, 67, crop, &tables));
      }
    }
  }
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

// Software-decoded frames (yuv420p, yuv420p10) uploaded as they are: planar chroma and 10-bit
// samples in the low bits give the CPU twin's tiles byte for byte, cropped, tone-mapped or not.
TEST(Nv12Tile, PlanarFramesEqualCpuTwin) {
  SKIP_WITHOUT_GPU();
  const int sizes[][4] = {{1920, 1080, 160, 90}, {318, 178, 53, 30}, {642, 362, 160, 90}};
  for (const bool ten_bit : {false, true}) {
    for (const auto& size : sizes) {
      for (const Case& c : kMatrices) {
        const HostFrame f = make_frame(size[0], size[1], ten_bit, c.range == YuvRange::kFull,
                                       uint64_t(size[0]) * 5 + uint64_t(ten_bit));
        EXPECT_EQ(gpu_tile(f, c.matrix, c.range, size[2], size[3], {}, nullptr, Layout::kPlanar),
                  cpu_tile(f, c.matrix, c.range, size[2], size[3]))
            << (ten_bit ? "yuv420p10 " : "yuv420p ") << c.name << " " << size[0] << "x" << size[1];
      }
    }
    const HostFrame scope = make_frame(1920, 804, ten_bit, false, 9);
    const HostFrame letterboxed = test::in_bars(scope, 1920, 1080, 0, 138);
    EXPECT_EQ(gpu_tile(letterboxed, YuvMatrix::kBt709, YuvRange::kLimited, 160, 67,
                       CropRect{0, 138, 1920, 804}, nullptr, Layout::kPlanar),
              cpu_tile(scope, YuvMatrix::kBt709, YuvRange::kLimited, 160, 67));
  }
  ToneMapParams params;
  params.transfer = HdrTransfer::kPq;
  params.source_peak = 1000.0;
  const ToneMap tone(params);
  const ToneMapTables tables = tone.tables();
  const HostFrame hdr = make_frame(1920, 1080, true, false, 21);
  EXPECT_EQ(
      gpu_tile(hdr, YuvMatrix::kBt2020Ncl, YuvRange::kLimited, 160, 90, {}, &tone, Layout::kPlanar),
      cpu_tile(hdr, YuvMatrix::kBt2020Ncl, YuvRange::kLimited, 160, 90, {}, &tables));
}

TEST(Nv12Tile, RejectsBadSizes) {
  SKIP_WITHOUT_GPU();
  YuvPlanes s;
  s.width = 0, s.height = 0;
  EXPECT_THROW(
      launch_yuv420_to_rgb_tile(s, YuvMatrix::kBt709, YuvRange::kLimited, nullptr, 16, 9, nullptr),
      Error);
}

}  // namespace
}  // namespace barcode::gpu
