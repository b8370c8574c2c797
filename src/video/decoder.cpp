#include "video/decoder.h"

#include <algorithm>
#include <atomic>
#include <vector>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "base/error.h"
#include "base/log.h"
#include "base/stopwatch.h"
#include "video/h264_idr.h"
#include "video/jpeg_end.h"
#include "video/packet_reader.h"

namespace barcode {
namespace {

// A spliced pass whose IDR picture did not come out (see decoder.h): made again, flushed.
struct SpliceMissed {};

std::atomic<bool> g_reported_fallback{false};

// Picks NVDEC's CUDA surfaces when FFmpeg offers them, else the first software format.
AVPixelFormat choose_cuda_format(AVCodecContext* ctx, const AVPixelFormat* offered) {
  AVPixelFormat software = AV_PIX_FMT_NONE;
  for (const AVPixelFormat* f = offered; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_CUDA) return *f;
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(*f);
    if (software == AV_PIX_FMT_NONE && desc && !(desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) {
      software = *f;
    }
  }
  if (!g_reported_fallback.exchange(true)) {
    const char* name = ctx->codec ? ctx->codec->name : "this";
    log::warn(std::string("NVDEC cannot decode this ") + name +
              " stream (codec, profile, chroma format or size); decoding it in software");
  }
  return software;
}

CodecPtr open_decoder(const StreamInfo& info, const AVStream* stream, const DecodeConfig& config) {
  CodecPtr ctx = new_decoder_context(info, stream);
  ctx->thread_count = config.threads;
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (config.hw_device) {
    ctx->hw_device_ctx = av_buffer_ref(config.hw_device);
    if (!ctx->hw_device_ctx) throw Error(info.path + ": out of memory referencing the CUDA device");
    ctx->get_format = choose_cuda_format;
    ctx->thread_count = 1;  // NVDEC does the work; threads would only hold more surfaces
    // A sink may keep a session's last pictures while NVDEC decodes on.
    ctx->extra_hw_frames = kSinkHeldPictures;
  }
  if (!config.hw_device) decode_into(ctx.get(), config.pictures.get());
  if (config.keyframes_only) ctx->skip_frame = AVDISCARD_NONKEY;
  const int rc = avcodec_open2(ctx.get(), ctx->codec, nullptr);
  if (rc < 0) {
    throw usage_error(info.path + ": cannot open " + info.codec + " decoder: " + av_error_text(rc));
  }
  return ctx;
}

// Keeps `patched_since_key` (see decode_with) and flags `frame` corrupt where it was decoded after
// a patched frame since the last key frame.
void mark_patched_references(AVFrame* frame, bool& patched_since_key) {
#ifdef AV_FRAME_FLAG_KEY
  const bool key = (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
  const bool key = frame->key_frame != 0;
#endif
  const bool patched = frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT);
  if (key) patched_since_key = false;
  if (patched) {
    patched_since_key = true;
  } else if (patched_since_key) {
    frame->flags |= AV_FRAME_FLAG_CORRUPT;
  }
}

}  // namespace

CodecPtr new_decoder_context(const StreamInfo& info, const AVStream* stream) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) throw usage_error(info.path + ": no decoder for codec " + info.codec);
  CodecPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error(info.path + ": out of memory allocating a decoder");
  const int rc = avcodec_parameters_to_context(ctx.get(), stream->codecpar);
  if (rc < 0) throw Error(info.path + ": decoder set-up failed: " + av_error_text(rc));
  ctx->pkt_timebase = stream->time_base;
  return ctx;
}

SegmentDecoder::SegmentDecoder(const StreamInfo& info, const DecodeConfig& config)
    : info_(info), config_(config), packet_(make_packet()), frame_(make_frame()) {}

SegmentDecoder::~SegmentDecoder() = default;

DecodeStats SegmentDecoder::decode(const Segment& segment, const FrameSink& sink) {
  Stopwatch opening;
  if (reader_) {
    reader_->restart(segment);
  } else {
    reader_ = std::make_unique<PacketReader>(info_.path, info_.stream_index, segment,
                                             info_.packets_have_pts);
    if (timing_first_picture_) startup_.file_open = opening.seconds();
  }
  const bool fresh = !ctx_;
  if (fresh) {
    Stopwatch codec;
    ctx_ = open_decoder(info_, reader_->stream(), config_);
    if (timing_first_picture_) startup_.codec_open = codec.seconds();
    const AVCodecParameters* par = reader_->stream()->codecpar;
    const bool splices = config_.splice != Splice::never && par->codec_id == AV_CODEC_ID_H264 &&
                         info_.packets_have_pts && !config_.keyframes_only;
    nal_length_size_ = splices ? h264_nal_length_size(par->extradata, par->extradata_size) : -1;
  }
  try {
    try {
      return decode_with(*reader_, segment, sink, !fresh);
    } catch (const SpliceMissed&) {
      log::detail(info_.path + ": no IDR picture after going on from the last segment at " +
                  std::to_string(segment.begin) + "; decoding it again, flushed");
      reader_->restart(segment);
      avcodec_flush_buffers(ctx_.get());
      drained_ = false;
      return decode_with(*reader_, segment, sink, false);
    }
  } catch (...) {
    // A decoder or reader that failed midway is not trusted with the next segment.
    ctx_.reset();
    reader_.reset();
    throw;
  }
}

