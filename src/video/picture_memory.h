// Where a software decoder puts its pictures, when FFmpeg's own pools are not the best place: a
// GPU rank gives its software decoders page-locked memory (gpu/pinned_pictures.*), from which
// the GPU copies a picture by DMA while the decoder's core goes on decoding.
#pragma once

#include <cstddef>

extern "C" {
struct AVBufferRef;
struct AVCodecContext;
}

namespace barcode {

class PictureMemory {
 public:
  virtual ~PictureMemory() = default;
  // A buffer of at least `bytes`, released with av_buffer_unref from any thread, possibly after
  // this object is gone; nullptr when none can be had (the decoder then uses FFmpeg's pools).
  // Called from the decoder's threads at once: must be thread-safe.
  virtual AVBufferRef* take(size_t bytes) = 0;
};

// Makes `ctx` (a software decoder, before avcodec_open2) allocate its pictures from `memory`,
// which must outlive it. Decoders that cannot decode into a caller's buffers (no
// AV_CODEC_CAP_DR1) and picture formats other than planar 4:2:0 keep FFmpeg's own pools.
void decode_into(AVCodecContext* ctx, PictureMemory* memory);

}  // namespace barcode
