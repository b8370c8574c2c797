// The plan of a run, made collectively before any decoding: the input's facts, the segment each
// rank owns, the global frame table and the samples. Every rank holds the same plan, so every
// choice that follows from it (rows, seeds, write rounds) is independent of the rank count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/options.h"
#include "video/probe.h"
#include "video/segment_plan.h"
#include "video/tile_converter.h"

namespace barcode {

// Only make_plan() needs the ranks: users of the plan (the decoders, the sinks) need no MPI.
class MpiEnv;

struct Plan {
  StreamInfo info;
  TileSize tile;
  TileSource source;        // crop (resolved: never whole while decoding) and tone mapping
  std::string crop_method;  // how the crop was found (--crop auto|none|W:H:X:Y); empty: --from-h5
  std::vector<Segment> segments;   // one per rank
  std::vector<int64_t> frame_pts;  // global frame table (all candidate frames, sorted)
  std::vector<int64_t> samples;    // positions in frame_pts of the sampled frames
  int64_t my_first = 0;            // this rank's samples: rows [my_first, my_end)
  int64_t my_end = 0;
  int64_t my_frames_scanned = 0;
  int64_t rounds = 0;  // collective write rounds (the same on every rank)
  // Key frames of the movie, from the ranks' frame scans (empty where frames were listed by
  // decoding): where decoders can start a range at no cost.
  std::vector<int64_t> key_pts;
  // The video ends before the end the file states, or reading stopped on a read error: frames
  // at its end are missing. gap_start..gap_end (seconds from the stream's start) is the missing
  // stretch where it is known, both -1 otherwise.
  bool truncated = false;
  double gap_start = -1;
  double gap_end = -1;
  // Signs that frames of the input are missing from the frame table: packets that did not
  // decode or frames patched over damage while listing by decoding, packets the demuxer flagged
  // corrupt, packets or frames without timestamps, repeated timestamps. Their count.
  int64_t damage = 0;
  double scan_seconds = 0;

  // --from-h5: the source file's /frames/index and /frames/time per row (frame_pts then holds
  // its /frames/pts and samples is 0..N-1); empty when decoding.
  std::vector<int64_t> stored_index;
  std::vector<double> stored_time;

  // Every frame of the input is in the frame table.
  const Segment& my_segment(int rank) const { return segments[static_cast<size_t>(rank)]; }
  int64_t sample_pts(int64_t row) const {
    return frame_pts[static_cast<size_t>(samples[static_cast<size_t>(row)])];
  }
  // /frames/index of a row: the frame's position in the frame table; it also seeds k-means.
  int64_t frame_index(int64_t row) const {
    const auto r = static_cast<size_t>(row);
    return stored_index.empty() ? samples[r] : stored_index[r];
  }
  // The picture rectangle tiles are made from, the whole frame spelt out when not cropped.
  CropRect crop_rect() const {
    return source.crop.whole() ? CropRect{0, 0, info.width, info.height} : source.crop;
  }
  // /frames/time of a row: seconds from the stream's start.
  double frame_time(int64_t row) const;
  // The first row at or after `pts`: samples are in timestamp order.
  int64_t row_at_or_after(int64_t pts) const;
  // Rows in (first, end) that are the first row at or after a key frame of key_pts: a range
  // that starts at one is decoded from that key frame with no frame before its first row
  // (sampling every frame), sorted.
  std::vector<int64_t> key_rows(int64_t first, int64_t end) const;
};

// Collective. `options` have passed validate_options (run_job checks them where a job starts).
// Throws CollectiveExit (reported once) when the input is unusable.
Plan make_plan(const MpiEnv& env, const Options& options);

}  // namespace barcode