bool SegmentDecoder::goes_on() const {
  return nal_length_size_ >= 0 && (in_hardware_ || config_.splice == Splice::always);
}

bool SegmentDecoder::splices_at(const AVPacket* key) const {
  // A picture of the last pass with the key packet's time would be taken for the IDR picture.
  const bool time_sent =
      sent_untimed_ || std::find(sent_pts_.begin(), sent_pts_.end(), key->pts) != sent_pts_.end();
  return goes_on() && !drained_ && (key->flags & AV_PKT_FLAG_KEY) && key->pts != AV_NOPTS_VALUE &&
         !time_sent && h264_access_unit_is_idr(key->data, key->size, nal_length_size_);
}

DecodeStats SegmentDecoder::decode_with(PacketReader& reader, const Segment& segment,
                                        const FrameSink& sink, bool may_splice) {
  DecodeStats stats;
  const StreamInfo& info = info_;
  AVCodecContext* ctx = ctx_.get();
  AVPacket* packet = packet_.get();
  AVFrame* frame = frame_.get();
  const AVRational tb = reader.stream()->time_base;
  bool stop = false;
  int64_t previous_pts = AV_NOPTS_VALUE;  // the last frame's time in this pass
  // Decode times of JPEG pictures cut short (see jpeg_end.h): their frames count as patched.
  const bool jpeg = ctx->codec_id == AV_CODEC_ID_MJPEG;
  std::vector<int64_t> cut_pictures;
  // Whether a frame since the last key frame was patched over damage: the frames after it are
  // decoded from its pixels, so they count as patched too. A sampled frame after a patched one
  // that is not sampled (--every, --fps) came out with other pixels and no flag, complete=1.
  // Every pass over a frame starts at a key frame before it, so every pass counts it alike.
  bool patched_since_key = false;
  // Set while a spliced pass drops the last pass's pictures: the IDR picture it waits for.
  int64_t splice_key = AV_NOPTS_VALUE;
  // Whether this pass still has to decide between flushing the decoder and going on from the
  // last pass (at its first packet; a fresh decoder has nothing to flush).
  bool deciding = may_splice;
  bool first_sent = true;  // the last pass's packets count until this one sends its first
  Stopwatch since_open;
  bool first_picture = true;

  bool past_end = false;  // reading on past the segment's end (see decoder.h)
  auto report_bad = [&](int rc, const std::string& stage) {
    if (past_end) return;  // the next segment's to report
    ++stats.bad_packets;
    if (stats.bad_packets <= 5) {
      log::warn(info.path + ": damaged data skipped while " + stage +
                " (FFmpeg: " + av_error_text(rc) + ")" +
                (stats.bad_packets == 5 ? "; further ones counted only" : ""));
    }
  };

  // Takes every frame the decoder has ready; sets `stop` at the first frame past the segment.
  auto drain = [&]() {
    while (!stop) {
      int rc = avcodec_receive_frame(ctx, frame);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        report_bad(rc, "decoding");
        continue;
      }
      if (splice_key != AV_NOPTS_VALUE) {
        if (frame->pts != splice_key) {
          av_frame_unref(frame);
          if (++stats.left_over > kMaxLeftOver) throw SpliceMissed{};
          continue;
        }
        splice_key = AV_NOPTS_VALUE;
      }
      in_hardware_ = frame->format == AV_PIX_FMT_CUDA;
      if (first_picture) {
        first_picture = false;
        stats.first_picture_seconds = since_open.seconds();
        if (timing_first_picture_) {
          timing_first_picture_ = false;
          startup_.first_picture = stats.first_picture_seconds;
        }
      }
      const auto cut = std::find(cut_pictures.begin(), cut_pictures.end(), frame->pkt_dts);
      if (cut != cut_pictures.end()) {
        frame->flags |= AV_FRAME_FLAG_CORRUPT;
        cut_pictures.erase(cut);
      }
      mark_patched_references(frame, patched_since_key);
      if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)) ++stats.concealed;
      int64_t pts = frame->best_effort_timestamp;
      if (pts == AV_NOPTS_VALUE && previous_pts != AV_NOPTS_VALUE) {
        pts = previous_pts + info.frame_ticks;  // see decoder.h: untimed frames
      }
      if (pts != AV_NOPTS_VALUE) previous_pts = pts;
      if (pts == AV_NOPTS_VALUE) {
        ++stats.untimed_frames;
      } else if (pts >= segment.end) {
        stop = true;  // presentation order: everything after is later still
        // The stream goes on at least to this frame (see PacketReader::time_past_end).
        stats.packets_end = std::max(stats.packets_end, pts);
      } else if (pts < segment.begin) {
        ++stats.lead_in;
      } else {
        // A frame the sink refuses is not the pass's: another decoder took its row (this pass
        // then decoded one frame too far), or the job is stopping.
        const Stopwatch handing;
        if (sink(frame, pts)) {
          ++stats.frames;
        } else {
          stop = true;
        }
        stats.sink_seconds += handing.seconds();
      }
      av_frame_unref(frame);
    }
  };

  // Forgets the last pass's pictures and references, once.
  auto flush = [&]() {
    avcodec_flush_buffers(ctx);
    drained_ = false;
    deciding = false;
  };
  // Sends one packet and takes the pictures it lets out.
  auto send = [&]() {
    if (first_sent) {
      first_sent = false;
      sent_pts_.clear();
      sent_untimed_ = false;
    }
    if (packet->pts == AV_NOPTS_VALUE) {
      sent_untimed_ = true;
    } else {
      sent_pts_.push_back(packet->pts);
    }
    int rc = avcodec_send_packet(ctx, packet);
    if (rc < 0 && rc != AVERROR(EAGAIN)) {
      report_bad(rc, "decoding the packet at t=" +
                         std::to_string(to_seconds(packet_time(packet), tb)) + " s");
    }
    av_packet_unref(packet);
    drain();
  };
  while (!stop && reader.next(packet)) {
    if (deciding) {
      if (splices_at(packet)) {
        splice_key = packet->pts;
        stats.spliced = true;
        deciding = false;
      } else {
        flush();
      }
    }
    ++stats.packets;
    const int64_t t = packet_time(packet);
    if (t != AV_NOPTS_VALUE) {
      const int64_t end = t + (packet->duration > 0 ? packet->duration : info.frame_ticks);
      stats.packets_end = std::max(stats.packets_end, end);
    }
    if (jpeg && jpeg_is_cut(packet->data, packet->size)) cut_pictures.push_back(packet->dts);
    send();
  }
  if (deciding) flush();  // no packet: the last pass's pictures must not come out below
  if (goes_on()) {
    past_end = true;
    for (int64_t n = 0; !stop && n < kMaxLeftOver && reader.next_past_end(packet); ++n) {
      if (packet->pts == AV_NOPTS_VALUE || packet->pts < segment.end) {
        av_packet_unref(packet);  // its picture could enter the segment: drain instead
        break;
      }
      send();
    }
    past_end = false;
  }
  if (!stop) {
    // Drain: the decoder still holds frames for reordering. A damaged last packet can make
    // this fail; what was decoded stays good.
    drained_ = true;
    int rc = avcodec_send_packet(ctx, nullptr);
    if (rc < 0 && rc != AVERROR_EOF) report_bad(rc, "flushing the decoder at the end");
    drain();
  }
  if (splice_key != AV_NOPTS_VALUE) throw SpliceMissed{};
  stats.read_error = reader.read_error();
  stats.packets_end = std::max(stats.packets_end, reader.time_past_end());
  stats.seconds = since_open.seconds();
  log::detail(info.path + ": decoded [" + std::to_string(segment.begin) + ", " +
              std::to_string(segment.end) + "): " + std::to_string(stats.frames) + " frames, " +
              std::to_string(stats.lead_in) + " before it from the preceding key frame" +
              (stats.spliced ? ", spliced (" + std::to_string(stats.left_over) + " dropped)"
                             : std::string()) +
              "; first picture " + std::to_string(stats.first_picture_seconds) + " s");
  return stats;
}

DecodeStats decode_segment(const StreamInfo& info, const Segment& segment,
                           const DecodeConfig& config, const FrameSink& sink) {
  SegmentDecoder decoder(info, config);
  return decoder.decode(segment, sink);
}

}  // namespace barcode
