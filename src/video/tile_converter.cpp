#include "video/tile_converter.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "video/yuv_tile.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace barcode {

static_assert(kTileSwsFlags == (SWS_AREA | SWS_ACCURATE_RND | SWS_BITEXACT | SWS_FULL_CHR_H_INT),
              "kTileSwsFlags must match swscale's flag values");

TileSize tile_size_for(const StreamInfo& info, int tile_width, const CropRect& crop) {
  const bool turned = info.orientation.swaps_axes();
  const int stored_width = crop.whole() ? info.width : crop.width;
  const int stored_height = crop.whole() ? info.height : crop.height;
  // The picture as shown: a quarter turn makes the stored height its width.
  const int width = turned ? stored_height : stored_width;
  const int height = turned ? stored_width : stored_height;
  const std::string picture = crop.whole() ? "frame" : "cropped picture";
  const std::string as_shown =
      turned ? " (as shown: the file's header turns the picture a quarter turn)" : "";
  if (tile_width > width) {
    throw usage_error(info.path + ": --tile-width " + std::to_string(tile_width) +
                      " is larger than the " + picture + " width " + std::to_string(width) +
                      as_shown);
  }
  // The sample aspect ratio widens stored columns, which a quarter turn makes rows.
  const double stored_aspect =
      static_cast<double>(stored_width) * av_q2d(info.sar) / static_cast<double>(stored_height);
  const double display_aspect = turned ? 1.0 / stored_aspect : stored_aspect;
  TileSize tile;
  tile.width = tile_width;
  tile.height = std::max(1, static_cast<int>(std::lround(tile_width / display_aspect)));
  if (tile.height > height) {
    throw usage_error(info.path + ": a tile " + std::to_string(tile_width) + " wide would be " +
                      std::to_string(tile.height) + " high, more than the " + picture + " height " +
                      std::to_string(height) + as_shown + "; choose a smaller --tile-width");
  }
  return tile;
}

TileSize stored_tile_size(TileSize shown, TileOrientation orientation) {
  return orientation.swaps_axes() ? TileSize{shown.height, shown.width} : shown;
}

TileConverter::TileConverter(TileSize tile, const TileSource& source)
    : stored_(stored_tile_size(tile, source.orientation)), source_(source) {
  if (source.tone.active()) tone_map_ = std::make_unique<ToneMap>(source.tone);
  if (!source.orientation.identity()) unturned_.resize(static_cast<size_t>(tile.pixels()) * 3);
}

TileConverter::~TileConverter() {
  sws_freeContext(sws_);
}

AVColorSpace frame_matrix(const AVFrame* frame) {
  if (frame->colorspace != AVCOL_SPC_UNSPECIFIED && frame->colorspace != AVCOL_SPC_RESERVED &&
      frame->colorspace != AVCOL_SPC_RGB) {
    return frame->colorspace;
  }
  return frame->height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
}

bool frame_full_range(const AVFrame* frame) {
  if (frame->color_range == AVCOL_RANGE_JPEG) return true;
  const auto fmt = static_cast<AVPixelFormat>(frame->format);
  return fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUVJ444P ||
         fmt == AV_PIX_FMT_YUVJ440P;
}

namespace {

// swscale's name for a matrix.
int sws_matrix(AVColorSpace space) {
  switch (space) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    default:
      return SWS_CS_ITU601;
  }
}

// The frame's planes moved to the crop's top left corner: each plane's pointer advanced by the
// crop's offset in that plane's samples (chroma planes by the subsampled offset).
void crop_plane_pointers(const AVFrame* frame, const AVPixFmtDescriptor* desc, const CropRect& c,
                         const uint8_t* data[4]) {
  for (int p = 0; p < 4; ++p) data[p] = frame->data[p];
  if (c.whole()) return;
  bool moved[4] = {false, false, false, false};
  for (int i = 0; i < desc->nb_components; ++i) {
    const AVComponentDescriptor& comp = desc->comp[i];
    if (moved[comp.plane]) continue;
    moved[comp.plane] = true;
    const bool chroma = !(desc->flags & AV_PIX_FMT_FLAG_RGB) && (i == 1 || i == 2);
    const int x = chroma ? c.x >> desc->log2_chroma_w : c.x;
    const int y = chroma ? c.y >> desc->log2_chroma_h : c.y;
    data[comp.plane] += static_cast<ptrdiff_t>(y) * frame->linesize[comp.plane] +
                        static_cast<ptrdiff_t>(x) * comp.step;
  }
}

}  // namespace

