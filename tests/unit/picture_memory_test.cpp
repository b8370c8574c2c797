// Software decoders that put their pictures in a caller's memory (video/picture_memory.h, how a
// GPU rank gives them page-locked memory) decode the very same pictures as with FFmpeg's pools,
// on real files: H.264, HEVC (8 and 10 bits), VP9, MPEG-4 part 2, MPEG-2 and MJPEG, at odd
// sizes and across a size change, with 1-4 frame threads, with several decoders sharing one
// pool, and when the memory runs out midway.
#include <gtest/gtest.h>

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/pixdesc.h>
}

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "video/decoder.h"
#include "video/ffmpeg_util.h"
#include "video/picture_memory.h"
#include "video/probe.h"

namespace barcode {
namespace {

std::string media(const std::string& name) {
  const char* dir = std::getenv("BARCODE_MEDIA");
  return std::string(dir ? dir : "test-media") + "/" + name;
}

// A picture's buffer is written or read here in one thread and freed in another, ordered by
// FFmpeg's atomic reference counts, which ThreadSanitizer does not see (libavutil is not built
// with it). Every such access and every free passes through this one atomic, which it sees.
std::atomic<unsigned> g_hand_off{0};
void hand_off() {
  g_hand_off.fetch_add(1, std::memory_order_acq_rel);
}

// Memory from av_malloc, counted: buffers handed out and not yet released. Each buffer is
// filled with garbage first (FFmpeg's own pools hand out zeroed memory, page-locked memory is
// not zeroed): a decoder that read samples it never wrote would decode other pictures. With
// `give` >= 0, only the first `give` buffers are handed out, later ones refused (page-locked
// memory running out midway).
class CountedMemory : public PictureMemory {
 public:
  explicit CountedMemory(bool refuse = false) : give_(refuse ? 0 : -1) {}
  static CountedMemory giving(int buffers) {
    CountedMemory memory;
    memory.give_ = buffers;
    return memory;
  }
  CountedMemory(const CountedMemory& other) : give_(other.give_) {}
  AVBufferRef* take(size_t bytes) override {
    const int n = asked++;
    if (give_ >= 0 && n >= give_) return nullptr;
    auto* data = static_cast<uint8_t*>(av_malloc(bytes));
    if (!data) return nullptr;
    for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<uint8_t>((i * 131 + size_t(n)) >> 3);
    hand_off();
    AVBufferRef* buffer = av_buffer_create(data, bytes, release, &live, 0);
    if (!buffer) {
      av_free(data);
      return nullptr;
    }
    ++live;
    const std::lock_guard<std::mutex> lock(mutex_);
    sizes_.insert(bytes);
    return buffer;
  }
  size_t sizes() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return sizes_.size();
  }
  std::atomic<int> asked{0};
  std::atomic<int> live{0};

 private:
  static void release(void* counter, uint8_t* data) {
    hand_off();
    av_free(data);
    --*static_cast<std::atomic<int>*>(counter);
  }
  int give_;
  mutable std::mutex mutex_;
  std::set<size_t> sizes_;
};

// A hash of a picture's visible samples.
uint64_t picture_hash(const AVFrame* frame) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  uint64_t hash = 1469598103934665603ull;
  for (int plane = 0; plane < 3 && frame->data[plane]; ++plane) {
    const int shift_w = plane ? desc->log2_chroma_w : 0, shift_h = plane ? desc->log2_chroma_h : 0;
    const int bytes = desc->comp[0].step;
    const int rows = -((-frame->height) >> shift_h),
              row_bytes = -((-frame->width) >> shift_w) * bytes;
    for (int y = 0; y < rows; ++y) {
      const uint8_t* row = frame->data[plane] + static_cast<ptrdiff_t>(y) * frame->linesize[plane];
      for (int x = 0; x < row_bytes; ++x) hash = (hash ^ row[x]) * 1099511628211ull;
    }
  }
  return hash * 31 + uint64_t(frame->width) * 65536 + uint64_t(frame->height);
}

