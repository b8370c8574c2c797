// RowRanges between ranks: a rank cuts the ends of its open ranges for another (give_away) so
// that both finish together, the other's decoders wait for them while more may come and take
// them (add), and every row of both ranks is still decoded exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "pipeline/row_ranges.h"

namespace barcode {
namespace {

// The pieces' rows, as [begin, end) pairs.
std::vector<std::pair<int64_t, int64_t>> spans(const std::vector<RowRanges::Range>& pieces) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const RowRanges::Range& p : pieces) out.emplace_back(p.begin, p.end);
  return out;
}

using Spans = std::vector<std::pair<int64_t, int64_t>>;

TEST(RowRangesShared, GiveAwayCutsEveryOpenRangeSoBothRanksFinishTogether) {
  // Two decoders of 500 rows each, no speed shown yet (1 row/s each). A thief of 2 rows/s with
  // a lead-in of 10 rows per piece: keeping t s of each range, it needs (2 (500 - t) + 20) / 2
  // s, which is t at t = 255.
  RowRanges ranges(0, 1000, 2, 10, 10);
  EXPECT_EQ(spans(ranges.give_away(2.0, 2, 0.0, 1.0)), (Spans{{255, 500}, {755, 1000}}));
  // The pieces left this rank's ranges.
  ASSERT_TRUE(ranges.next(0));
  EXPECT_TRUE(ranges.take(0, 254));
  EXPECT_FALSE(ranges.take(0, 255));
  auto second = ranges.next(1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->begin, 500);
  EXPECT_EQ(second->end, 755);
}

TEST(RowRangesShared, APieceIsOneDecodersWorkOfTheThief) {
  // The same ranges for a thief of 2 rows/s over 4 decoders: two pieces keep two of them busy,
  // 1 row/s. Keeping t s of each range it needs 2 (500 - t) + 20 s, which is t at t = 340.
  RowRanges ranges(0, 1000, 2, 10, 10);
  EXPECT_EQ(spans(ranges.give_away(2.0, 4, 0.0, 1.0)), (Spans{{340, 500}, {840, 1000}}));
}

TEST(RowRangesShared, CutsMoveToAKeyRowWithinALeadIn) {
  // Key rows too far from 500 to move the shares; the cuts of the test above at 255 and 755.
  RowRanges ranges(0, 1000, 2, 10, 10, {249, 760}, 2);
  EXPECT_EQ(spans(ranges.give_away(2.0, 2, 0.0, 1.0)), (Spans{{249, 500}, {760, 1000}}));
}

TEST(RowRangesShared, NothingIsGivenThatWouldNotGainEnough) {
  RowRanges ranges(0, 100, 1, 10, 10);
  // 100 s left; the thief would end it at about 55 s: a gain of 45 s.
  EXPECT_TRUE(ranges.give_away(1.0, 1, 0.0, 50.0).empty());
  // A thief so slow that no piece of at least 10 rows pays.
  EXPECT_TRUE(ranges.give_away(0.01, 1, 0.0, 1.0).empty());
  EXPECT_TRUE(ranges.give_away(0.0, 1, 0.0, 1.0).empty());
  ASSERT_TRUE(ranges.next(0));
  EXPECT_TRUE(ranges.take(0, 99));  // nothing left the rank
}

TEST(RowRangesShared, ADecoderWaitsWhileMoreMayComeAndTakesTheLargestPieceFirst) {
  RowRanges ranges(0, 10, 1, 5);
  ASSERT_TRUE(ranges.next(0));
  for (int64_t r = 0; r < 10; ++r) ASSERT_TRUE(ranges.take(0, r));  // its own share
  ranges.release(0);
  ranges.expect_more(true);
  auto waiting = std::async(std::launch::async, [&] { return ranges.next(0); });
  for (int i = 0; i < 500 && ranges.load().waiting == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(ranges.load().waiting, 1);
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(20)), std::future_status::timeout);
  ranges.add({{100, 110}, {200, 230}});
  const auto piece = waiting.get();
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->begin, 200);
  EXPECT_EQ(piece->end, 230);
  for (int64_t r = 200; r < 230; ++r) ASSERT_TRUE(ranges.take(0, r));
  ranges.release(0);
  const auto next = ranges.next(0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->begin, 100);
  ranges.release(0);
  // No more to come: a waiting decoder ends.
  auto ending = std::async(std::launch::async, [&] { return ranges.next(0); });
  for (int i = 0; i < 500 && ranges.load().waiting == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ranges.expect_more(false);
  EXPECT_FALSE(ending.get());
}

