// Rank 0's progress for the whole job: frames written by all ranks over the total, frames per
// second and the time left. On a terminal one line redrawn in place; otherwise (a SLURM log) a
// plain line every 10 seconds. The counts come from the reduction the write rounds make anyway,
// so the ranks are not slowed.
#pragma once

#include <cstdint>

#include "summary.h"

namespace barcode {

class Progress {
 public:
  Progress(bool enabled, int64_t total);
  // All ranks' frames written so far; `last` prints the final state.
  void update(int64_t done, bool last);

 private:
  bool enabled_;
  bool terminal_;
  int64_t total_;
  Stopwatch clock_;
  double last_print_ = -1e9;
};

}  // namespace barcode