// A picture in one buffer of the caller's memory (buf[0] holds every plane, as
// get_picture_buffer makes them) must leave the room FFmpeg's pools leave: rows and columns up
// to the codec's block size (avcodec_align_dimensions2 rounds 4:2:0 up to 32 rows), 16 +
// 63 bytes after each plane, every plane and row 64-byte aligned (AVX-512), both chroma planes
// one pitch. Returns whether the picture is in such a buffer.
bool check_layout(const AVFrame* frame) {
  if (!frame->buf[0] || frame->buf[1]) return false;  // FFmpeg's pools: a buffer per plane
  const uint8_t* begin = frame->buf[0]->data;
  const uint8_t* end = begin + frame->buf[0]->size;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  EXPECT_EQ(frame->linesize[1], frame->linesize[2]);
  for (int plane = 0; plane < 3; ++plane) {
    const int shift_h = plane ? desc->log2_chroma_h : 0;
    const ptrdiff_t rows = ((frame->height + 31) / 32 * 32) >> shift_h;
    const uint8_t* data = frame->data[plane];
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u) << "plane " << plane;
    EXPECT_EQ(frame->linesize[plane] % 64, 0) << "plane " << plane;
    EXPECT_TRUE(data >= begin && data + rows * frame->linesize[plane] + 16 + 63 <= end)
        << "plane " << plane << " of " << frame->width << "x" << frame->height << ": at "
        << (data - begin) << ", pitch " << frame->linesize[plane] << ", buffer " << (end - begin);
  }
  return true;
}

// Each decoded picture's hash, in presentation order, its format, and how many pictures were in
// the caller's memory.
struct Decoded {
  std::vector<uint64_t> hashes;
  int format = -1;
  int in_memory = 0;
};

Decoded decode_all(const std::string& path, PictureMemory* memory, int threads,
                   std::vector<FramePtr>* kept = nullptr) {
  const StreamInfo info = probe_video(path);
  DecodeConfig config;
  config.threads = threads;
  if (memory) config.pictures = std::shared_ptr<PictureMemory>(memory, [](PictureMemory*) {});
  Decoded out;
  decode_segment(info, Segment{}, config, [&](const AVFrame* frame, int64_t) {
    out.hashes.push_back(picture_hash(frame));
    hand_off();
    out.format = frame->format;
    if (check_layout(frame)) ++out.in_memory;
    if (kept) {
      kept->emplace_back(av_frame_clone(frame));
      EXPECT_NE(kept->back(), nullptr);
    }
    return true;
  });
  return out;
}

class PictureMemoryTest : public ::testing::TestWithParam<const char*> {};

// With one decoding thread and with frame threads (several pictures asked for at once, from the
// decoder's threads).
TEST_P(PictureMemoryTest, SamePicturesAsFfmpegPools) {
  const std::string path = media(GetParam());
  const Decoded plain = decode_all(path, nullptr, 2);
  ASSERT_GT(plain.hashes.size(), 10u) << path;
  for (int threads : {1, 2, 4}) {
    CountedMemory memory;
    const Decoded pooled = decode_all(path, &memory, threads);
    EXPECT_EQ(pooled.hashes, plain.hashes) << path << ", " << threads << " threads";
    EXPECT_EQ(size_t(pooled.in_memory), plain.hashes.size())
        << path << ", " << threads << " threads: pictures not in the memory given";
    // Every picture went back once the decoder and its frames were gone.
    EXPECT_EQ(memory.live.load(), 0) << path << ", " << threads << " threads";
  }
}

// Memory that cannot be had is no failure: the decoder falls back to ordinary memory.
TEST_P(PictureMemoryTest, RefusedMemoryFallsBackToOrdinaryMemory) {
  const std::string path = media(GetParam());
  CountedMemory refusing(true);
  const Decoded fallen_back = decode_all(path, &refusing, 1);
  EXPECT_EQ(fallen_back.hashes, decode_all(path, nullptr, 1).hashes) << path;
  EXPECT_EQ(size_t(fallen_back.in_memory), fallen_back.hashes.size()) << path;
  EXPECT_GT(refusing.asked.load(), 0) << path;
}

// Nor is memory that runs out midway (page-locked memory is limited). A decoder's pictures keep
// one pitch: H.264 predicts from its references at the current picture's pitch (wrong pictures
// otherwise), MPEG-4 part 2 and MPEG-2 refuse a picture whose pitch changed (lost pictures).
TEST_P(PictureMemoryTest, MemoryRunningOutMidwayKeepsEveryPicture) {
  const std::string path = media(GetParam());
  const Decoded plain = decode_all(path, nullptr, 2);
  for (int threads : {1, 2}) {
    CountedMemory memory = CountedMemory::giving(6);
    EXPECT_EQ(decode_all(path, &memory, threads).hashes, plain.hashes)
        << path << ", " << threads << " threads";
    EXPECT_GT(memory.asked.load(), 6) << path;
    EXPECT_EQ(memory.live.load(), 0) << path;
  }
}

