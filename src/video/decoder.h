// Software decoding of one time segment with libavcodec: frames come out in presentation order,
// exactly those whose best-effort timestamp lies in the segment.
//
// A frame without any timestamp (FFmpeg gives none to the last frame of an AVI with B-frames,
// whose packets have only decode timestamps) is timed one frame after the frame decoded before
// it: every decoding pass that reaches it decodes that same frame before it, so every rank and
// the frame table agree on its time. Only an untimed frame with no frame before it in the pass
// is skipped (counted in untimed_frames).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "video/ffmpeg_util.h"
#include "video/picture_memory.h"
#include "video/probe.h"
#include "video/segment_plan.h"

namespace barcode {

// How many of a decoder's past pictures a sink may keep referenced while the decoder goes on (the
// GPU sink holds each until the work reading it is done): NVDEC sessions get as many extra
// surfaces. Measured on the 2-hour film (docs/benchmarks.md): one GPU end to end gained 3-5 % from
// 1 to 2 and 4-6 % more from 2 to 3; two GPUs gained 7 % from 1 to 2 and nothing from 3.
constexpr int kSinkHeldPictures = 3;

enum class Splice { never, in_hardware, always };

struct DecodeConfig {
  int threads = 0;              // libavcodec threads; 0 lets FFmpeg choose
  bool keyframes_only = false;  // skip non-key frames in the decoder itself (fast preview)
  // A CUDA device context (AV_HWDEVICE_TYPE_CUDA): decode with NVDEC, frames stay in device
  // memory (AV_PIX_FMT_CUDA). Where NVDEC cannot decode the stream, FFmpeg offers no CUDA
  // format and the decoder falls back to software, saying so once.
  AVBufferRef* hw_device = nullptr;
  // Where a software decoder puts its pictures (nullptr: FFmpeg's pools); see picture_memory.h.
  std::shared_ptr<PictureMemory> pictures;
  // When to go on from one segment to the next without a flush (the splice, SegmentDecoder
  // below): never; while the pictures come out of NVDEC (for NVDEC sessions, whose flush makes
  // the hardware decoder again; a session that fell back to software does not); always (tests:
  // a software decoder goes on alike over intact data, but over damaged data FFmpeg's error
  // concealment keeps state that a flush clears).
  Splice splice = Splice::never;
};

struct DecodeStats {
  int64_t packets = 0;         // packets sent to the decoder
  int64_t frames = 0;          // frames in the segment that the sink took
  int64_t bad_packets = 0;     // packets or frames the decoder rejected (skipped)
  int64_t untimed_frames = 0;  // frames without any timestamp and no frame before them (skipped)
  int64_t lead_in = 0;         // frames decoded before the segment (from the key frame before)
  int64_t concealed = 0;       // frames the decoder patched over damaged data (still used)
  std::string read_error;      // why demuxing stopped early (truncated file), empty otherwise
  // Where the packets read end: the largest packet time plus its duration (one frame if unknown),
  // AV_NOPTS_VALUE when no packet had a time (the smallest int64: std::max keeps any time over
  // it). On the segment that runs to the end of the file, where the readable video stream ends.
  int64_t packets_end = AV_NOPTS_VALUE;
  // Wall time of the pass, and of it the time spent in the sink: the rest is reading and
  // decoding. The stage lines at -v 2 print both per decoder, to tell a decoder slowed by its
  // own work from one held up handing its frames on.
  double seconds = 0;
  double sink_seconds = 0;
  // From the pass's start to the decoder's first picture (of the segment or before it).
  double first_picture_seconds = 0;
  // The pass went on from the last pass's decoder without flushing it (SegmentDecoder, the
  // splice), and dropped that many of the last pass's pictures still inside it.
  bool spliced = false;
  int64_t left_over = 0;
};

// Where a decoder's first pass spent its time before its first picture (seconds): the stage
// lines at -v 2 print it, to tell a slow file open from a slow NVDEC session start.
struct DecoderStartup {
  double file_open = 0.0;      // opening the file and seeking (the packet reader)
  double codec_open = 0.0;     // avcodec_open2
  double first_picture = 0.0;  // from then to the first picture out of the decoder (NVDEC's
                               // session and surfaces are made at the first packet)
};

// Called for each frame in the segment with its timestamp; return false to stop decoding.
using FrameSink = std::function<bool(const AVFrame* frame, int64_t pts)>;

// A decoder kept across segments: opening one costs tens of milliseconds in software and more
// with NVDEC (a hardware session and its surfaces), so a decoder that handles many chunks of a
// film opens once and is flushed between them.
//
// The splice: FFmpeg's H.264 decoder forgets its set-up when flushed, and with NVDEC the next
// slice then makes the hardware decoder and its surfaces again (tenths of a second when eight
// sessions do it at once). A pass whose first packet is an H.264 IDR picture that the last pass
// did not send goes on without the flush: the IDR picture depends on nothing before it and
// resets every reference, so from it on the decoder makes the pictures a flushed one makes, and
// the pictures of the last pass still inside it come out first, before the IDR picture, and are
// dropped: the IDR packet's time must not be that of any packet the last pass sent, so that no
// picture of that pass can be taken for it. Should the IDR picture not come out among the first
// kMaxLeftOver pictures (damage), the pass is made again, flushed; nothing reached the sink
// before it. A decoder drained to its end must be flushed, so a splicing pass does not drain at
// its segment's end: it reads on (PacketReader::next_past_end) until its first picture past the
// end comes out, which also tells it that every picture of the segment is out. It sends only
// packets that present at or after the end (up to kMaxLeftOver of them), and drains at the first
// other one: their pictures then never enter the segment. Only for streams whose packets have
// presentation times.
class PacketReader;
class SegmentDecoder {
 public:
  SegmentDecoder(const StreamInfo& info, const DecodeConfig& config);
  ~SegmentDecoder();
  SegmentDecoder(const SegmentDecoder&) = delete;
  SegmentDecoder& operator=(const SegmentDecoder&) = delete;

