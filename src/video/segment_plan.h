// Which time segment of the movie each rank owns. A rank owns the frames whose presentation
// timestamps fall in [begin, end); segments are contiguous and cover the range exactly once.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace barcode {

struct Segment {
  int64_t begin = std::numeric_limits<int64_t>::min();  // inclusive, stream time base
  int64_t end = std::numeric_limits<int64_t>::max();    // exclusive
  bool open_begin() const { return begin == std::numeric_limits<int64_t>::min(); }
  bool contains(int64_t ts) const { return ts >= begin && ts < end; }
};

// Splits [range_begin, range_end) into `parts` contiguous segments of (nearly) equal length.
// `open_begin` / `open_end` widen the first / last segment to all timestamps before / after the
// range, so frames with timestamps outside the stream's stated duration are never lost.
// With range_end <= range_begin (unknown duration), the first segment takes everything.
std::vector<Segment> plan_segments(int64_t range_begin, int64_t range_end, int parts,
                                   bool open_begin, bool open_end);

}  // namespace barcode