INSTANTIATE_TEST_SUITE_P(RealFiles, PictureMemoryTest,
                         ::testing::Values("busy_h264.mp4", "busy_hevc.mkv", "hdr_pq.mkv",
                                           "busy_vp9.webm", "busy_mpeg4.avi", "fuzz_mpeg2.ts",
                                           "odd420_h264.mkv", "odd420_h264_10bit.mkv",
                                           "odd420_hevc_10bit.mkv", "odd420_mpeg4.avi",
                                           "odd420_vp9.webm", "odd420_mjpeg.avi",
                                           "size_change_h264.ts"));

// The decoder asks for pictures of the new size when the stream's size changes.
TEST(PictureMemory, StreamChangingSizeGetsPicturesOfBothSizes) {
  const std::string path = media("size_change_h264.ts");
  CountedMemory memory;
  const Decoded pooled = decode_all(path, &memory, 2);
  EXPECT_EQ(pooled.hashes, decode_all(path, nullptr, 2).hashes);
  EXPECT_EQ(size_t(pooled.in_memory), pooled.hashes.size());
  EXPECT_EQ(memory.sizes(), 2u);
}

// An allocator of av_malloc'ed buffers that counts the buffers alive.
struct Counter {
  std::atomic<int> made{0};
  std::atomic<int> live{0};
  std::atomic<int> freed{0};
};

void free_counted(void* counter, uint8_t* data) {
  hand_off();
  av_free(data);
  --static_cast<Counter*>(counter)->live;
  ++static_cast<Counter*>(counter)->freed;
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

// Decoders of files of four picture sizes share one memory that keeps two, decoding at once
// with frame threads: the pools are made, used and let go under them. Each gets its own
// pictures, and once the memory is gone, every buffer it made is freed.
TEST(PooledPictureMemory, DecodersSharingItAtOnce) {
  const std::vector<std::string> paths = {media("busy_h264.mp4"), media("odd420_vp9.webm"),
                                          media("odd420_hevc_10bit.mkv"),
                                          media("size_change_h264.ts"), media("odd420_mpeg4.avi")};
  std::vector<Decoded> plain;
  for (const std::string& path : paths) plain.push_back(decode_all(path, nullptr, 1));
  Counter counter;
  {
    PooledPictureMemory memory(allocate_counted, &counter, 2);
    std::vector<std::vector<Decoded>> pooled(paths.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < paths.size(); ++i) {
      threads.emplace_back([&, i] {
        for (int pass = 0; pass < 2; ++pass) pooled[i].push_back(decode_all(paths[i], &memory, 2));
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t i = 0; i < paths.size(); ++i) {
      for (const Decoded& d : pooled[i]) {
        EXPECT_EQ(d.hashes, plain[i].hashes) << paths[i];
        EXPECT_EQ(size_t(d.in_memory), d.hashes.size()) << paths[i];
      }
    }
    EXPECT_LE(memory.pools(), 2);
  }
  EXPECT_GT(counter.made.load(), 0);
  EXPECT_EQ(counter.live.load(), 0);
  EXPECT_EQ(counter.freed.load(), counter.made.load());
}

// Pictures the caller keeps past their decoder and past the memory they came from stay whole,
// and their buffers are freed once, when the last picture goes.
TEST(PooledPictureMemory, PicturesOutliveTheDecoderAndTheMemory) {
  const std::string path = media("odd420_h264.mkv");
  const Decoded plain = decode_all(path, nullptr, 1);
  Counter counter;
  std::vector<FramePtr> kept;
  {
    auto memory = std::make_unique<PooledPictureMemory>(allocate_counted, &counter);
    const Decoded pooled = decode_all(path, memory.get(), 4, &kept);
    EXPECT_EQ(size_t(pooled.in_memory), pooled.hashes.size());
  }
  ASSERT_EQ(kept.size(), plain.hashes.size());
  EXPECT_GT(counter.live.load(), 0);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(picture_hash(kept[i].get()), plain.hashes[i]) << "picture " << i;
  }
  kept.clear();
  EXPECT_EQ(counter.live.load(), 0);
  EXPECT_EQ(counter.freed.load(), counter.made.load());
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
