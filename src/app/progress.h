// Rank 0's progress for the whole job: frames written by all ranks over the total, frames per
// second and the time left. On a terminal one line redrawn in place; otherwise (a SLURM log) a
// plain line every 10 seconds. The counts come from the reduction the write rounds make anyway,
// so the ranks are not slowed.
#pragma once

#include <cstdint>
#include <string>

#include "base/stopwatch.h"

namespace barcode {

class Progress {
 public:
  // `movie` names the input in every line: ranks working on different movies of a --manifest
  // each print their own.
  Progress(bool enabled, int64_t total, std::string movie);
  // All ranks' frames written so far; `last` prints the final state.
  void update(int64_t done, bool last);

 private:
  bool enabled_;
  bool terminal_;
  int64_t total_;
  std::string movie_;
  Stopwatch clock_;
  double last_print_ = -1e9;
};

}  // namespace barcode
