#include "video/packet_reader.h"

#include <algorithm>

#include "base/error.h"
#include "base/log.h"

namespace barcode {

PacketReader::PacketReader(const std::string& path, int stream_index, Segment segment,
                           bool packets_have_pts)
    : path_(path),
      stream_index_(stream_index),
      segment_(segment),
      packets_have_pts_(packets_have_pts),
      pending_(make_packet()) {
  open();
  if (!segment_.open_begin()) seek_to_begin();
}

void PacketReader::restart(Segment segment) {
  segment_ = segment;
  done_ = false;
  ended_at_end_ = false;
  late_packets_ = 0;
  time_past_end_ = AV_NOPTS_VALUE;
  read_error_.clear();
  av_packet_unref(pending_.get());
  have_pending_ = false;
  if (segment_.open_begin()) {
    open();  // from the very start: the one position a backward seek may not reach
  } else {
    seek_to_begin();
  }
}

void PacketReader::open() {
  format_ = open_media(path_);
  if (stream_index_ < 0 || stream_index_ >= static_cast<int>(format_->nb_streams)) {
    throw Error(path_ + ": video stream " + std::to_string(stream_index_) + " disappeared");
  }
  // Let the demuxer skip the other streams' packets.
  for (unsigned i = 0; i < format_->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index_) format_->streams[i]->discard = AVDISCARD_ALL;
  }
  have_pending_ = false;
  unread_ = true;
}

void PacketReader::seek_to_begin() {
  const AVRational tb = stream()->time_base;
  // Step back by one second, then 2, 4, ... of stream time before giving up and reopening.
  int64_t step = av_rescale_q(1, AVRational{1, 1}, tb);
  if (step < 1) step = 1;
  // Where packets have only decode timestamps, the decoder times a frame by the packets around
  // it, and a frame it times at the begin can come from a packet up to its reordering delay
  // before (packed B-frames: two or three). Start 16 frames earlier so every such frame is
  // decoded; frames before the begin are dropped as lead-in.
  int64_t lead = 0;
  if (!packets_have_pts_) {
    const AVRational rate = stream()->avg_frame_rate;
    const int64_t frame =
        rate.num > 0 && rate.den > 0 ? av_rescale_q(1, av_inv_q(rate), tb) : int64_t{1};
    lead = 16 * std::max<int64_t>(frame, 1);
  }
  const int64_t begin = segment_.begin - lead;
  // A segment from the stream's start needs no seek: reading from the start is what the seek
  // would do, and some demuxers read nothing after a seek there (a single JPEG, image2).
  const int64_t start = stream()->start_time != AV_NOPTS_VALUE ? stream()->start_time : 0;
  if (begin <= start) {
    if (!unread_) open();
    return;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int64_t target = attempt == 0 ? begin : begin - (step << (attempt - 1));
    int rc = av_seek_frame(format_.get(), stream_index_, target, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) {
      // This demuxer cannot seek there: read from the start instead.
      log::detail(path_ + ": seek to " + std::to_string(target) + " failed (" + av_error_text(rc) +
                  "); reading from the start");
      break;
    }
    if (!read_video_packet(pending_.get())) {
      // Nothing at or after the target: the segment lies past the end of the readable stream.
      done_ = true;
      return;
    }
    have_pending_ = true;
    // A key frame at or before the begin: decoding can start there, and no packet before it in
    // decode order presents at or after it. Demuxers that seek by byte position (MPEG-TS) can
    // land on any packet.
    const int64_t first = packet_time(pending_.get());
    const bool key = (pending_->flags & AV_PKT_FLAG_KEY) != 0;
    if (first != AV_NOPTS_VALUE && first <= begin && key) return;
    log::detail(path_ + ": seek to " + std::to_string(target) + " landed at " +
                std::to_string(first) + (key ? "" : " (not a key frame)") +
                ", seeking further back");
    av_packet_unref(pending_.get());
    have_pending_ = false;
  }
  // Reading from the start is always right, only slower.
  open();
}

bool PacketReader::read_video_packet(AVPacket* packet) {
  unread_ = false;
  for (;;) {
    int rc = av_read_frame(format_.get(), packet);
    if (rc == AVERROR_EOF) return false;
    if (rc < 0) {
      if (read_error_.empty()) read_error_ = av_error_text(rc);
      return false;
    }
    if (packet->stream_index == stream_index_) return true;
    av_packet_unref(packet);
  }
}

bool PacketReader::next(AVPacket* packet) {
  if (done_) return false;
  if (have_pending_) {
    av_packet_move_ref(packet, pending_.get());
    have_pending_ = false;
  } else if (!read_video_packet(packet)) {
    done_ = true;
    return false;
  }
  if (segment_.end == std::numeric_limits<int64_t>::max()) return true;
  if (packets_have_pts_ && packet->dts != AV_NOPTS_VALUE) {
    if (packet->dts >= segment_.end) return end_at(packet);
  } else if (packet_time(packet) >= segment_.end) {
    // Without both timestamps the order gives no bound; frames are reordered by at most a few
    // packets, so a run of 32 packets all past the end means the segment is over.
    if (++late_packets_ >= 32) return end_at(packet);
  } else {
    late_packets_ = 0;
  }
  return true;
}

bool PacketReader::end_at(AVPacket* packet) {
  time_past_end_ = packet_time(packet);
  // Kept for next_past_end.
  av_packet_unref(pending_.get());
  av_packet_move_ref(pending_.get(), packet);
  have_pending_ = true;
  done_ = true;
  ended_at_end_ = true;
  return false;
}

bool PacketReader::next_past_end(AVPacket* packet) {
  if (!ended_at_end_) return false;
  if (have_pending_) {
    av_packet_move_ref(packet, pending_.get());
    have_pending_ = false;
    return true;
  }
  // An error past the end is the next segment's to report.
  const std::string error = read_error_;
  if (read_video_packet(packet)) return true;
  read_error_ = error;
  ended_at_end_ = false;
  return false;
}

}  // namespace barcode
