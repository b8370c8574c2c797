#include "app/rank_balance.h"

#include <algorithm>
#include <string>

#include "base/log.h"

namespace barcode {

namespace {

// Pieces travel as [begin, end) pairs of int64 on this tag, victim to thief, in the round that
// paired them.
constexpr int kPiecesTag = 7301;
// From the round until a thief's waiting decoders have their pieces.
constexpr double kThiefDelay = 0.05;
// A report as it crosses ranks: every field a double (row counts stay far below 2^53).
constexpr int kReportFields = 8;

void pack(const RankReport& r, double* out) {
  out[0] = r.interrupted ? 1 : 0;
  out[1] = static_cast<double>(r.written);
  out[2] = r.drained ? 1 : 0;
  out[3] = r.open ? 1 : 0;
  out[4] = r.waiting;
  out[5] = r.finish_s;
  out[6] = r.rate;
  out[7] = r.decoders;
}

RankReport unpack(const double* in) {
  RankReport r;
  r.interrupted = in[0] != 0;
  r.written = static_cast<int64_t>(in[1]);
  r.drained = in[2] != 0;
  r.open = in[3] != 0;
  r.waiting = static_cast<int>(in[4]);
  r.finish_s = in[5];
  r.rate = in[6];
  r.decoders = static_cast<int>(in[7]);
  return r;
}

int64_t rows_in(const std::vector<RowRanges::Range>& pieces) {
  int64_t rows = 0;
  for (const RowRanges::Range& p : pieces) rows += p.end - p.begin;
  return rows;
}

std::string describe(const std::vector<RowRanges::Range>& pieces) {
  std::string text =
      std::to_string(rows_in(pieces)) + " rows in " + std::to_string(pieces.size()) + " piece(s)";
  if (pieces.empty()) return text;
  // Pieces come in the order of the decoders whose ranges they end, not of their rows.
  int64_t first = pieces.front().begin, last = pieces.front().end;
  for (const RowRanges::Range& p : pieces) {
    first = std::min(first, p.begin);
    last = std::max(last, p.end);
  }
  return text + " between rows " + std::to_string(first) + " and " + std::to_string(last - 1);
}

// Whether a rank has work enough for a move to gain `min_gain`: cut in halves between ranks of
// one speed, a move gains half of what is left. Its time left is known only once its decoders
// have shown a speed.
bool worth_a_move(const RankReport& r, double min_gain) {
  return r.rate > 0 && r.finish_s >= 2 * min_gain;
}

}  // namespace

RoundDecision decide_round(const std::vector<RankReport>& reports, double min_gain) {
  RoundDecision decision;
  decision.all_drained = true;
  for (const RankReport& r : reports) {
    decision.interrupted = decision.interrupted || r.interrupted;
    decision.written += r.written;
    decision.all_drained = decision.all_drained && r.drained;
  }
  if (decision.interrupted) return decision;
  std::vector<int> thieves, victims;
  for (int i = 0; i < static_cast<int>(reports.size()); ++i) {
    const RankReport& r = reports[static_cast<size_t>(i)];
    if (worth_a_move(r, min_gain)) {
      victims.push_back(i);
    } else if (r.open && r.waiting > 0) {
      thieves.push_back(i);
    }
  }
  std::stable_sort(victims.begin(), victims.end(), [&](int a, int b) {
    return reports[static_cast<size_t>(a)].finish_s > reports[static_cast<size_t>(b)].finish_s;
  });
  for (size_t i = 0; i < std::min(thieves.size(), victims.size()); ++i) {
    decision.moves.emplace_back(thieves[i], victims[i]);
  }
  return decision;
}

bool more_may_come(const std::vector<RankReport>& reports, int rank) {
  for (int i = 0; i < static_cast<int>(reports.size()); ++i) {
    if (i != rank && reports[static_cast<size_t>(i)].finish_s > 0) return true;
  }
  return false;
}

std::vector<RowRanges::Range> without_done_rows(const std::vector<RowRanges::Range>& pieces,
                                                const std::vector<uint8_t>& done) {
  std::vector<RowRanges::Range> left;
  for (const RowRanges::Range& piece : pieces) {
    int64_t begin = piece.begin;
    for (int64_t row = piece.begin; row <= piece.end; ++row) {
      if (row < piece.end && !done[static_cast<size_t>(row)]) continue;
      if (begin < row) left.push_back(RowRanges::Range{begin, row});
      begin = row + 1;
    }
  }
  return left;
}

RankBalance::RankBalance(const MpiEnv& env, RowRanges* ranges, const std::vector<uint8_t>& done)
    : env_(env), ranges_(ranges), done_(done) {
  // Until the first round says otherwise, a rank that runs out waits: the others have just
  // begun.
  if (ranges_) ranges_->expect_more(true);
  open_ = ranges_ != nullptr;
}

bool RankBalance::short_rounds() const {
  return short_rounds_;
}

void RankBalance::stop() {
  if (!open_) return;
  ranges_->expect_more(false);
  open_ = false;
}

RoundDecision RankBalance::round(bool interrupted, int64_t written, bool drained) {
  RankReport mine;
  mine.interrupted = interrupted;
  mine.written = written;
  mine.drained = drained;
  if (ranges_) {
    const RowRanges::Load load = ranges_->load();
    mine.open = open_;
    mine.decoders = load.decoders;
    mine.waiting = load.waiting;
    mine.finish_s = load.finish_s;
    mine.rate = load.rate;
  }
  double packed[kReportFields];
  pack(mine, packed);
  std::vector<double> all(static_cast<size_t>(env_.size()) * kReportFields);
  mpi_check(MPI_Allgather(packed, kReportFields, MPI_DOUBLE, all.data(), kReportFields, MPI_DOUBLE,
                          env_.comm()),
            "MPI_Allgather(round reports)");
  std::vector<RankReport> reports;
  for (int i = 0; i < env_.size(); ++i) {
    reports.push_back(unpack(all.data() + static_cast<size_t>(i) * kReportFields));
  }
  // Every rank reaches the same decision, so each send below meets its receive.
  const RoundDecision decision = decide_round(reports, kMinMoveGain);
  if (decision.interrupted) {
    stop();
    return decision;
  }
  // While some rank's decoders wait, every rank makes its rounds quickly: a round needs them all.
  short_rounds_ = false;
  for (const RankReport& r : reports) short_rounds_ = short_rounds_ || (r.open && r.waiting > 0);
  for (const auto& [thief, victim] : decision.moves) {
    if (victim == env_.rank()) {
      give(thief, reports[static_cast<size_t>(thief)], reports[static_cast<size_t>(victim)]);
    }
    if (thief == env_.rank()) take(victim);
  }
  if (open_ && !more_may_come(reports, env_.rank())) stop();
  return decision;
}

void RankBalance::give(int thief, const RankReport& theirs, const RankReport& mine) {
  // The thief's rate was measured on its own rows, which may be easier than these (a segment of
  // still pictures against one of busy ones): no faster than this rank's on them is assumed. A
  // thief that has shown none (no rows of its own) counts as this rank, decoder for decoder.
  const double rate = theirs.rate > 0 ? std::min(theirs.rate, mine.rate)
                                      : mine.rate * theirs.decoders / std::max(mine.decoders, 1);
  // A victim always answers (with nothing where its rows ran out since its report).
  std::vector<RowRanges::Range> pieces;
  if (ranges_) {
    pieces = without_done_rows(ranges_->give_away(rate, theirs.decoders, kThiefDelay, kMinMoveGain),
                               done_);
  }
  std::vector<int64_t> flat;
  for (const RowRanges::Range& p : pieces) {
    flat.push_back(p.begin);
    flat.push_back(p.end);
  }
  mpi_check(MPI_Send(flat.data(), static_cast<int>(flat.size()), MPI_INT64_T, thief, kPiecesTag,
                     env_.comm()),
            "MPI_Send(rows for another rank)");
  if (pieces.empty()) return;
  rows_given_ += rows_in(pieces);
  log::detail("gives rank " + std::to_string(thief) + " " + describe(pieces));
}

void RankBalance::take(int victim) {
  MPI_Status status;
  mpi_check(MPI_Probe(victim, kPiecesTag, env_.comm(), &status), "MPI_Probe(rows from a rank)");
  int count = 0;
  mpi_check(MPI_Get_count(&status, MPI_INT64_T, &count), "MPI_Get_count(rows from a rank)");
  std::vector<int64_t> flat(static_cast<size_t>(count));
  mpi_check(
      MPI_Recv(flat.data(), count, MPI_INT64_T, victim, kPiecesTag, env_.comm(), MPI_STATUS_IGNORE),
      "MPI_Recv(rows from a rank)");
  std::vector<RowRanges::Range> pieces;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    pieces.push_back(RowRanges::Range{flat[i], flat[i + 1]});
  }
  if (pieces.empty()) return;
  rows_taken_ += rows_in(pieces);
  if (ranges_) ranges_->add(pieces);
  log::detail("takes from rank " + std::to_string(victim) + " " + describe(pieces));
}

}  // namespace barcode
