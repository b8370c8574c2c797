#include "video/hdr_metadata.h"

#include "base/error.h"
#include "video/decoder.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/mastering_display_metadata.h>
}

namespace barcode {
namespace {

void take_mastering(const AVMasteringDisplayMetadata* m, ToneMapParams& p) {
  if (!m || !m->has_luminance) return;
  p.mastering_max = av_q2d(m->max_luminance);
  p.mastering_min = av_q2d(m->min_luminance);
}

void take_light_level(const AVContentLightMetadata* c, ToneMapParams& p) {
  if (!c) return;
  p.max_cll = static_cast<int>(c->MaxCLL);
  p.max_fall = static_cast<int>(c->MaxFALL);
}

// The stream's own side data (MP4 mdcv/clli boxes, Matroska colour elements).
void read_stream_metadata(const StreamInfo& info, ToneMapParams& p) {
  FormatPtr format = open_media(info.path);
  const AVStream* st = format->streams[info.stream_index];
#if LIBAVFORMAT_VERSION_MAJOR < 61
  size_t size = 0;
  take_mastering(reinterpret_cast<const AVMasteringDisplayMetadata*>(
                     av_stream_get_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size)),
                 p);
  take_light_level(reinterpret_cast<const AVContentLightMetadata*>(
                       av_stream_get_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size)),
                   p);
#else
  const AVCodecParameters* par = st->codecpar;
  const AVPacketSideData* sd = av_packet_side_data_get(
      par->coded_side_data, par->nb_coded_side_data, AV_PKT_DATA_MASTERING_DISPLAY_METADATA);
  if (sd) take_mastering(reinterpret_cast<const AVMasteringDisplayMetadata*>(sd->data), p);
  sd = av_packet_side_data_get(par->coded_side_data, par->nb_coded_side_data,
                               AV_PKT_DATA_CONTENT_LIGHT_LEVEL);
  if (sd) take_light_level(reinterpret_cast<const AVContentLightMetadata*>(sd->data), p);
#endif
}

// The first decoded frame's side data (from the bitstream's SEI).
void read_frame_metadata(const StreamInfo& info, ToneMapParams& p) {
  DecodeConfig config;
  config.threads = 1;
  SegmentDecoder decoder(info, config);
  decoder.decode(Segment{}, [&](const AVFrame* frame, int64_t) {
    if (const AVFrameSideData* sd =
            av_frame_get_side_data(frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA)) {
      take_mastering(reinterpret_cast<const AVMasteringDisplayMetadata*>(sd->data), p);
    }
    if (const AVFrameSideData* sd =
            av_frame_get_side_data(frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL)) {
      take_light_level(reinterpret_cast<const AVContentLightMetadata*>(sd->data), p);
    }
    return false;  // the first frame is enough
  });
}

}  // namespace

ToneMapParams tone_map_params_for(const StreamInfo& info) {
  ToneMapParams p;
  if (info.color_trc == AVCOL_TRC_SMPTE2084) {
    p.transfer = HdrTransfer::kPq;
  } else if (info.color_trc == AVCOL_TRC_ARIB_STD_B67) {
    p.transfer = HdrTransfer::kHlg;
  } else {
    return p;
  }
  read_stream_metadata(info, p);
  if (p.mastering_max <= 0 && p.max_cll <= 0) read_frame_metadata(info, p);
  if (p.max_cll > 0) {
    p.source_peak = p.max_cll;
    p.source_peak_from = "MaxCLL";
  } else if (p.mastering_max > 0) {
    p.source_peak = p.mastering_max;
    p.source_peak_from = "mastering display";
  } else {
    p.source_peak = 1000.0;
    p.source_peak_from = "default, no metadata";
  }
  return p;
}

}  // namespace barcode
