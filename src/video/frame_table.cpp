#include "video/frame_table.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/interrupt.h"
#include "video/decoder.h"
#include "video/packet_reader.h"

namespace barcode {

namespace {

// Errors the demuxer reports only in its log: a Matroska demuxer that meets garbage skips to
// the next cluster it recognises, and the frames in between vanish without an error code. A
// block whose element ID is damaged into another ID is skipped with only a debug message
// ("Unknown entry"); the header may hold elements FFmpeg does not know, so those count only
// while packets are read: by the scan, or by FFmpeg itself when it opens the file and reads
// the first packets to learn the stream's parameters (a block lost there is never returned by
// av_read_frame, and nothing else reports it: the packets and frames after agree, and the last
// packet still ends where the header says).
// Per thread: the demuxer logs from the thread that reads, and a --manifest rank scans one movie
// while it decodes others in other threads.
thread_local int64_t t_demuxer_errors = 0;
thread_local bool t_reading_packets = false;

void count_demuxer_errors(void* object, int level, const char* format, va_list args) {
  if (object) {
    const AVClass* av_class = *static_cast<AVClass**>(object);
    const AVClassCategory category =
        av_class ? (av_class->get_category ? av_class->get_category(object) : av_class->category)
                 : AV_CLASS_CATEGORY_NA;
    if (category == AV_CLASS_CATEGORY_DEMUXER) {
      const bool unknown_element = (t_reading_packets || reading_first_packets()) && format &&
                                   std::strncmp(format, "Unknown entry", 13) == 0;
      if (level <= AV_LOG_ERROR || unknown_element) ++t_demuxer_errors;
    }
  }
  av_log_default_callback(object, level, format, args);
}

// Marks the stretch where the demuxer reads packets, past the header.
struct ReadingPackets {
  ReadingPackets() { t_reading_packets = true; }
  ~ReadingPackets() { t_reading_packets = false; }
};

// Counts the demuxer's logged errors of this thread while it lives. FFmpeg's log callback is
// process-wide: it is installed once and stays (another thread may be scanning).
class DemuxerErrorCount {
 public:
  DemuxerErrorCount() : start_(t_demuxer_errors) {
    static std::once_flag installed;
    std::call_once(installed, [] { av_log_set_callback(count_demuxer_errors); });
  }
  int64_t errors() const { return t_demuxer_errors - start_; }

