#include "video/crop_detect.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <thread>
#include <tuple>

#include "base/error.h"
#include "video/decoder.h"
#include "video/ffmpeg_util.h"
#include "video/packet_reader.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

namespace barcode {
namespace {

// A luma sample as an 8-bit code, whatever the depth.
template <typename Sample>
struct LumaReader {
  const uint8_t* base;
  int linesize, step, offset, shift, drop;  // drop: bits beyond 8
  unsigned mask;
  unsigned at(int x, int y) const {
    const uint8_t* p = base + static_cast<ptrdiff_t>(y) * linesize + x * step + offset;
    Sample v;
    std::memcpy(&v, p, sizeof v);
    return ((static_cast<unsigned>(v) >> shift) & mask) >> drop;
  }
};

template <typename Sample>
void add_votes(const LumaReader<Sample>& luma, BarVotes& votes) {
  const int w = votes.width, h = votes.height;
  std::vector<uint64_t> column_sums(static_cast<size_t>(w), 0);
  std::vector<char> bright_rows(static_cast<size_t>(h), 0);
  bool any = false;
  for (int y = 0; y < h; ++y) {
    uint64_t row_sum = 0;
    for (int x = 0; x < w; ++x) {
      const unsigned v = luma.at(x, y);
      row_sum += v;
      column_sums[static_cast<size_t>(x)] += v;
    }
    // mean > limit, in integers: sum > limit * count
    bright_rows[static_cast<size_t>(y)] = row_sum > uint64_t{kCropDarkLimit} * uint64_t(w);
    any = any || bright_rows[static_cast<size_t>(y)];
  }
  if (!any) return;  // a black frame (fade, title gap) tells nothing about the bars
  ++votes.counts[0];
  for (int y = 0; y < h; ++y) votes.counts[1 + static_cast<size_t>(y)] += bright_rows[size_t(y)];
  for (int x = 0; x < w; ++x) {
    votes.counts[1 + static_cast<size_t>(h + x)] +=
        column_sums[static_cast<size_t>(x)] > uint64_t{kCropDarkLimit} * uint64_t(h) ? 1 : 0;
  }
}

// Bar lines from one edge inwards: lines before the first picture line.
template <typename IsBar>
int bar_run(int lines, IsBar is_bar, bool from_end) {
  int run = 0;
  while (run < lines && is_bar(from_end ? lines - 1 - run : run)) ++run;
  return run;
}

// A bar as cropped: rounded down to even, at most a third of the frame.
int usable_bar(int bar, int lines) {
  return std::min(bar, lines / 3) & ~1;
}

}  // namespace

bool add_frame_votes(const AVFrame* frame, BarVotes& votes) {
  if (frame->width != votes.width || frame->height != votes.height) return false;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  if (!desc ||
      (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL |
                      AV_PIX_FMT_FLAG_BITSTREAM)) ||
      desc->nb_components < 1 || frame->linesize[0] <= 0) {
    return false;
  }
  const AVComponentDescriptor& y = desc->comp[0];
  if (y.depth < 8 || y.depth > 16) return false;
  const unsigned mask = (1u << y.depth) - 1;
  if (y.step == 1 && y.depth == 8) {
    add_votes(LumaReader<uint8_t>{frame->data[y.plane], frame->linesize[y.plane], y.step, y.offset,
                                  y.shift, 0, mask},
              votes);
  } else if (desc->flags & AV_PIX_FMT_FLAG_BE) {
    return false;  // big-endian words: not met in practice
  } else {
    add_votes(LumaReader<uint16_t>{frame->data[y.plane], frame->linesize[y.plane], y.step, y.offset,
                                   y.shift, y.depth - 8, mask},
              votes);
  }
  return true;
}

CropRect decide_crop(const BarVotes& votes, std::string* method) {
  const int w = votes.width, h = votes.height;
  CropRect whole{0, 0, w, h};
  const int64_t frames = votes.frames();
  if (frames < kCropMinFrames) {
    *method = "auto: none (" + std::to_string(frames) + " frames with picture, " +
              std::to_string(kCropMinFrames) + " needed)";
    return whole;
  }
  const int64_t tolerance = frames / 20;
  const auto row_is_bar = [&](int r) { return votes.bright_row(r) <= tolerance; };
  const auto column_is_bar = [&](int c) { return votes.bright_column(c) <= tolerance; };
  const int top = bar_run(h, row_is_bar, false);
  if (top == h) {
    *method = "auto: none (no line is bright in the frames looked at)";
    return whole;
  }
  const int bottom = bar_run(h, row_is_bar, true);
  const int left = bar_run(w, column_is_bar, false);
  const int right = bar_run(w, column_is_bar, true);
  CropRect crop;
  crop.y = usable_bar(top, h);
  crop.height = h - crop.y - usable_bar(bottom, h);
  crop.x = usable_bar(left, w);
  crop.width = w - crop.x - usable_bar(right, w);
  *method = "auto: bars top " + std::to_string(top) + ", bottom " + std::to_string(bottom) +
            ", left " + std::to_string(left) + ", right " + std::to_string(right) + " px, from " +
            std::to_string(frames) +
            " frames with picture (luma mean <= " + std::to_string(kCropDarkLimit) +
            " in all but " + std::to_string(tolerance) + ")";
  return crop;
}

std::vector<int64_t> crop_probe_positions(int64_t count) {
  const int64_t n = std::min<int64_t>(count, kCropProbeFrames);
  std::vector<int64_t> positions;
  for (int64_t i = 0; i < n; ++i) positions.push_back((2 * i + 1) * count / (2 * n));
  return positions;
}

