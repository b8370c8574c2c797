// Several decoders over one rank's rows: each decoder decodes a contiguous range of rows from the
// key frame before it (its own seek, its own decoder session), handing sampled frames to the
// sink; a decoder that finishes takes the far half of the largest range left (row_ranges.h), so
// fast ones (NVDEC) and slow ones (software) share the work by speed and finish together.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/result_book.h"
#include "pipeline/row_ranges.h"
#include "pipeline/tile_sink.h"
#include "plan/plan.h"
#include "video/decoder.h"

namespace barcode {

struct DecodePoolStats {
  int64_t frames = 0;  // frames decoded inside the ranges
  int64_t bad_packets = 0;
  // Sampled frames the decoder patched over damaged data (AVFrame's decode_error_flags or
  // corrupt flag, which the decoder also sets on frames decoded after a patched one since the
  // last key frame): their rows are written, but the input is damaged. Counted on the sampled
  // frames handed to the sink alone (not rows an earlier run finished), each decoded once
  // whatever the ranks and chunks, so that the count does not depend on them.
  int64_t concealed = 0;   // their rows are marked in the ResultBook (mark_concealed)
  double seconds = 0;      // wall time of the pool
  std::string read_error;  // first demuxer read error
  // The decoders, still open: closing eight NVDEC sessions takes 0.3-0.5 s, one after another
  // in the driver, so the caller closes them (close_in_background) while it finishes the job.
  std::vector<std::unique_ptr<SegmentDecoder>> sessions;
};

// Closes `sessions` in a thread of its own; the future waits for it when destroyed.
std::future<void> close_in_background(std::vector<std::unique_ptr<SegmentDecoder>> sessions);

// The fewest rows worth a range of their own among rows [first, end): about 2 s of film.
int64_t min_split_rows(const Plan& plan, int64_t first, int64_t end);

// The rows [first, end) of a rank shared out among `decoders` decoders, cut where the plan's key
// frames make new ranges cheap.
std::unique_ptr<RowRanges> make_row_ranges(const Plan& plan, int64_t first, int64_t end,
                                           int decoders);

// Decodes the rows of `ranges` with one thread per entry of `decoders` (as many as `ranges` was
// made for), hands every sampled frame to `sink`, and marks rows whose frames never came as
// missing in `book`. A decoder that fails marks its range's remaining rows missing and takes
// another range; the first failure is rethrown after every decoder has stopped. Rows whose
// `done[row]` is set (finished by an earlier, interrupted run) are not handed to the sink, and
// leading runs of them are not decoded. Setting `stop`, or a signal (interrupt.h), makes every
// decoder stop at its next frame; the rows it did not reach are marked missing. Returns when
// every decoder has ended: while `ranges` expects rows from other ranks, decoders with nothing
// left wait for them, and whoever set that must end it (RowRanges::expect_more(false)).
DecodePoolStats run_decode_pool(const Plan& plan, RowRanges& ranges,
                                const std::vector<DecodeConfig>& decoders, TileSink& sink,
                                ResultBook& book, const std::vector<uint8_t>& done,
                                const std::atomic<bool>& stop);

}  // namespace barcode
