#include "video/frame_table.h"

#include <algorithm>

#include "error.h"
#include "video/decoder.h"
#include "video/packet_reader.h"

namespace barcode {

namespace {

// Sorted and unique: decode order is not presentation order, and a damaged file can repeat.
void finish_scan(FrameScan& scan) {
  std::sort(scan.pts.begin(), scan.pts.end());
  const auto unique_end = std::unique(scan.pts.begin(), scan.pts.end());
  scan.duplicates = static_cast<int64_t>(scan.pts.end() - unique_end);
  scan.pts.erase(unique_end, scan.pts.end());
}

// Without packet presentation timestamps, only the decoder knows when frames are shown: the
// table then comes from decoding the segment, with the same rule as the decoding pass.
FrameScan scan_by_decoding(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  FrameScan scan;
  DecodeConfig config;
  config.keyframes_only = keyframes_only;
  const DecodeStats stats = decode_segment(info, segment, config, [&](const AVFrame*, int64_t pts) {
    scan.pts.push_back(pts);
    return true;
  });
  scan.packets = stats.packets;
  scan.read_error = stats.read_error;
  scan.bad_packets = stats.bad_packets;
  scan.untimed = stats.untimed_frames;
  scan.packets_end = stats.packets_end;
  scan.concealed = stats.concealed;
  return scan;
}

}  // namespace

FrameScan scan_frames(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  if (!info.packets_have_pts) {
    FrameScan scan = scan_by_decoding(info, segment, keyframes_only);
    finish_scan(scan);
    return scan;
  }
  FrameScan scan;
  PacketReader reader(info.path, info.stream_index, segment, true);
  PacketPtr packet = make_packet();
  int64_t untimed = 0;
  while (reader.next(packet.get())) {
    ++scan.packets;
    const int64_t t = packet_time(packet.get());
    if (t != AV_NOPTS_VALUE) {
      const int64_t end = t + (packet->duration > 0 ? packet->duration : info.frame_ticks);
      if (scan.packets_end == AV_NOPTS_VALUE || end > scan.packets_end) scan.packets_end = end;
    }
    // Packets flagged discard (edit-list pre-roll) are decoded but never shown: not frames.
    if (packet->flags & AV_PKT_FLAG_CORRUPT) ++scan.corrupt;
    const bool shown = !(packet->flags & AV_PKT_FLAG_DISCARD);
    const bool key_ok = !keyframes_only || (packet->flags & AV_PKT_FLAG_KEY);
    if (t == AV_NOPTS_VALUE) {
      ++untimed;
    } else if (shown && key_ok && segment.contains(t)) {
      scan.pts.push_back(t);
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
  finish_scan(scan);
  return scan;
}

}  // namespace barcode
