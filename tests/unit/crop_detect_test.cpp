// Black bars: the rule that decides the crop (on hand-made votes), the votes of real frames, and
// the crop itself: a tile made from a frame's picture rectangle equals the tile of a frame that
// was only the picture, bit for bit.
#include "video/crop_detect.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "yuv_test_frames.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

namespace barcode {
namespace {

// Votes of `frames` frames with picture in which rows [top, h - bottom) and columns
// [left, w - right) were bright in every frame.
BarVotes votes_for(int w, int h, int top, int bottom, int left, int right, int64_t frames) {
  BarVotes v(w, h);
  v.counts[0] = frames;
  for (int y = top; y < h - bottom; ++y) v.counts[1 + size_t(y)] = frames;
  for (int x = left; x < w - right; ++x) v.counts[1 + size_t(h + x)] = frames;
  return v;
}

TEST(DecideCrop, LetterboxAndPillarboxRoundedDownToEven) {
  std::string method;
  const CropRect c = decide_crop(votes_for(320, 180, 23, 25, 41, 40, 40), &method);
  EXPECT_EQ(c.y, 22);  // 23 rounds down: a row of bar kept rather than a row of picture lost
  EXPECT_EQ(c.height, 180 - 22 - 24);
  EXPECT_EQ(c.x, 40);
  EXPECT_EQ(c.width, 320 - 40 - 40);
  EXPECT_NE(method.find("top 23"), std::string::npos) << method;
}

TEST(DecideCrop, DarkScenesAndTitleCardsDoNotMoveTheCrop) {
  std::string method;
  // Picture rows 20..159. Rows 20..39 are dark in most frames (a night sky) but bright in 3 of
  // 40: they stay picture. Bar rows bright in 2 of 40 frames (a full-frame logo): still bars.
  BarVotes v = votes_for(320, 180, 20, 20, 0, 0, 40);
  for (int y = 20; y < 40; ++y) v.counts[1 + size_t(y)] = 3;
  for (int y = 0; y < 20; ++y) v.counts[1 + size_t(y)] = 2;
  for (int y = 160; y < 180; ++y) v.counts[1 + size_t(y)] = 2;
  const CropRect c = decide_crop(v, &method);
  EXPECT_EQ(c.y, 20);
  EXPECT_EQ(c.height, 140);
  EXPECT_EQ(c.x, 0);
  EXPECT_EQ(c.width, 320);
}

TEST(DecideCrop, NeverMoreThanAThirdPerSide) {
  std::string method;
  const CropRect c = decide_crop(votes_for(300, 180, 80, 10, 0, 0, 40), &method);
  EXPECT_EQ(c.y, 60);
  EXPECT_EQ(c.height, 180 - 60 - 10);
}

TEST(DecideCrop, TooLittleEvidenceOrNothingBrightCropsNothing) {
  std::string method;
  CropRect c = decide_crop(votes_for(320, 180, 24, 24, 0, 0, kCropMinFrames - 1), &method);
  EXPECT_EQ(c.width, 320);
  EXPECT_EQ(c.height, 180);
  EXPECT_NE(method.find("none"), std::string::npos);
  c = decide_crop(votes_for(320, 180, 90, 90, 0, 0, 40), &method);  // no row bright
  EXPECT_EQ(c.y, 0);
  EXPECT_EQ(c.height, 180);
}

TEST(CropProbes, SpreadOverTheTable) {
  EXPECT_EQ(crop_probe_positions(4), (std::vector<int64_t>{0, 1, 2, 3}));
  const std::vector<int64_t> p = crop_probe_positions(172800);
  ASSERT_EQ(p.size(), size_t(kCropProbeFrames));
  EXPECT_EQ(p.front(), 172800 / (2 * kCropProbeFrames));
  EXPECT_LT(p.back(), 172800);
  for (size_t i = 1; i < p.size(); ++i) EXPECT_GT(p[i], p[i - 1]);
}

// A yuv420p frame: black bars (Y 16) of `bar` rows at the top and bottom, picture Y `luma`.
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
std::unique_ptr<AVFrame, FrameDeleter> letterboxed(int w, int h, int bar, uint8_t luma) {
  std::unique_ptr<AVFrame, FrameDeleter> f(av_frame_alloc());
  f->format = AV_PIX_FMT_YUV420P;
  f->width = w;
  f->height = h;
  EXPECT_GE(av_frame_get_buffer(f.get(), 0), 0);
  for (int y = 0; y < h; ++y) {
    std::memset(f->data[0] + y * f->linesize[0], y < bar || y >= h - bar ? 16 : luma, size_t(w));
  }
  return f;
}

TEST(FrameVotes, BarsVoteDarkAndBlackFramesDoNotVote) {
  BarVotes v(64, 48);
  EXPECT_TRUE(add_frame_votes(letterboxed(64, 48, 6, 120).get(), v));
  EXPECT_EQ(v.frames(), 1);
  EXPECT_EQ(v.bright_row(5), 0);
  EXPECT_EQ(v.bright_row(6), 1);
  EXPECT_EQ(v.bright_row(41), 1);
  EXPECT_EQ(v.bright_row(42), 0);
  EXPECT_EQ(v.bright_column(0), 1);  // 36 of 48 rows at 120: the column mean is far above 24
  EXPECT_TRUE(add_frame_votes(letterboxed(64, 48, 6, 20).get(), v));  // a dark scene
  EXPECT_EQ(v.frames(), 1);
  EXPECT_FALSE(add_frame_votes(letterboxed(32, 48, 6, 120).get(), v));  // another size
}

TEST(CropPlanes, TileOfTheCropEqualsTileOfThePicture) {
  for (const bool p010 : {false, true}) {
    SCOPED_TRACE(p010 ? "P010" : "NV12");
    const test::HostFrame picture = test::make_frame(240, 100, p010, false, 7);
    const test::HostFrame framed = test::in_bars(picture, 320, 180, 40, 40);
    const CropRect crop{40, 40, 240, 100};
    for (const auto& [tw, th] : {std::pair{160, 67}, std::pair{97, 41}, std::pair{240, 100}}) {
      EXPECT_EQ(test::cpu_tile(framed, YuvMatrix::kBt709, YuvRange::kLimited, tw, th, crop),
                test::cpu_tile(picture, YuvMatrix::kBt709, YuvRange::kLimited, tw, th));
    }
  }
}

// Other layouts go through swscale from the crop's corner: the tile of a 4:4:4 frame's rectangle
// equals the tile of a frame holding only that rectangle.
TEST(CropPlanes, SwscaleLayoutsCropTheSameWay) {
  for (const AVPixelFormat format : {AV_PIX_FMT_YUV444P, AV_PIX_FMT_GBRP, AV_PIX_FMT_RGB24}) {
    std::unique_ptr<AVFrame, FrameDeleter> big(av_frame_alloc()), small(av_frame_alloc());
    big->format = small->format = format;
    big->width = 96, big->height = 64;
    small->width = 60, small->height = 40;
    ASSERT_GE(av_frame_get_buffer(big.get(), 0), 0);
    ASSERT_GE(av_frame_get_buffer(small.get(), 0), 0);
    const int planes = format == AV_PIX_FMT_RGB24 ? 1 : 3;
    const int bytes = format == AV_PIX_FMT_RGB24 ? 3 : 1;
    for (int p = 0; p < planes; ++p) {
      for (int y = 0; y < 64; ++y) {
        for (int x = 0; x < 96 * bytes; ++x) {
          big->data[p][y * big->linesize[p] + x] =
              static_cast<uint8_t>((x * 7 + y * 13 + p * 50) ^ (x * y));
        }
      }
      for (int y = 0; y < 40; ++y) {
        std::memcpy(small->data[p] + y * small->linesize[p],
                    big->data[p] + (y + 10) * big->linesize[p] + 20 * bytes, size_t(60 * bytes));
      }
    }
    TileSource source;
    source.crop = CropRect{20, 10, 60, 40};
    TileConverter cropping(TileSize{30, 20}, source), plain(TileSize{30, 20});
    std::vector<uint8_t> a(30 * 20 * 3), b(a.size());
    cropping.convert(big.get(), a.data());
    plain.convert(small.get(), b.data());
    EXPECT_EQ(a, b) << av_get_pix_fmt_name(format);
  }
}

TEST(CropPlanes, RefusesRectanglesOffTheGrid) {
  const test::HostFrame f = test::make_frame(64, 48, false, false, 1);
  EXPECT_THROW(test::cpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 8, 8, {1, 0, 60, 48}),
               Error);
  EXPECT_THROW(test::cpu_tile(f, YuvMatrix::kBt709, YuvRange::kLimited, 8, 8, {0, 2, 64, 48}),
               Error);
}

TEST(ParseCrop, AcceptsRectanglesInsideTheFrameOnly) {
  StreamInfo info;
  info.path = "film.mkv";
  info.width = 320;
  info.height = 180;
  const CropRect c = parse_crop("240:180:40:0", info);
  EXPECT_EQ(crop_text(c), "240:180:40:0");
  for (const char* bad :
       {"240:180:41:0", "240:180:40:2", "1:180:0:0", "240:180", "a:b:c:d", "240:180:40:0x"}) {
    EXPECT_THROW(parse_crop(bad, info), Error) << bad;
  }
}

}  // namespace
}  // namespace barcode