  DecodeStats decode(const Segment& segment, const FrameSink& sink);

  // The first pass's start-up times; zero until that pass has its first picture.
  const DecoderStartup& startup() const { return startup_; }

 private:
  // `may_splice`: whether this pass may go on from the last pass's decoder (see above); a pass
  // that may not starts with a decoder that is fresh or flushed.
  DecodeStats decode_with(PacketReader& reader, const Segment& segment, const FrameSink& sink,
                          bool may_splice);
  // Whether this decoder may go on from its last pass now (config, stream and where the
  // pictures came from).
  bool goes_on() const;
  // Whether the pass starting with `key` may go on from the last pass without a flush.
  bool splices_at(const AVPacket* key) const;

  const StreamInfo& info_;
  DecodeConfig config_;
  std::unique_ptr<PacketReader> reader_;  // kept open across segments
  CodecPtr ctx_;
  PacketPtr packet_;
  FramePtr frame_;
  DecoderStartup startup_;
  bool timing_first_picture_ = true;
  // The splice: the stream's H.264 NAL length size (h264_idr.h; -1: no splice for this stream),
  // whether the last pass drained the decoder to its end (it then needs a flush), whether its
  // pictures came out of NVDEC, the times of the packets it sent, and whether one had none.
  int nal_length_size_ = -1;
  bool drained_ = false;
  bool in_hardware_ = false;
  std::vector<int64_t> sent_pts_;
  bool sent_untimed_ = false;
};

// The most pictures of the last pass a spliced pass drops before the IDR picture it waits for:
// more than a decoder holds (16 references and reordering, plus a frame thread each).
constexpr int64_t kMaxLeftOver = 64;

// A decoder context for `stream` of `info`'s file, with its codec parameters and time base, not
// yet opened (the caller sets threads and options, then avcodec_open2).
CodecPtr new_decoder_context(const StreamInfo& info, const AVStream* stream);

// One segment with a decoder of its own.
DecodeStats decode_segment(const StreamInfo& info, const Segment& segment,
                           const DecodeConfig& config, const FrameSink& sink);

}  // namespace barcode
