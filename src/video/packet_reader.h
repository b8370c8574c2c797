// Reads the packets of one video stream that a time segment needs, in decode order.
//
// Seeking is where frames get lost or duplicated between ranks, so the rule lives here, once:
// seek backward to the segment's begin; if the first packet is not a key frame or is already
// past the begin (some demuxers land on the wrong key frame, or on any packet), seek again
// further back, and finally reopen at the
// start of the file. Reading stops at the first packet whose decode timestamp is at or after the
// segment's end: every later packet presents later still, so no frame of the segment follows.
// Where packets have no presentation timestamps (AVI), a decode timestamp bounds nothing, so
// reading goes on until a run of packets lies past the end.
#pragma once

#include <string>

#include "video/ffmpeg_util.h"
#include "video/segment_plan.h"

namespace barcode {

class PacketReader {
 public:
  PacketReader(const std::string& path, int stream_index, Segment segment, bool packets_have_pts);

  AVFormatContext* format() const { return format_.get(); }
  AVStream* stream() const { return format_->streams[stream_index_]; }

  // Fills `packet` with the next packet of the video stream; false when the segment is done.
  bool next(AVPacket* packet);

  // Once next() has ended the segment at its end (not at the stream's end or an error): the
  // packets after it, from the one that ended it on, until the stream ends. For a decoder that
  // would rather see its last pictures come out than drain (decoder.h, the splice). The rule
  // above says none of them presents inside the segment.
  bool next_past_end(AVPacket* packet);

  // Goes on with another segment of the same file: seeks instead of opening the file again
  // (opening a long MP4 parses its whole index and probes the stream: tens of milliseconds for
  // every range a decoder takes).
  void restart(Segment segment);

  // A read error other than end of file ended the stream early (truncated or damaged file).
  bool read_failed() const { return !read_error_.empty(); }
  const std::string& read_error() const { return read_error_; }

  // The time of the packet past the segment's end that ended it (the stream goes on at least
  // until then); AV_NOPTS_VALUE when the stream ended first.
  int64_t time_past_end() const { return time_past_end_; }

 private:
  void open();
  void seek_to_begin();
  bool read_video_packet(AVPacket* packet);
  bool end_at(AVPacket* packet);  // ends the segment at `packet`, kept for next_past_end

  std::string path_;
  int stream_index_;
  Segment segment_;
  bool packets_have_pts_;
  FormatPtr format_;
  PacketPtr pending_;  // first packet after a seek, read to check where the seek landed
  bool have_pending_ = false;
  bool done_ = false;
  bool ended_at_end_ = false;  // done_ at the segment's end; pending_ holds the packet there
  bool unread_ = false;        // nothing read since the file was opened: at the stream's start
  int late_packets_ = 0;       // consecutive packets past the end, where dts bounds nothing
  int64_t time_past_end_ = AV_NOPTS_VALUE;  // see time_past_end()
  std::string read_error_;
};

// The timestamp a packet presents at: pts, or dts where a container has no pts.
inline int64_t packet_time(const AVPacket* p) {
  return p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
}

}  // namespace barcode
