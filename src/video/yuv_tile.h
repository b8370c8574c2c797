// Decoded 4:2:0 frame in host memory -> small sRGB tile: the CPU twin of kernels/nv12_tile.cu,
// integer area sums and the shared conversion of color/yuv_rgb.h, so that a frame gives the same
// tile bit for bit whether software or NVDEC decoded it. Each tile pixel averages its box of the
// frame, every source pixel weighted by the part of it the box covers; each luma pixel takes the
// chroma sample of its 2x2 block.
#pragma once

#include <cstddef>
#include <cstdint>

#include "color/yuv_planes.h"
#include "color/yuv_rgb.h"
#include "video/tile_converter.h"

extern "C" {
struct AVFrame;
}

namespace barcode {

// Which machine code converts: the AVX2 version where the processor has it, or either by name
// (for the tests and benchmarks that compare them). Both give the same tiles bit for bit.
enum class YuvTileCode { kBest, kPlain, kAvx2 };

// Whether this build and processor can run YuvTileCode::kAvx2 (x86-64 with AVX2, GCC build).
bool yuv_tile_avx2_supported();

// Writes tile.width * tile.height * 3 bytes of sRGB into `rgb`; HDR signals are tone-mapped by
// `tone` (nullptr: SDR). A tile larger than the frame is the same area sums (each tile pixel
// then covers parts of one or two source pixels), as in the kernel. Throws Error on sizes the
// kernel refuses too (frame under 2x2, empty tile), and for kAvx2 where
// yuv_tile_avx2_supported() is false.
void yuv420_to_tile(const YuvPlanes& planes, YuvMatrix matrix, YuvRange range, TileSize tile,
                    uint8_t* rgb, const ToneMapTables* tone = nullptr,
                    YuvTileCode code = YuvTileCode::kBest);

// The planes of the rectangle `crop` of a frame (x and y even, inside the frame): the same
// samples, read from the crop's top left corner, so that the tile of a cropped frame is computed
// exactly as that of a frame which was only the picture.
YuvPlanes crop_planes(const YuvPlanes& planes, const CropRect& crop);

// The frame's planes when it is 4:2:0 in a layout yuv420_to_tile reads (yuv420p, yuvj420p,
// yuv420p10le, nv12, p010le); false otherwise (swscale converts it).
bool yuv420_planes_of(const AVFrame* frame, YuvPlanes* planes);
// The same for a frame whose samples are laid out as `layout` (an AVPixelFormat) while its own
// format says otherwise: an NVDEC surface (AV_PIX_FMT_CUDA) holds nv12 or p010le in device
// memory, pointed to by data[] as a host frame's planes are.
bool yuv420_planes_in(int layout, const AVFrame* frame, YuvPlanes* planes);

// The matrix for a frame (frame_matrix's rule), as the kernel and yuv420_to_tile take it.
YuvMatrix yuv_matrix_of(const AVFrame* frame);

}  // namespace barcode
