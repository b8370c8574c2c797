#include "video/frame_table.h"

#include <algorithm>

#include "error.h"
#include "video/packet_reader.h"

namespace barcode {

FrameScan scan_frames(const StreamInfo& info, const Segment& segment, bool keyframes_only) {
  FrameScan scan;
  PacketReader reader(info.path, info.stream_index, segment);
  PacketPtr packet = make_packet();
  int64_t untimed = 0;
  while (reader.next(packet.get())) {
    ++scan.packets;
    const int64_t t = packet_time(packet.get());
    // Packets flagged discard (edit-list pre-roll) are decoded but never shown: not frames.
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
    throw usage_error(info.path + ": video packets carry no timestamps; remux the file (e.g. "
                                  "ffmpeg -i IN -c copy OUT.mkv) and try again");
  }
  std::sort(scan.pts.begin(), scan.pts.end());
  const auto unique_end = std::unique(scan.pts.begin(), scan.pts.end());
  scan.duplicates = static_cast<int64_t>(scan.pts.end() - unique_end);
  scan.pts.erase(unique_end, scan.pts.end());
  scan.read_error = reader.read_error();
  return scan;
}

}  // namespace barcode
