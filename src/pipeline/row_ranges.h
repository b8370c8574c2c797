// The rows of a rank shared out among its decoders. Each decoder owns one contiguous range at a
// time and decodes it from the key frame before its start. A decoder whose range is finished
// takes the far half of the largest range still open, so decoders of different speeds (NVDEC
// sessions, software decoders, sessions that opened late) all finish together, and the film is
// sought only where work is split (a fixed set of chunks left a tail of idle decoders while the
// last chunks finished: 1.6 s of a 10-s two-GPU run).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace barcode {

class RowRanges {
 public:
  struct Range {
    int64_t begin = 0;
    int64_t end = 0;
  };

  // Rows [first, end) for `decoders` decoders; a range is split only when both halves keep at
  // least `min_split` rows.
  RowRanges(int64_t first, int64_t end, int decoders, int64_t min_split);

  // Decoder d's next range: what is left of its own share, then the far half of the largest open
  // range. Empty when nothing is left that is worth splitting.
  std::optional<Range> next(int d);

  // Hands row `row` to decoder d: true while the row lies in d's range (d's cursor moves past
  // it); false once the range ends before it (finished, or its rest was taken by another).
  bool take(int d, int64_t row);

  // Ends decoder d's range: the rows it never took, which nobody else will take.
  Range release(int d);

 private:
  struct Owned {
    int64_t cursor = 0;  // first row not yet taken
    int64_t end = 0;
  };
  std::mutex mutex_;
  std::vector<Owned> owned_;
  int64_t min_split_;
};

}  // namespace barcode
