// The sampling rule: which frames of the frame table become barcode columns. It runs on the
// global table, identically on every rank, so the selection never depends on the rank count.
#pragma once

#include <cstdint>
#include <vector>

extern "C" {
#include <libavutil/rational.h>
}

namespace barcode {

struct SampleRule {
  int64_t every = 1;    // every Nth frame (used when fps and columns are 0)
  double fps = 0.0;     // samples per second of film time
  int64_t columns = 0;  // this many samples, evenly spaced over the frames
};

// Returns the positions in `pts` (sorted presentation timestamps in time base `tb`) of the
// sampled frames, ascending and unique.
//  - every N: positions 0, N, 2N, ...
//  - fps F: for each time t0 + j/F up to the last frame, the frame on screen at that time (the
//    last frame whose time is <= it; the first frame before the first); a frame is taken once
//    even when several sample times fall on it.
//  - columns W: position floor((j + 0.5) * count / W) for j = 0..W-1 (all frames when W >= count).
std::vector<int64_t> select_samples(const std::vector<int64_t>& pts, AVRational tb,
                                    const SampleRule& rule);

}  // namespace barcode