void TileConverter::convert(const AVFrame* frame, uint8_t* rgb) {
  if (unturned_.empty()) {
    convert_stored(frame, rgb);
    return;
  }
  convert_stored(frame, unturned_.data());
  orient_tile(unturned_.data(), stored_.width, stored_.height, source_.orientation, rgb);
}

void TileConverter::convert_stored(const AVFrame* frame, uint8_t* rgb) {
  // 4:2:0 frames (nearly every film): the area sums the GPU kernel makes, so a frame's tile is
  // the same whichever decoder (software or NVDEC) and whichever path converted it, and a run
  // mixing decoders does not depend on which decoder took which chunk.
  const CropRect& crop = source_.crop;
  YuvPlanes planes;
  if (yuv420_planes_of(frame, &planes)) {
    if (!crop.whole()) planes = crop_planes(planes, crop);
    const ToneMapTables tables = tone_map_ ? tone_map_->tables() : ToneMapTables{};
    yuv420_to_tile(planes, yuv_matrix_of(frame),
                   frame_full_range(frame) ? YuvRange::kFull : YuvRange::kLimited, stored_, rgb,
                   tone_map_ ? &tables : nullptr);
    return;
  }
  if (tone_map_) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format));
    throw Error(std::string("HDR frames in pixel format ") + (name ? name : "unknown") +
                " cannot be tone-mapped (4:2:0 only)");
  }
  const auto fmt = static_cast<AVPixelFormat>(frame->format);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(fmt);
  if (!crop.whole() && (!desc || (desc->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                                                 AV_PIX_FMT_FLAG_HWACCEL)))) {
    throw Error(std::string("cannot crop frames of pixel format ") +
                (desc ? desc->name : "unknown") + "; run with --crop none");
  }
  const int source_width = crop.whole() ? frame->width : crop.width;
  const int source_height = crop.whole() ? frame->height : crop.height;
  // BITEXACT + ACCURATE_RND: the same output on every CPU, so ranks on different nodes agree.
  // FULL_CHR_H_INT: without it swscale makes RGB with chroma at half the tile's width, which
  // moves colours at every vertical edge by up to 100 levels; with it the tile equals an exact
  // area average of the frame (mean difference < 0.03 levels, see docs/benchmarks.md).
  sws_ = sws_getCachedContext(sws_, source_width, source_height, fmt, stored_.width, stored_.height,
                              AV_PIX_FMT_RGB24, kTileSwsFlags, nullptr, nullptr, nullptr);
  if (!sws_) {
    const char* name = av_get_pix_fmt_name(fmt);
    throw Error(std::string("cannot convert frames of pixel format ") + (name ? name : "unknown") +
                " to RGB");
  }
  if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB)) {
    const int* coefficients = sws_getCoefficients(sws_matrix(frame_matrix(frame)));
    // Output full-range RGB; input range from the frame. Brightness/contrast/saturation neutral.
    sws_setColorspaceDetails(sws_, coefficients, frame_full_range(frame) ? 1 : 0,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  }
  uint8_t* dst[4] = {rgb, nullptr, nullptr, nullptr};
  int dst_stride[4] = {stored_.width * 3, 0, 0, 0};
  const uint8_t* src[4];
  crop_plane_pointers(frame, desc, crop, src);
  const int rows = sws_scale(sws_, src, frame->linesize, 0, source_height, dst, dst_stride);
  if (rows != stored_.height) {
    throw Error("frame conversion to an RGB tile failed (swscale returned " + std::to_string(rows) +
                " rows)");
  }
}

}  // namespace barcode
