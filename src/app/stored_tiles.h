// --from-h5: re-clustering the tiles that a --keep-thumbs run stored, without decoding. The
// source file's rows are split evenly over the ranks; each rank reads its tiles straight from
// the file's bytes (see locate_thumbs) and hands them to a sink like decoded frames.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "base/mpi_env.h"
#include "pipeline/decode_pool.h"
#include "plan/options.h"
#include "plan/plan.h"
#include "store/h5_read.h"

namespace barcode {

// The source file of a --from-h5 run.
struct StoredSource {
  std::string path;
  StoredThumbs thumbs;
  std::vector<uint8_t> done;  // per row: whether the source finished it (else: missing here)
  int64_t frames_in_range = 0;
  // Where the source's checksums cover its tiles: per row, the checksum's hash of the row's
  // colours (Fnv1a state, see store/row_checksum.h) and the checksum, so that a tile read is
  // checked before it is used. Empty for files whose checksums do not cover their tiles.
  std::vector<uint64_t> colours_hash, checksum;
  // The source's root attributes that say how its tiles were made (crop, orientation, HDR tone
  // mapping): the tiles are the same, so the new file says the same.
  std::vector<StoredAttribute> tile_facts;
};

// Collective. The plan over the source's rows, with the source's stream facts in `info` and
// its frame table in stored_index / frame_pts / stored_time. `options` have passed
// validate_options (run_job checks them where a job starts). Throws CollectiveExit (reported
// once) when the file is unusable.
Plan make_stored_plan(const MpiEnv& env, const Options& options, StoredSource& source);

// Hands rows [plan.my_first, plan.my_end) of the source to `sink` (rows set in `done` are
// skipped, rows the source never finished are marked missing in `book`), until `stop`.
DecodePoolStats feed_stored_tiles(const Plan& plan, const StoredSource& source, TileSink& sink,
                                  ResultBook& book, const std::vector<uint8_t>& done,
                                  const std::atomic<bool>& stop);

}  // namespace barcode