 private:
  int64_t start_;
};

// A signal while frames are listed ends the job at once: nothing is written yet, and listing a
// long file by decoding it (AVI) takes as long as decoding it.
void stop_if_interrupted(const StreamInfo& info) {
  throw_if_interrupted(info.path, "while its frames were listed; nothing was written");
}

// Sorted and unique: decode order is not presentation order, and a damaged file can repeat.
void finish_scan(FrameScan& scan) {
  std::sort(scan.pts.begin(), scan.pts.end());
  const auto unique_end = std::unique(scan.pts.begin(), scan.pts.end());
  scan.duplicates = static_cast<int64_t>(scan.pts.end() - unique_end);
  scan.pts.erase(unique_end, scan.pts.end());
  std::sort(scan.keys.begin(), scan.keys.end());
  scan.keys.erase(std::unique(scan.keys.begin(), scan.keys.end()), scan.keys.end());
}

// Without packet presentation timestamps, only the decoder knows when frames are shown: the
// table then comes from decoding the segment, with the same rule as the decoding pass.
FrameScan scan_by_decoding(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  FrameScan scan;
  DecodeConfig config;
  config.keyframes_only = keyframes_only;
  const DecodeStats stats = decode_segment(info, segment, config, [&](const AVFrame*, int64_t pts) {
    scan.pts.push_back(pts);
    return !interrupt_requested();
  });
  stop_if_interrupted(info);
  scan.packets = stats.packets;
  scan.read_error = stats.read_error;
  scan.bad_packets = stats.bad_packets;
  scan.untimed = stats.untimed_frames;
  scan.packets_end = stats.packets_end;
  scan.concealed = stats.concealed;
  return scan;
}

FrameScan scan_by_demuxing(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  FrameScan scan;
  PacketReader reader(info.path, info.stream_index, segment, true);
  const ReadingPackets reading;
  PacketPtr packet = make_packet();
  int64_t untimed = 0;
  while (reader.next(packet.get())) {
    if (++scan.packets % 1024 == 0) stop_if_interrupted(info);
    const int64_t t = packet_time(packet.get());
    if (t != AV_NOPTS_VALUE) {
      const int64_t end = t + (packet->duration > 0 ? packet->duration : info.frame_ticks);
      scan.packets_end = std::max(scan.packets_end, end);
    }
    if (packet->flags & AV_PKT_FLAG_CORRUPT) ++scan.corrupt;
    // Packets flagged discard (edit-list pre-roll) are decoded but never shown: not frames.
    const bool shown = !(packet->flags & AV_PKT_FLAG_DISCARD);
    const bool key_ok = !keyframes_only || (packet->flags & AV_PKT_FLAG_KEY);
    if (t == AV_NOPTS_VALUE) {
      ++untimed;
    } else if (shown && key_ok && segment.contains(t)) {
      scan.pts.push_back(t);
      if (packet->flags & AV_PKT_FLAG_KEY) scan.keys.push_back(t);
    }
    av_packet_unref(packet.get());
  }
  if (untimed > 0 && scan.pts.empty()) {
    throw usage_error(info.path +
                      ": video packets carry no timestamps; remux the file (e.g. "
                      "ffmpeg -i IN -c copy OUT.mkv) and try again");
  }
  scan.untimed = untimed;
  scan.read_error = reader.read_error();
  // A bounded segment stops at the first packet past its end: the stream goes on to there, even
  // where a long gap follows the last frame read (variable frame rate).
  scan.packets_end = std::max(scan.packets_end, reader.time_past_end());
  return scan;
}

FrameScan scan_in_one_pass(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  DemuxerErrorCount log_errors;
  FrameScan scan = info.packets_have_pts ? scan_by_demuxing(info, segment, keyframes_only)
                                         : scan_by_decoding(info, segment, keyframes_only);
  scan.demuxer_errors = log_errors.errors();
  finish_scan(scan);
  return scan;
}

// The segment's bounds in stream time: an open end is the stream's stated one (0: unknown).
int64_t first_time(const StreamInfo& info, const Segment& segment) {
  return segment.open_begin() ? info.start_pts : segment.begin;
}
int64_t end_time(const StreamInfo& info, const Segment& segment) {
  return segment.end == std::numeric_limits<int64_t>::max() ? info.end_pts : segment.end;
}

// `segment` cut into `parts` stretches of equal length, the outer bounds kept as they are.
std::vector<Segment> stretches_of(const StreamInfo& info, const Segment& segment, int parts) {
  std::vector<Segment> stretches =
      plan_segments(first_time(info, segment), end_time(info, segment), parts, false, false);
  stretches.front().begin = segment.begin;
  stretches.back().end = segment.end;
  return stretches;
}

// Each stretch's scan in a thread of its own; false when a thread could not be started or a
// scan failed.
bool scan_stretches(const StreamInfo& info, const std::vector<Segment>& stretches,
                    bool keyframes_only, std::vector<FrameScan>& scans) {
  scans.assign(stretches.size(), FrameScan{});
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  try {
    for (size_t i = 0; i < stretches.size(); ++i) {
      threads.emplace_back([&, i] {
        try {
          scans[i] = scan_in_one_pass(info, stretches[i], keyframes_only);
        } catch (...) {
          failed = true;
        }
      });
    }
  } catch (...) {
    failed = true;
  }
  for (std::thread& t : threads) t.join();
  return !failed;
}

}  // namespace

bool FrameScan::shows_damage() const {
  return !read_error.empty() || duplicates > 0 || bad_packets > 0 || untimed > 0 || concealed > 0 ||
         corrupt > 0 || demuxer_errors > 0;
}

int scan_readers(const StreamInfo& info, const Segment& segment, int cores) {
  constexpr double kSecondsPerReader = 300;  // a reader opens the file: worth it on long spans
  constexpr int kMaxReaders = 8;             // more gain little: each parses the whole index
  if (!info.packets_have_pts || cores <= 1) return 1;
  const int64_t begin = first_time(info, segment), end = end_time(info, segment);
  if (end <= begin) return 1;
  const double seconds = static_cast<double>(end - begin) * av_q2d(info.time_base);
  const int by_length =
      static_cast<int>(std::min<double>(seconds / kSecondsPerReader, kMaxReaders));
  return std::max(1, std::min(by_length, cores));
}

FrameScan scan_frames(const StreamInfo& info, const Segment& segment, bool keyframes_only,
                      int readers) {
  if (readers <= 1 || !info.packets_have_pts ||
      end_time(info, segment) <= first_time(info, segment))
    return scan_in_one_pass(info, segment, keyframes_only);
  std::vector<FrameScan> scans;
  const bool read =
      scan_stretches(info, stretches_of(info, segment, readers), keyframes_only, scans);
  stop_if_interrupted(info);
  const auto damaged = [](const FrameScan& part) { return part.shows_damage(); };
  if (!read || std::any_of(scans.begin(), scans.end(), damaged))
    return scan_in_one_pass(info, segment, keyframes_only);
  FrameScan whole;
  for (const FrameScan& part : scans) {
    // Stretches are disjoint and in time order: their sorted tables follow one another.
    whole.pts.insert(whole.pts.end(), part.pts.begin(), part.pts.end());
    whole.keys.insert(whole.keys.end(), part.keys.begin(), part.keys.end());
    whole.packets += part.packets;
    whole.packets_end = std::max(whole.packets_end, part.packets_end);
  }
  return whole;
}

}  // namespace barcode
