// Software decoders that put their pictures in a caller's memory (video/picture_memory.h, how a
// GPU rank gives them page-locked memory) decode the very same pictures as with FFmpeg's pools,
// on real files: frame-threaded H.264, HEVC, 10-bit HEVC, VP9 and MPEG-4 part 2.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/pixdesc.h>
}

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "video/decoder.h"
#include "video/picture_memory.h"
#include "video/probe.h"

namespace barcode {
namespace {

std::string media(const std::string& name) {
  const char* dir = std::getenv("BARCODE_MEDIA");
  return std::string(dir ? dir : "test-media") + "/" + name;
}

// Memory from av_malloc, counted: buffers handed out and not yet released.
class CountedMemory : public PictureMemory {
 public:
  explicit CountedMemory(bool refuse = false) : refuse_(refuse) {}
  AVBufferRef* take(size_t bytes) override {
    ++asked;
    if (refuse_) return nullptr;
    auto* data = static_cast<uint8_t*>(av_malloc(bytes));
    if (!data) return nullptr;
    AVBufferRef* buffer = av_buffer_create(data, bytes, release, &live, 0);
    if (buffer) ++live;
    return buffer;
  }
  std::atomic<int> asked{0};
  std::atomic<int> live{0};

 private:
  static void release(void* counter, uint8_t* data) {
    av_free(data);
    --*static_cast<std::atomic<int>*>(counter);
  }
  bool refuse_;
};

// A hash of each decoded picture's visible samples, in presentation order, and its format.
struct Decoded {
  std::vector<uint64_t> hashes;
  int format = -1;
};

Decoded decode_all(const std::string& path, PictureMemory* memory, int threads) {
  const StreamInfo info = probe_video(path);
  DecodeConfig config;
  config.threads = threads;
  if (memory) config.pictures = std::shared_ptr<PictureMemory>(memory, [](PictureMemory*) {});
  Decoded out;
  decode_segment(info, Segment{}, config, [&](const AVFrame* frame, int64_t) {
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
    uint64_t hash = 1469598103934665603ull;
    for (int plane = 0; plane < 3 && frame->data[plane]; ++plane) {
      const int shift_w = plane ? desc->log2_chroma_w : 0,
                shift_h = plane ? desc->log2_chroma_h : 0;
      const int bytes = desc->comp[0].step;
      const int rows = -((-frame->height) >> shift_h),
                row_bytes = -((-frame->width) >> shift_w) * bytes;
      for (int y = 0; y < rows; ++y) {
        const uint8_t* row =
            frame->data[plane] + static_cast<ptrdiff_t>(y) * frame->linesize[plane];
        for (int x = 0; x < row_bytes; ++x) hash = (hash ^ row[x]) * 1099511628211ull;
      }
    }
    out.hashes.push_back(hash);
    out.format = frame->format;
    return true;
  });
  return out;
}

class PictureMemoryTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PictureMemoryTest, SamePicturesAsFfmpegPools) {
  const std::string path = media(GetParam());
  const Decoded plain = decode_all(path, nullptr, 2);
  ASSERT_GT(plain.hashes.size(), 10u) << path;
  CountedMemory memory;
  const Decoded pooled = decode_all(path, &memory, 2);
  EXPECT_EQ(pooled.hashes, plain.hashes) << path;
  EXPECT_GT(memory.asked.load(), 0) << path << ": the decoder never asked for a picture";
  // Every picture went back once the decoder and its frames were gone.
  EXPECT_EQ(memory.live.load(), 0) << path;
}

// Memory that cannot be had is no failure: the decoder falls back to FFmpeg's pools.
TEST_P(PictureMemoryTest, RefusedMemoryFallsBackToFfmpegPools) {
  const std::string path = media(GetParam());
  CountedMemory refusing(true);
  EXPECT_EQ(decode_all(path, &refusing, 1).hashes, decode_all(path, nullptr, 1).hashes) << path;
  EXPECT_GT(refusing.asked.load(), 0) << path;
}

INSTANTIATE_TEST_SUITE_P(RealFiles, PictureMemoryTest,
                         ::testing::Values("busy_h264.mp4", "busy_hevc.mkv", "hdr_pq.mkv",
                                           "busy_vp9.webm", "busy_mpeg4.avi"));

// An allocator of av_malloc'ed buffers that counts the buffers alive.
struct Counter {
  std::atomic<int> made{0};
  std::atomic<int> live{0};
};

void free_counted(void* counter, uint8_t* data) {
  av_free(data);
  --static_cast<Counter*>(counter)->live;
}

AVBufferRef* allocate_counted(void* opaque, size_t bytes) {
  auto* counter = static_cast<Counter*>(opaque);
  auto* data = static_cast<uint8_t*>(av_malloc(bytes));
  AVBufferRef* buffer = data ? av_buffer_create(data, bytes, free_counted, counter, 0) : nullptr;
  if (!buffer) {
    av_free(data);
    return nullptr;
  }
  ++counter->made;
  ++counter->live;
  return buffer;
}

TEST(PooledPictureMemory, ReusesTheBuffersOfASize) {
  Counter counter;
  {
    PooledPictureMemory memory(allocate_counted, &counter);
    AVBufferRef* a = memory.take(1000);
    ASSERT_NE(a, nullptr);
    EXPECT_GE(a->size, 1000u);
    const uint8_t* first = a->data;
    av_buffer_unref(&a);
    AVBufferRef* b = memory.take(1000);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->data, first);
    EXPECT_EQ(counter.made.load(), 1);
    av_buffer_unref(&b);
  }
  EXPECT_EQ(counter.live.load(), 0);  // the destructor let every pool go
}

// Sizes beyond the kept ones let the oldest pool go: its free buffers at once, a held one when
// its picture is released, and that one stays usable meanwhile.
TEST(PooledPictureMemory, LetsGoOfTheSizeTakenLongestAgo) {
  Counter counter;
  PooledPictureMemory memory(allocate_counted, &counter, 2);
  AVBufferRef* held = memory.take(100);
  AVBufferRef* freed = memory.take(100);
  av_buffer_unref(&freed);
  AVBufferRef* other = memory.take(200);
  av_buffer_unref(&other);
  EXPECT_EQ(memory.pools(), 2);
  EXPECT_EQ(counter.live.load(), 3);
  AVBufferRef* third = memory.take(300);  // the 100-byte pool is the oldest: let go
  EXPECT_EQ(memory.pools(), 2);
  EXPECT_EQ(counter.live.load(), 4 - 1);  // its free buffer went, the held one stays
  held->data[99] = 7;                     // still ours until released
  av_buffer_unref(&held);
  EXPECT_EQ(counter.live.load(), 2);
  AVBufferRef* again = memory.take(200);  // kept: reused, nothing made
  EXPECT_EQ(counter.made.load(), 4);
  av_buffer_unref(&again);
  av_buffer_unref(&third);
}

// Pictures other than planar 4:2:0 (this clip is 4:4:4, of an odd size) stay in FFmpeg's pools.
TEST(PictureMemory, OtherFormatsStayInFfmpegPools) {
  const std::string path = media("odd_318x179.mp4");
  CountedMemory memory;
  const Decoded pooled = decode_all(path, &memory, 2);
  EXPECT_EQ(pooled.hashes, decode_all(path, nullptr, 2).hashes);
  EXPECT_EQ(pooled.format, AV_PIX_FMT_YUV444P);
  EXPECT_EQ(memory.asked.load(), 0);
}

}  // namespace
}  // namespace barcode
