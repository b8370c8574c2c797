// Tile conversion of one 4:2:0 frame: the tool's converter (exact integer area sums,
// video/yuv_tile.h) against swscale with the flags it uses for other layouts (SWS_AREA |
// ACCURATE_RND | BITEXACT | FULL_CHR_H_INT). Prints milliseconds per frame, one thread: the
// thread's CPU time, which other work on a shared machine disturbs far less than the wall clock.
// The converter's rows: the code it picks, and its plain and AVX2 versions by name, on one frame
// again and again (in the caches), and on 48 frames in turn (about 150 MB at 1080p, more than the
// caches hold: a decoder's frames arrive so).
//
//   tile_convert_bench [WIDTH HEIGHT TILE_W TILE_H [REPEATS]]
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "video/ffmpeg_util.h"
#include "video/tile_converter.h"
#include "video/yuv_tile.h"

extern "C" {
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

int main(int argc, char** argv) {
  using namespace barcode;
  const bool sized = argc >= 5;
  const int w = sized ? std::atoi(argv[1]) : 1920, h = sized ? std::atoi(argv[2]) : 1080;
  const int tw = sized ? std::atoi(argv[3]) : 160, th = sized ? std::atoi(argv[4]) : 90;
  const int repeats = argc >= 6 ? std::atoi(argv[5]) : 200;
  FramePtr frame = make_frame();
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = w;
  frame->height = h;
  frame->colorspace = AVCOL_SPC_BT709;
  if (av_frame_get_buffer(frame.get(), 0) < 0) return 1;
  uint64_t state = 1;
  for (int p = 0; p < 3; ++p) {
    const int rows = p == 0 ? h : h / 2, cols = p == 0 ? w : w / 2;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        frame->data[p][size_t(y) * size_t(frame->linesize[p]) + size_t(x)] =
            static_cast<uint8_t>(16 + (x + y) % 200 + (state >> 61));
      }
    }
  }
  std::vector<uint8_t> rgb(size_t(tw) * size_t(th) * 3);
  TileConverter converter(TileSize{tw, th});
  SwsContext* sws = sws_getContext(w, h, AV_PIX_FMT_YUV420P, tw, th, AV_PIX_FMT_RGB24,
                                   kTileSwsFlags, nullptr, nullptr, nullptr);
  if (!sws) return 1;
  sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_ITU709), 0,
                           sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  const auto cpu_ms = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
  };
  auto time_ms = [&](auto&& run) {
    run();  // warm-up
    const double start = cpu_ms();
    for (int i = 0; i < repeats; ++i) run();
    return (cpu_ms() - start) / repeats;
  };
  const double ours = time_ms([&] { converter.convert(frame.get(), rgb.data()); });
  YuvPlanes planes;
  if (!yuv420_planes_of(frame.get(), &planes)) return 1;
  const auto code_ms = [&](YuvTileCode code) {
    return time_ms([&] {
      yuv420_to_tile(planes, YuvMatrix::kBt709, YuvRange::kLimited, TileSize{tw, th}, rgb.data(),
                     nullptr, code);
    });
  };
  const double plain = code_ms(YuvTileCode::kPlain);
  const double avx2 = yuv_tile_avx2_supported() ? code_ms(YuvTileCode::kAvx2) : -1.0;
  std::vector<FramePtr> copies;
  for (int i = 0; i < 48; ++i) {
    copies.push_back(make_frame());
    AVFrame* c = copies.back().get();
    c->format = frame->format, c->width = w, c->height = h, c->colorspace = frame->colorspace;
    if (av_frame_get_buffer(c, 0) < 0 || av_frame_copy(c, frame.get()) < 0) return 1;
  }
  size_t next = 0;
  const double cold = time_ms([&] {
    converter.convert(copies[next].get(), rgb.data());
    next = (next + 1) % copies.size();
  });
  uint8_t* dst[4] = {rgb.data(), nullptr, nullptr, nullptr};
  const int stride[4] = {tw * 3, 0, 0, 0};
  const double swscale =
      time_ms([&] { sws_scale(sws, frame->data, frame->linesize, 0, h, dst, stride); });
  sws_freeContext(sws);
  std::printf("| %dx%d yuv420p -> %dx%d tile, one thread | ms per frame |\n", w, h, tw, th);
  std::printf("|---|---:|\n| integer area sums (video/yuv_tile.h) | %.3f |\n", ours);
  std::printf("| the same, plain code | %.3f |\n", plain);
  if (avx2 >= 0) std::printf("| the same, AVX2 code | %.3f |\n", avx2);
  std::printf("| the same, 48 frames in turn (not in the caches) | %.3f |\n", cold);
  std::printf("| swscale, kTileSwsFlags | %.3f |\n", swscale);
  return 0;
}
