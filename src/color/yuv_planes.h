// Where the samples of one 4:2:0 frame lie: host memory for the CPU conversion
// (video/yuv_tile.h), device memory for the kernel (kernels/nv12_tile.h). One description of
// the layouts both read, so that a frame is read the same way on either side; here, beside the
// YUV conversion, because the kernels may include color/ and not video/.
#pragma once

#include <cstddef>

namespace barcode {

// One 4:2:0 frame's planes. Samples are 8-bit (`sixteen_bit` false) or 16-bit words holding
// `bits` significant bits shifted up by `shift` (yuv420p10: 10, 0; P010: 10, 6). Chroma is planar
// (`chroma_step` 1, Cb and Cr planes) or interleaved (`chroma_step` 2, Cr right after Cb).
struct YuvPlanes {
  const void* luma = nullptr;
  size_t luma_pitch = 0;  // bytes per row
  const void* cb = nullptr;
  const void* cr = nullptr;
  size_t chroma_pitch = 0;  // bytes per row
  int chroma_step = 1;      // samples between consecutive Cb values
  int width = 0;            // luma pixels
  int height = 0;
  bool sixteen_bit = false;
  int bits = 8;
  int shift = 0;
};

}  // namespace barcode
