// decide_round: every rank pairs the same waiting ranks with the same busy ones from the round's
// reports; without_done_rows: rows an earlier run finished never move.
#include "app/rank_balance.h"

#include <gtest/gtest.h>

#include <vector>

namespace barcode {
namespace {

RankReport busy(double finish_s) {
  RankReport r;
  r.open = true;
  r.finish_s = finish_s;
  r.rate = 100;
  return r;
}

RankReport waiting() {
  RankReport r;
  r.open = true;
  r.waiting = 3;
  r.rate = 100;
  return r;
}

TEST(DecideRound, SumsTheRanksAndSaysWhenAllAreDrained) {
  std::vector<RankReport> reports(3);
  reports[0].written = 5;
  reports[1].written = 7;
  reports[2].written = 1;
  reports[0].drained = reports[1].drained = true;
  RoundDecision d = decide_round(reports, 0.3);
  EXPECT_EQ(d.written, 13);
  EXPECT_FALSE(d.all_drained);
  EXPECT_FALSE(d.interrupted);
  reports[2].drained = true;
  reports[1].interrupted = true;
  d = decide_round(reports, 0.3);
  EXPECT_TRUE(d.all_drained);
  EXPECT_TRUE(d.interrupted);
}

TEST(DecideRound, WaitingRanksTakeFromTheLongestFirstOneEach) {
  // Ranks 1 and 3 wait; rank 2 has the most left, then rank 0; rank 4 too little to share.
  const std::vector<RankReport> reports = {busy(2.0), waiting(), busy(5.0), waiting(), busy(0.5)};
  const RoundDecision d = decide_round(reports, 0.3);
  ASSERT_EQ(d.moves.size(), 2u);
  EXPECT_EQ(d.moves[0], std::make_pair(1, 2));
  EXPECT_EQ(d.moves[1], std::make_pair(3, 0));
}

TEST(DecideRound, NoMoveWhenInterruptedOrNothingIsWorthIt) {
  std::vector<RankReport> reports = {busy(0.59), waiting()};
  EXPECT_TRUE(decide_round(reports, 0.3).moves.empty());  // half of 0.59 s is under 0.3 s
  reports[0].finish_s = 0.6;
  EXPECT_EQ(decide_round(reports, 0.3).moves.size(), 1u);
  reports[0].interrupted = true;
  EXPECT_TRUE(decide_round(reports, 0.3).moves.empty());
}

TEST(DecideRound, ARankThatMayNoLongerTakeIsNoThief) {
  std::vector<RankReport> reports = {busy(3.0), waiting()};
  reports[1].open = false;
  EXPECT_TRUE(decide_round(reports, 0.3).moves.empty());
}

TEST(DecideRound, ARankThatHasShownNoSpeedIsNoVictim) {
  // 1 row/s until its decoders show a speed: its time left would say nothing.
  std::vector<RankReport> reports = {busy(500.0), waiting()};
  reports[0].rate = 0;
  EXPECT_TRUE(decide_round(reports, 0.3).moves.empty());
}

TEST(MoreMayCome, WhileAnotherRankStillDecodes) {
  // Rank 2 has little left now, but harder frames may still come: its time left can grow.
  std::vector<RankReport> reports = {busy(3.0), waiting(), busy(0.1)};
  EXPECT_TRUE(more_may_come(reports, 1));
  EXPECT_TRUE(more_may_come(reports, 0));
  reports[2] = waiting();
  EXPECT_FALSE(more_may_come(reports, 0));  // the last rank that decodes
  EXPECT_TRUE(more_may_come(reports, 2));
}

TEST(WithoutDoneRows, PiecesSplitAroundFinishedRows) {
  std::vector<uint8_t> done(40, 0);
  for (int row : {10, 11, 15, 19, 30}) done[static_cast<size_t>(row)] = 1;
  const std::vector<RowRanges::Range> left = without_done_rows({{8, 20}, {25, 31}, {35, 36}}, done);
  const std::vector<std::pair<int64_t, int64_t>> expected = {
      {8, 10}, {12, 15}, {16, 19}, {25, 30}, {35, 36}};
  ASSERT_EQ(left.size(), expected.size());
  for (size_t i = 0; i < left.size(); ++i) {
    EXPECT_EQ(left[i].begin, expected[i].first) << i;
    EXPECT_EQ(left[i].end, expected[i].second) << i;
  }
}

}  // namespace
}  // namespace barcode