TEST(RowRangesShared, SaysWhenEveryDecoderWaits) {
  RowRanges ranges(0, 0, 2, 5);  // nothing of its own
  ranges.expect_more(true);
  std::atomic<int> calls{0};
  ranges.on_all_waiting([&] { ++calls; });
  auto first = std::async(std::launch::async, [&] { return ranges.next(0); });
  for (int i = 0; i < 500 && ranges.load().waiting == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(calls.load(), 0);  // one of two waits
  auto second = std::async(std::launch::async, [&] { return ranges.next(1); });
  for (int i = 0; i < 500 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(calls.load(), 1);
  ranges.expect_more(false);
  EXPECT_FALSE(first.get());
  EXPECT_FALSE(second.get());
}

TEST(RowRangesShared, LoadSaysWhenTheLastRangeWillFinish) {
  RowRanges ranges(0, 100, 2, 5);
  const RowRanges::Load load = ranges.load();
  EXPECT_EQ(load.decoders, 2);
  EXPECT_EQ(load.waiting, 0);
  EXPECT_DOUBLE_EQ(load.finish_s, 50.0);  // 50 rows each at the 1 row/s of no speed shown
  EXPECT_DOUBLE_EQ(load.rate, 0.0);       // no decoder has decoded long enough to tell
}

TEST(RowRangesShared, LoadCountsPiecesNotYetTaken) {
  RowRanges ranges(0, 10, 2, 5);
  ranges.add({{100, 140}});
  // 5 rows in each share and 40 queued for 2 decoders at the 1 row/s of no speed shown.
  EXPECT_DOUBLE_EQ(ranges.load().finish_s, 20.0);
}

TEST(RowRangesShared, RowsSkippedAreNotCountedInTheSpeed) {
  // Rows an earlier run finished are passed over in no time: counted, they made a decoder
  // look fast, and its rank's time left short.
  RowRanges ranges(0, 1000, 1, 10);
  ASSERT_TRUE(ranges.next(0));
  for (int64_t r = 0; r < 900; ++r) ASSERT_TRUE(ranges.skip(0, r));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_DOUBLE_EQ(ranges.load().rate, 0.0);
  EXPECT_DOUBLE_EQ(ranges.load().finish_s, 100.0);  // 100 rows left, no speed shown
  EXPECT_TRUE(ranges.take(0, 900));
  EXPECT_FALSE(ranges.skip(0, 900));  // behind the cursor
}

// Two ranks of several decoders each, scheduled at random: the slow rank's decoders take a row
// now and then, the fast one's often; whenever a fast decoder has nothing left, the slow rank
// gives it pieces (one in 400 steps, a decoder gives up: a failure or the end of the file).
// Every row of both segments is taken exactly once or released as missing.
TEST(RowRangesShared, EveryRowOfBothRanksExactlyOnceUnderRandomSchedules) {
  int moves = 0;
  for (int seed = 0; seed < 40; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const int per_rank = 1 + seed % 5;
    const int64_t middle = 200 + seed * 13, end = middle + 50 + seed * 7;
    std::vector<int64_t> keys;
    for (int64_t r = 7; seed % 2 == 1 && r < end; r += 1 + seed % 11) keys.push_back(r);
    RowRanges slow(0, middle, per_rank, 1 + seed % 4, 1 + seed % 4, keys, seed % 3);
    RowRanges fast(middle, end, per_rank, 1 + seed % 4, 1 + seed % 4, keys, seed % 3);
    RowRanges* rank[2] = {&slow, &fast};
    std::vector<int> owner(static_cast<size_t>(end), -1);
    std::vector<int64_t> next_row(static_cast<size_t>(2 * per_rank), -1);
    std::vector<bool> finished(next_row.size(), false);
    int active = 2 * per_rank;
    while (active > 0) {
      // Three of four steps go to the fast rank's decoders.
      const int r = rng() % 4 == 0 ? 0 : 1;
      const int d = static_cast<int>(rng() % static_cast<unsigned>(per_rank));
      const auto slot = static_cast<size_t>(r * per_rank + d);
      if (finished[slot]) continue;
      RowRanges& mine = *rank[r];
      if (next_row[slot] >= 0 && rng() % 400 != 0 && mine.take(d, next_row[slot])) {
        int& o = owner[static_cast<size_t>(next_row[slot])];
        ASSERT_EQ(o, -1) << "seed " << seed << ": row " << next_row[slot] << " taken twice";
        o = static_cast<int>(slot);
        ++next_row[slot];
        continue;
      }
      if (next_row[slot] >= 0) {
        const RowRanges::Range rest = mine.release(d);
        for (int64_t row = rest.begin; row < rest.end; ++row) {
          int& o = owner[static_cast<size_t>(row)];
          ASSERT_EQ(o, -1) << "row " << row << " released after another took it";
          o = 100;  // missing, but accounted for
        }
        next_row[slot] = -1;
      }
      auto range = mine.next(d);
      if (!range && r == 1) {
        // The fast rank ran out: the slow one gives it the ends of its ranges.
        const std::vector<RowRanges::Range> pieces = slow.give_away(3.0, per_rank, 0.0, 0.0);
        moves += pieces.empty() ? 0 : 1;
        fast.add(pieces);
        range = fast.next(d);
      }
      if (!range) {
        finished[slot] = true;
        --active;
        continue;
      }
      next_row[slot] = range->begin;
    }
    for (size_t row = 0; row < owner.size(); ++row) {
      ASSERT_NE(owner[row], -1) << "seed " << seed << ": row " << row << " never taken";
    }
  }
  // Most schedules moved rows (a rare decoder that gives up can end the slow rank early).
  EXPECT_GT(moves, 30);
}

}  // namespace
}  // namespace barcode
