#include "video/picture_memory.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/buffer.h>
#include <libavutil/imgutils.h>
}

#include <algorithm>
#include <cstdint>

namespace barcode {
namespace {

// Every plane starts on, and every row is padded to, this many bytes: at least any decoder's
// stride alignment (FFmpeg's is at most 64) and the GPU's preferred copy alignment.
constexpr size_t kAlign = 256;
// Bytes after each plane that a decoder's optimised loops may read past its last row.
constexpr size_t kTail = 256;

size_t aligned(size_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

bool planar_420(int format) {
  return format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P ||
         format == AV_PIX_FMT_YUV420P10LE;
}

int get_picture_buffer(AVCodecContext* ctx, AVFrame* frame, int flags) {
  auto* memory = static_cast<PictureMemory*>(ctx->opaque);
  const auto format = static_cast<AVPixelFormat>(frame->format);
  if (!memory || !planar_420(format) || frame->width < 1 || frame->height < 1) {
    return avcodec_default_get_buffer2(ctx, frame, flags);
  }
  // The size the codec decodes into (macroblock rows and columns past the picture's edge).
  int width = frame->width, height = frame->height;
  int stride_align[AV_NUM_DATA_POINTERS] = {};  // FFmpeg sets the first four (the planes)
  avcodec_align_dimensions2(ctx, &width, &height, stride_align);
  // kAlign is a multiple of every stride alignment FFmpeg asks today; were it not, the stream
  // keeps FFmpeg's pools from its first picture on (a codec's alignment never changes).
  for (int i = 0; i < 4; ++i) {
    if (stride_align[i] <= 0 || kAlign % size_t(stride_align[i]) != 0) {
      return avcodec_default_get_buffer2(ctx, frame, flags);
    }
  }
  int linesizes[4] = {0, 0, 0, 0};
  if (av_image_fill_linesizes(linesizes, format, width) < 0) {
    return avcodec_default_get_buffer2(ctx, frame, flags);
  }
  ptrdiff_t pitches[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) pitches[i] = static_cast<ptrdiff_t>(aligned(size_t(linesizes[i])));
  size_t sizes[4] = {0, 0, 0, 0};
  if (av_image_fill_plane_sizes(sizes, format, height, pitches) < 0) {
    return avcodec_default_get_buffer2(ctx, frame, flags);
  }
  size_t total = 0;
  for (size_t s : sizes) total += s ? aligned(s + kTail) : 0;
  // Memory that runs out midway gives way to ordinary memory of the same layout, not to FFmpeg's
  // pools: their pitch differs, and a decoder's pictures must keep one pitch (H.264 predicts
  // from its references at the current picture's pitch, MPEG-4 part 2 and MPEG-2 refuse a
  // picture whose pitch changed).
  AVBufferRef* buffer = memory->take(total + kAlign);
  if (!buffer) buffer = av_buffer_alloc(total + kAlign);
  if (!buffer) return AVERROR(ENOMEM);
  auto at = reinterpret_cast<uintptr_t>(buffer->data);
  at = (at + kAlign - 1) / kAlign * kAlign;
  for (int i = 0; i < 4; ++i) {
    frame->data[i] = sizes[i] ? reinterpret_cast<uint8_t*>(at) : nullptr;
    frame->linesize[i] = sizes[i] ? static_cast<int>(pitches[i]) : 0;
    if (sizes[i]) at += aligned(sizes[i] + kTail);
  }
  frame->buf[0] = buffer;
  frame->extended_data = frame->data;
  return 0;
}

}  // namespace

PooledPictureMemory::PooledPictureMemory(Allocate allocate, void* opaque, int kept_sizes)
    : allocate_(allocate),
      opaque_(opaque),
      kept_sizes_(static_cast<size_t>(std::max(1, kept_sizes))) {}

PooledPictureMemory::~PooledPictureMemory() {
  // A pool goes once its last picture is released: decoders may still hold some.
  for (Pool& p : pools_) av_buffer_pool_uninit(&p.pool);
}

AVBufferRef* PooledPictureMemory::take(size_t bytes) {
  // Under the lock, av_buffer_pool_get included: another thread may let the pool go.
  const std::lock_guard<std::mutex> lock(mutex_);
  auto pool =
      std::find_if(pools_.begin(), pools_.end(), [&](const Pool& p) { return p.bytes == bytes; });
  if (pool == pools_.end()) {
    if (pools_.size() >= kept_sizes_) {
      const auto oldest =
          std::min_element(pools_.begin(), pools_.end(),
                           [](const Pool& a, const Pool& b) { return a.last_use < b.last_use; });
      av_buffer_pool_uninit(&oldest->pool);
      pools_.erase(oldest);
    }
    Pool made;
    made.bytes = bytes;
    made.pool = av_buffer_pool_init2(bytes, opaque_, allocate_, nullptr);
    if (!made.pool) return nullptr;
    pools_.push_back(made);
    pool = pools_.end() - 1;
  }
  pool->last_use = ++uses_;
  return av_buffer_pool_get(pool->pool);
}

int PooledPictureMemory::pools() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(pools_.size());
}

void decode_into(AVCodecContext* ctx, PictureMemory* memory) {
  if (!memory || !ctx->codec || !(ctx->codec->capabilities & AV_CODEC_CAP_DR1)) return;
  ctx->opaque = memory;
  ctx->get_buffer2 = get_picture_buffer;
#if FF_API_THREAD_SAFE_CALLBACKS
  // FFmpeg before 6 asks that a thread-safe get_buffer2 say so (it warns otherwise); it is, as
  // take() must be. The field is deprecated, and gone from FFmpeg 6 on.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  ctx->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
}

}  // namespace barcode
