// The frame table: presentation timestamps of every candidate frame, found by demuxing without
// decoding (cheap next to decoding). Each rank scans its own segment; gathered in rank order the
// tables give every rank the same list of the movie's frames, and so the same global frame index
// and the same sample selection, whatever the number of ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "video/ffmpeg_util.h"
#include "video/probe.h"
#include "video/segment_plan.h"

namespace barcode {

struct FrameScan {
  std::vector<int64_t> pts;    // sorted, unique
  int64_t packets = 0;         // video packets read
  int64_t duplicates = 0;      // packets whose pts repeated an earlier one (dropped)
  std::string read_error;      // why reading stopped early, empty at a clean end
  int64_t bad_packets = 0;     // packets the decoder rejected (listing by decoding only)
  int64_t untimed = 0;         // packets or frames without any timestamp (not listed)
  int64_t concealed = 0;       // frames decoded over damage (listing by decoding only)
  int64_t corrupt = 0;         // packets the demuxer flagged corrupt (listing by demuxing only)
  int64_t demuxer_errors = 0;  // errors the demuxer logged (invalid data it skipped)
  // The largest packet time plus its duration (one frame where unknown) over every packet read,
  // key frame or not; AV_NOPTS_VALUE when none. See DecodeStats::packets_end.
  int64_t packets_end = AV_NOPTS_VALUE;
};

// Scans the packets of `info`'s video stream in `segment`. With `keyframes_only`, only key-frame
// packets are candidates. Throws Error when packets carry no timestamps at all.
FrameScan scan_frames(const StreamInfo& info, const Segment& segment, bool keyframes_only);

}  // namespace barcode
