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
  // The key-frame packets among pts (sorted, unique; empty where frames are listed by
  // decoding): a pass that starts at one decodes nothing before it.
  std::vector<int64_t> keys;

  // Whether the reading met anything but clean packets in order: then a table read in one
  // pass is the only one that counts (readers that start midway can list a damaged file
  // differently).
  bool shows_damage() const;
};

// Scans the packets of `info`'s video stream in `segment`. With `keyframes_only`, only key-frame
// packets are candidates. Throws Error when packets carry no timestamps at all.
//
// With `readers` > 1, that many readers at once each scan one stretch of the segment, cut as
// ranks cut a movie (a 2-hour MP4 takes 0.7 s to read in one pass, all of it before the first
// frame is decoded). Where any stretch shows damage or fails, the segment is read again in one
// pass: the table and its counts are always what one pass gives (`packets` aside, which counts
// the packets read, those before a stretch's start included).
FrameScan scan_frames(const StreamInfo& info, const Segment& segment, bool keyframes_only,
                      int readers = 1);

// How many readers scan_frames should use for `segment` on `cores` cores: one per five minutes
// of film, at most 8 and at most `cores`; one where the segment's length is unknown or the
// frames are listed by decoding (a stretch's listing would then depend on where it starts).
int scan_readers(const StreamInfo& info, const Segment& segment, int cores);

}  // namespace barcode