namespace {

void vote_alone(const StreamInfo& info, const std::vector<int64_t>& pts, BarVotes& votes) {
  if (pts.empty()) return;
  // One demuxer and one decoder for all the probes: seek backward to the probe's time, read on
  // to the first key frame packet at or after it and decode that packet alone. The frame is
  // then a property of the file, whichever rank decodes it.
  FormatPtr format = open_media(info.path);
  const AVStream* stream = format->streams[info.stream_index];
  CodecPtr ctx = new_decoder_context(info, stream);
  ctx->thread_count = 0;
  ctx->thread_type = FF_THREAD_SLICE;  // frame threads would only delay a single frame
  int rc = avcodec_open2(ctx.get(), ctx->codec, nullptr);
  if (rc < 0) throw Error(info.path + ": cannot open the decoder: " + av_error_text(rc));
  PacketPtr packet = make_packet();
  FramePtr frame = make_frame();
  // A short movie has fewer key frames than probes, and probes close together land on the same
  // key frame: its votes are counted for each probe, as before, but it is decoded once. Keyed by
  // the packet's time, byte position and size (a damaged file may repeat a time).
  std::map<std::tuple<int64_t, int64_t, int>, std::vector<int64_t>> decoded;
  const auto add = [&](const std::vector<int64_t>& counts) {
    for (size_t i = 0; i < counts.size(); ++i) votes.counts[i] += counts[i];
  };
  for (int64_t at : pts) {
    if (av_seek_frame(format.get(), info.stream_index, at, AVSEEK_FLAG_BACKWARD) < 0) continue;
    avcodec_flush_buffers(ctx.get());
    bool sent = false, seen = false;
    std::tuple<int64_t, int64_t, int> key;
    while (!sent && !seen && av_read_frame(format.get(), packet.get()) >= 0) {
      const bool wanted = packet->stream_index == info.stream_index &&
                          (packet->flags & AV_PKT_FLAG_KEY) && packet_time(packet.get()) >= at &&
                          packet_time(packet.get()) != AV_NOPTS_VALUE;
      if (wanted) {
        key = {packet_time(packet.get()), packet->pos, packet->size};
        const auto known = decoded.find(key);
        if (known != decoded.end()) {
          add(known->second);
          seen = true;
        } else {
          sent = avcodec_send_packet(ctx.get(), packet.get()) >= 0;
        }
      }
      av_packet_unref(packet.get());
    }
    if (!sent) continue;  // decoded before, no key frame after this point, or it does not decode
    avcodec_send_packet(ctx.get(), nullptr);  // drain: the key frame is the one picture
    BarVotes mine(votes.width, votes.height);
    if (avcodec_receive_frame(ctx.get(), frame.get()) >= 0) {
      add_frame_votes(frame.get(), mine);
      av_frame_unref(frame.get());
    }
    add(mine.counts);
    decoded.emplace(key, std::move(mine.counts));
  }
}

}  // namespace

void vote_on_frames(const StreamInfo& info, const std::vector<int64_t>& pts, BarVotes& votes,
                    int threads) {
  // Each probe is a seek and a key frame decoded in software (12 ms for 1080p H.264): 40 of them
  // on one thread were half a second of every movie's start-up. Threads take a run of neighbouring
  // probes each, with a demuxer and decoder of their own; the votes are integer counts, summed in
  // any order.
  const size_t parts = std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), pts.size());
  if (parts <= 1) {
    vote_alone(info, pts, votes);
    return;
  }
  std::vector<BarVotes> part_votes(parts, BarVotes(votes.width, votes.height));
  std::vector<std::exception_ptr> failures(parts);
  std::vector<std::thread> pool;
  for (size_t p = 0; p < parts; ++p) {
    pool.emplace_back([&, p] {
      // Neighbouring probes together: those on one key frame then decode it once (vote_alone).
      const std::vector<int64_t> mine(
          pts.begin() + static_cast<long>(p * pts.size() / parts),
          pts.begin() + static_cast<long>((p + 1) * pts.size() / parts));
      try {
        vote_alone(info, mine, part_votes[p]);
      } catch (...) {
        failures[p] = std::current_exception();
      }
    });
  }
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  for (const BarVotes& part : part_votes) {
    for (size_t i = 0; i < votes.counts.size(); ++i) votes.counts[i] += part.counts[i];
  }
}

CropRect parse_crop(const std::string& spec, const StreamInfo& info) {
  CropRect c;
  char tail = 0;
  if (std::sscanf(spec.c_str(), "%d:%d:%d:%d%c", &c.width, &c.height, &c.x, &c.y, &tail) != 4) {
    throw usage_error("--crop must be auto, none or W:H:X:Y (got '" + spec + "')");
  }
  if (c.width < 2 || c.height < 2 || c.x < 0 || c.y < 0 || c.x % 2 != 0 || c.y % 2 != 0 ||
      int64_t{c.x} + c.width > info.width || int64_t{c.y} + c.height > info.height) {
    throw usage_error(info.path + ": --crop " + spec + " does not fit the " +
                      std::to_string(info.width) + "x" + std::to_string(info.height) +
                      " frame (W, H >= 2; X, Y even; X + W <= width, Y + H <= height)");
  }
  return c;
}

std::string crop_text(const CropRect& crop) {
  return std::to_string(crop.width) + ":" + std::to_string(crop.height) + ":" +
         std::to_string(crop.x) + ":" + std::to_string(crop.y);
}

}  // namespace barcode
