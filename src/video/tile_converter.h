// Decoded frame -> small RGB tile: colour conversion with the stream's matrix and range, and an
// area-average downscale: 4:2:0 frames by exact integer area sums (video/yuv_tile.h, the twin of
// the GPU kernel), other layouts in one swscale pass.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/tile_orientation.h"
#include "color/tonemap.h"
#include "video/ffmpeg_util.h"
#include "video/probe.h"

struct SwsContext;

// swscale flags of the tile conversion, also used by tests that compare the GPU kernel with it.
// The value is that of SWS_AREA | SWS_ACCURATE_RND | SWS_BITEXACT | SWS_FULL_CHR_H_INT; checked
// against the swscale headers in tile_converter.cpp.
constexpr int kTileSwsFlags = 0x20 | 0x40000 | 0x80000 | 0x2000;

namespace barcode {

struct TileSize {
  int width = 0;
  int height = 0;
  int64_t pixels() const { return int64_t{width} * height; }
};

// A rectangle of the frame in luma pixels: the picture a tile is made from, black bars cut
// away (video/crop_detect.h). x and y are even, so that 4:2:0 chroma stays on its grid. Width
// 0 stands for the whole frame.
struct CropRect {
  int x = 0, y = 0, width = 0, height = 0;
  bool whole() const { return width == 0; }
};

// How every frame of a run becomes its tile, besides the tile's size; the same for every
// decoder and path, CPU or GPU.
struct TileSource {
  CropRect crop;
  ToneMapParams tone;  // HDR input: tone-mapped to SDR (transfer none: SDR, nothing done)
  // The picture as shown: the tile is made as stored, then its pixels turned (phone video).
  TileOrientation orientation;
};

// The size of the tile as made from the frame as stored, before `orientation` turns it into
// `shown` (the two sizes swapped for a quarter turn).
TileSize stored_tile_size(TileSize shown, TileOrientation orientation);

// The tile for a stream: `tile_width` wide, height from the display aspect ratio of the cropped
// picture (the whole frame when `crop` is whole) as shown (info.orientation), at least 1.
// Throws usage_error when the tile would be larger than that picture.
TileSize tile_size_for(const StreamInfo& info, int tile_width, const CropRect& crop = {});

// The colour matrix of a frame: its own tag, else the usual guess by size (HD is BT.709). One
// rule for the CPU and the GPU conversions.
AVColorSpace frame_matrix(const AVFrame* frame);
// Whether a frame's YUV uses the full 0..255 range (JPEG) rather than limited (16..235).
bool frame_full_range(const AVFrame* frame);

class TileConverter {
 public:
  explicit TileConverter(TileSize tile, const TileSource& source = {});
  ~TileConverter();
  TileConverter(const TileConverter&) = delete;
  TileConverter& operator=(const TileConverter&) = delete;

  // Writes tile.width * tile.height * 3 bytes of sRGB into `rgb`, the tile as shown. Throws
  // Error on failure.
  void convert(const AVFrame* frame, uint8_t* rgb);

 private:
  // The tile as made from the frame as stored, into `rgb` (stored_ pixels).
  void convert_stored(const AVFrame* frame, uint8_t* rgb);

  TileSize stored_;  // as made from the frame, before source_.orientation turns it
  TileSource source_;
  std::vector<uint8_t> unturned_;      // the tile as stored, when it is turned
  std::unique_ptr<ToneMap> tone_map_;  // HDR: the tables of source_.tone
  SwsContext* sws_ = nullptr;
};

}  // namespace barcode
