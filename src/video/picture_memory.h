// Where a software decoder puts its pictures, when FFmpeg's own pools are not the best place: a
// GPU rank gives its software decoders page-locked memory (gpu/pinned_pictures.*), from which
// the GPU copies a picture by DMA while the decoder's core goes on decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

extern "C" {
struct AVBufferPool;
struct AVBufferRef;
struct AVCodecContext;
}

namespace barcode {

class PictureMemory {
 public:
  virtual ~PictureMemory() = default;
  // A buffer of at least `bytes`, released with av_buffer_unref from any thread, possibly after
  // this object is gone; nullptr when none can be had (that picture then goes to ordinary
  // memory of the same layout).
  // Called from the decoder's threads at once: must be thread-safe.
  virtual AVBufferRef* take(size_t bytes) = 0;
};

// Picture buffers from pools, one per buffer size, each buffer made by `allocate` (returning
// nullptr when it cannot) and reused once its picture is released: making page-locked memory
// costs milliseconds. The pools of the `kept_sizes` sizes taken last stay; an older one is let
// go, its buffers freed as their pictures are released, so that an archive of movies of many
// sizes does not keep every size's pictures.
class PooledPictureMemory : public PictureMemory {
 public:
  using Allocate = AVBufferRef* (*)(void* opaque, size_t bytes);
  PooledPictureMemory(Allocate allocate, void* opaque, int kept_sizes = 4);
  ~PooledPictureMemory() override;
  PooledPictureMemory(const PooledPictureMemory&) = delete;
  PooledPictureMemory& operator=(const PooledPictureMemory&) = delete;

  AVBufferRef* take(size_t bytes) override;
  int pools() const;  // how many sizes are kept now

 private:
  struct Pool {
    size_t bytes = 0;
    AVBufferPool* pool = nullptr;
    uint64_t last_use = 0;
  };
  Allocate allocate_;
  void* opaque_;
  size_t kept_sizes_;
  mutable std::mutex mutex_;
  std::vector<Pool> pools_;
  uint64_t uses_ = 0;
};

// Makes `ctx` (a software decoder, before avcodec_open2) allocate its pictures from `memory`,
// which must outlive it. Decoders that cannot decode into a caller's buffers (no
// AV_CODEC_CAP_DR1) and picture formats other than planar 4:2:0 keep FFmpeg's own pools.
void decode_into(AVCodecContext* ctx, PictureMemory* memory);

}  // namespace barcode
