// Several decoders over one rank's rows: the rows are cut into chunks of consecutive samples,
// each chunk a time range that one decoder decodes from the key frame before it (its own seek,
// its own decoder session), handing sampled frames to the sink. Decoders take chunks from a
// shared counter, so fast ones (NVDEC) and slow ones (software) share the work by speed.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/result_book.h"
#include "pipeline/tile_sink.h"
#include "plan.h"
#include "video/decoder.h"

namespace barcode {

struct DecodePoolStats {
  int64_t frames = 0;  // frames decoded inside the chunks
  int64_t bad_packets = 0;
  double seconds = 0;      // wall time of the pool
  std::string read_error;  // first demuxer read error
};

// The chunks of rows [first, end): about `chunks` groups of consecutive rows, each at least
// `min_rows` long. Returns the boundaries (first row of each chunk, then `end`).
std::vector<int64_t> chunk_rows(int64_t first, int64_t end, int chunks, int64_t min_rows);

// Decodes this rank's rows with one thread per entry of `decoders`, hands every sampled frame to
// `sink`, and marks rows whose frames never came as missing in `book`. A decoder that fails marks
// its chunk's remaining rows missing and takes the next chunk; the first failure is rethrown
// after every decoder has stopped.
// Rows whose `done[row - first]` is set (finished by an earlier, interrupted run) are not
// handed to the sink, and chunks made only of them are not decoded. Setting `stop` makes every
// decoder stop at its next frame.
DecodePoolStats run_decode_pool(const Plan& plan, int64_t first, int64_t end,
                                const std::vector<DecodeConfig>& decoders, TileSink& sink,
                                ResultBook& book, const std::vector<uint8_t>& done,
                                const std::atomic<bool>& stop);

}  // namespace barcode
