// Rows moved between the ranks of one movie while they decode it. Each rank owns a segment, but
// ranks do not decode at the same speed (two GPUs of a host, a segment of harder content, a node
// busier than another): without this, the job ends when its slowest rank does, the others idle.
// A rank whose decoders have nothing left is given the ends of the open ranges of the rank
// expected to finish last, cut so that both finish together (RowRanges::give_away).
//
// The ranks decide in the collective write rounds they make anyway: each round every rank tells
// the others what its decoders are doing (RowRanges::Load), all of them pair the same thieves
// with the same victims from that, and each victim sends its pieces to its thief. A rank with
// nothing left waits for pieces while another rank still decodes, in rounds that come quickly
// then (short_rounds); the last rank to decode ends as soon as its decoders do, so a balanced
// job pays about one short round.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/mpi_env.h"
#include "pipeline/row_ranges.h"

namespace barcode {

// A rank's part of a write round.
struct RankReport {
  bool interrupted = false;  // asked to stop (a signal)
  int64_t written = 0;       // rows it has written so far
  bool drained = false;      // all its rows are written: nothing more will come from it
  // Its decoders (RowRanges::Load); `open`: it may still take rows from another rank.
  bool open = false;
  int decoders = 0;
  int waiting = 0;
  double finish_s = 0;
  double rate = 0;
};

// What the job does after a round: the same on every rank, from every rank's report.
struct RoundDecision {
  bool interrupted = false;  // some rank was asked to stop
  int64_t written = 0;       // rows written by all ranks
  bool all_drained = false;
  // (thief, victim): the victim cuts pieces for the thief this round.
  std::vector<std::pair<int, int>> moves;
};

// Below this a move is not worth its round (the thief waits up to a round for its rows).
constexpr double kMinMoveGain = 0.3;

// Pairs each rank whose decoders wait (and may still take rows) with a rank whose work left
// would end at least `min_gain` s sooner shared (twice that left, at a speed its decoders have
// shown), the longest first; a victim gives to one thief per round.
RoundDecision decide_round(const std::vector<RankReport>& reports, double min_gain);

// Whether `rank`'s waiting decoders may still be given rows: some other rank still decodes (its
// time left can grow: harder content ahead). The last rank to decode ends as soon as its
// decoders do.
bool more_may_come(const std::vector<RankReport>& reports, int rank);

// One rank's side of the exchange over `env`. `ranges` is null where this rank's rows are not
// decoded (--from-h5) or rows are not moved (one rank; --balance off): it then only reports.
// Every rank of `env` must agree on whether rows move.
class RankBalance {
 public:
  // `done[row]`: rows an earlier run finished, never given away.
  RankBalance(const MpiEnv& env, RowRanges* ranges, const std::vector<uint8_t>& done);

  // The round's collective part: every rank's report, the decision, and the pieces this rank
  // gives or takes. Called by every rank of `env` in the same round.
  RoundDecision round(bool interrupted, int64_t written, bool drained);

  // No more rows come to this rank: its waiting decoders end (the job stops, or fails, or no
  // rank has work worth moving). It may still give rows away.
  void stop();

  // Whether some rank's decoders waited for rows from others in the last round: the rounds,
  // which need every rank, then should not wait long for rows (none come from that rank).
  bool short_rounds() const;

  int64_t rows_taken() const { return rows_taken_; }  // from other ranks, so far
  int64_t rows_given() const { return rows_given_; }

 private:
  void give(int thief, const RankReport& theirs, const RankReport& mine);
  void take(int victim);

  const MpiEnv& env_;
  RowRanges* ranges_;  // reported and given from until the end
  bool open_ = false;  // may still take rows from other ranks
  bool short_rounds_ = false;
  const std::vector<uint8_t>& done_;
  int64_t rows_taken_ = 0;
  int64_t rows_given_ = 0;
};

// `pieces` less the rows `done[row]` marks, each piece split around them.
std::vector<RowRanges::Range> without_done_rows(const std::vector<RowRanges::Range>& pieces,
                                                const std::vector<uint8_t>& done);

}  // namespace barcode
