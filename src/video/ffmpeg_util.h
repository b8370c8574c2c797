// Small RAII wrappers for FFmpeg objects and the one place FFmpeg error codes become text.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <memory>
#include <string>

namespace barcode {

// FFmpeg's description of an error code, e.g. "Invalid data found when processing input".
std::string av_error_text(int rc);

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFreer {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFreer {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFreer {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using FramePtr = std::unique_ptr<AVFrame, FrameFreer>;

PacketPtr make_packet();
FramePtr make_frame();

// Opens a media file and reads its stream information. Throws usage_error naming the file and
// the cause (missing, unreadable, empty, not a media file).
FormatPtr open_media(const std::string& path);

// True on the calling thread while open_media, the file's header read, reads its first packets
// to learn the streams' parameters (avformat_find_stream_info). What a demuxer logs then is
// about those packets, as while reading packets later, not about the header.
bool reading_first_packets();

// Seconds of a timestamp in a stream's time base.
inline double to_seconds(int64_t ts, AVRational tb) {
  return static_cast<double>(ts) * av_q2d(tb);
}

// Quiets FFmpeg's own logging to errors only unless `verbose`: the tool reports problems itself.
void set_ffmpeg_log_level(bool verbose);

}  // namespace barcode
