#include "video/segment_plan.h"

#include "base/error.h"
#include "base/int128.h"

namespace barcode {

std::vector<Segment> plan_segments(int64_t range_begin, int64_t range_end, int parts,
                                   bool open_begin, bool open_end) {
  if (parts < 1) throw Error("plan_segments: parts must be >= 1");
  std::vector<Segment> segments(static_cast<size_t>(parts));
  if (range_end <= range_begin) {
    // Unknown length: one segment owns the whole range, the others own nothing.
    for (auto& s : segments) s.begin = s.end = range_begin;
    segments[0].begin = range_begin;
    segments[0].end = std::numeric_limits<int64_t>::max();
  } else {
    // 128-bit arithmetic: begin + length*i/parts must not overflow for any time base.
    const Int128 length = static_cast<Int128>(range_end) - range_begin;
    for (int i = 0; i < parts; ++i) {
      segments[i].begin = static_cast<int64_t>(range_begin + length * i / parts);
      segments[i].end = static_cast<int64_t>(range_begin + length * (i + 1) / parts);
    }
  }
  if (open_begin) segments.front().begin = std::numeric_limits<int64_t>::min();
  if (open_end && range_end > range_begin) {
    segments.back().end = std::numeric_limits<int64_t>::max();
  }
  return segments;
}

}  // namespace barcode
