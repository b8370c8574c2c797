// Page-locked host memory for the pictures of a GPU rank's software decoders: GpuSink copies
// such a picture to the device by DMA, asynchronously, where a picture in pageable memory would
// be staged through the driver by the decoder's own core (video/picture_memory.h).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>

#include "video/picture_memory.h"

extern "C" {
struct AVBufferPool;
}

namespace barcode::gpu {

class PinnedPictures : public PictureMemory {
 public:
  explicit PinnedPictures(int device) : device_(device) {}
  ~PinnedPictures() override;
  PinnedPictures(const PinnedPictures&) = delete;
  PinnedPictures& operator=(const PinnedPictures&) = delete;

  // From a pool per buffer size (one per picture size the rank decodes), so a decoder's pictures
  // are reused, not allocated again: page-locking memory costs milliseconds.
  AVBufferRef* take(size_t bytes) override;

 private:
  int device_;
  std::mutex mutex_;
  std::map<size_t, AVBufferPool*> pools_;
};

}  // namespace barcode::gpu
