// Page-locked host memory for the pictures of a GPU rank's software decoders: GpuSink copies
// such a picture to the device by DMA, asynchronously, where a picture in pageable memory would
// be staged through the driver by the decoder's own core (video/picture_memory.h).
#pragma once

#include "video/picture_memory.h"

namespace barcode::gpu {

class PinnedPictures : public PooledPictureMemory {
 public:
  explicit PinnedPictures(int device);

 private:
  int device_;  // where the memory is made (the pools' allocator reads it)
};

}  // namespace barcode::gpu
