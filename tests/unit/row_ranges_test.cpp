// RowRanges: every row goes to exactly one decoder, whatever the order in which decoders of
// different speeds take rows and ask for more.
#include "pipeline/row_ranges.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace barcode {
namespace {

TEST(RowRanges, OneDecoderTakesEveryRowInOrder) {
  RowRanges ranges(10, 110, 1, 5);
  auto range = ranges.next(0);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->begin, 10);
  EXPECT_EQ(range->end, 110);
  for (int64_t r = 10; r < 110; ++r) EXPECT_TRUE(ranges.take(0, r));
  EXPECT_FALSE(ranges.take(0, 110));
  const RowRanges::Range rest = ranges.release(0);
  EXPECT_EQ(rest.begin, rest.end);
  EXPECT_FALSE(ranges.next(0));
}

TEST(RowRanges, AFinishedDecoderTakesTheFarHalfOfTheLargestRange) {
  RowRanges ranges(0, 100, 4, 10);
  auto mine = ranges.next(0);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->begin, 0);
  EXPECT_EQ(mine->end, 25);
  for (int64_t r = 0; r < 25; ++r) ASSERT_TRUE(ranges.take(0, r));
  ranges.release(0);
  // Decoder 1 has taken 5 rows of [25, 50); decoders 2 and 3 have not started (25 rows each).
  ASSERT_TRUE(ranges.next(1));
  for (int64_t r = 25; r < 30; ++r) ASSERT_TRUE(ranges.take(1, r));
  auto stolen = ranges.next(0);
  ASSERT_TRUE(stolen);
  // No speeds known yet (all this happened within 50 ms): decoder 2's share [50, 75), which
  // is expected to finish last, is cut in half.
  EXPECT_EQ(stolen->begin, 63);
  EXPECT_EQ(stolen->end, 75);
  EXPECT_TRUE(ranges.take(2, 62));
  EXPECT_FALSE(ranges.take(2, 63));  // now decoder 0's
  EXPECT_TRUE(ranges.take(0, 63));
}

TEST(RowRanges, AFasterThiefTakesMoreAndPaysForItsLeadIn) {
  EXPECT_EQ(rows_to_take(100, 1.0, 1.0, 0), 50);
  EXPECT_EQ(rows_to_take(100, 2.0, 1.0, 0), 66);   // 34 rows at 1/s = 66 rows at 2/s
  EXPECT_EQ(rows_to_take(100, 2.0, 1.0, 10), 63);  // (10 + 63) / 2 ~ 37 / 1
  EXPECT_EQ(rows_to_take(100, 1.0, 3.0, 0), 25);
  EXPECT_LE(rows_to_take(10, 1.0, 1.0, 20), 0);
}

TEST(RowRanges, RangesTooSmallToSplitAreLeftToTheirOwner) {
  RowRanges ranges(0, 30, 2, 10);
  auto a = ranges.next(0);
  ASSERT_TRUE(a);
  for (int64_t r = a->begin; r < a->end; ++r) ASSERT_TRUE(ranges.take(0, r));
  ranges.release(0);
  ASSERT_TRUE(ranges.next(1));
  ASSERT_TRUE(ranges.take(1, 15));
  ASSERT_TRUE(ranges.take(1, 16));
  EXPECT_FALSE(ranges.next(0));  // 13 rows left: halves of 6 and 7 are below 10
}

TEST(RowRanges, SharesStartAtKeyRowsNearTheirEqualStart) {
  // Equal starts 25, 50, 75; key rows within half a share (12.5 rows) move them there.
  RowRanges ranges(0, 100, 4, 10, 10, {23, 52, 90}, 2);
  const int64_t expected[][2] = {{0, 23}, {23, 52}, {52, 75}, {75, 100}};
  for (int d = 0; d < 4; ++d) {
    auto range = ranges.next(d);
    ASSERT_TRUE(range);
    EXPECT_EQ(range->begin, expected[d][0]) << d;
    EXPECT_EQ(range->end, expected[d][1]) << d;
  }
}

TEST(RowRanges, ALateCutGoesToAKeyRowWhereAnyOtherWouldNotPay) {
  // Two decoders alike; decoder 1 has 40 rows left of [50, 100). Anywhere, a cut costs a lead-in
  // of 40 rows: it would not pay. At the key row 90 it costs 2: the thief takes [90, 100).
  for (const bool keys : {false, true}) {
    RowRanges ranges(0, 100, 2, 40, 40,
                     keys ? std::vector<int64_t>{30, 90} : std::vector<int64_t>{}, 2);
    auto mine = ranges.next(0);
    ASSERT_TRUE(mine);
    for (int64_t r = mine->begin; r < mine->end; ++r) ASSERT_TRUE(ranges.take(0, r));
    ranges.release(0);
    auto theirs = ranges.next(1);
    ASSERT_TRUE(theirs);
    for (int64_t r = theirs->begin; r < 60; ++r) ASSERT_TRUE(ranges.take(1, r));
    auto stolen = ranges.next(0);
    if (!keys) {
      EXPECT_FALSE(stolen);
      continue;
    }
    ASSERT_TRUE(stolen);
    EXPECT_EQ(stolen->begin, 90);
    EXPECT_EQ(stolen->end, 100);
    EXPECT_TRUE(ranges.take(1, 89));
    EXPECT_FALSE(ranges.take(1, 90));
  }
}

TEST(RowRanges, AKeyRowCutIsTakenOnlyWhereItFinishesSooner) {
  // Decoder 1's share [50, 100) is untouched when decoder 0 has finished its own. A cut
  // anywhere, with a lead-in of 10 rows: 20 rows to the thief from row 80, both done after 30.
  // At the key row 95 the victim would need 45: the plain cut stays. At the key row 78 (a
  // start-up of 2) both are done after 28: that cut is taken.
  for (const int64_t key : {95, 78}) {
    RowRanges ranges(0, 100, 2, 10, 10, {key}, 2);
    auto mine = ranges.next(0);
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->end, 50);  // the key rows are too far from 50 to move the shares
    for (int64_t r = mine->begin; r < mine->end; ++r) ASSERT_TRUE(ranges.take(0, r));
    ranges.release(0);
    ASSERT_TRUE(ranges.next(1));
    auto stolen = ranges.next(0);
    ASSERT_TRUE(stolen) << key;
    EXPECT_EQ(stolen->begin, key == 95 ? 80 : 78);
    EXPECT_EQ(stolen->end, 100);
  }
}

TEST(RowRanges, EveryRowExactlyOnceUnderRandomSchedules) {
  for (int seed = 0; seed < 50; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const int decoders = 1 + seed % 9;
    const int64_t first = seed * 7, end = first + 37 + seed * 41;
    // Half the schedules with rows at key frames every 1 to 13 rows.
    std::vector<int64_t> keys;
    const int64_t every = 1 + seed % 13;
    for (int64_t r = first + 1; seed % 2 == 1 && r < end; r += every) keys.push_back(r);
    RowRanges ranges(first, end, decoders, 1 + seed % 6, 1 + seed % 6, keys, seed % 3);
    std::vector<int> owner(static_cast<size_t>(end - first), -1);
    std::vector<int64_t> next_row(static_cast<size_t>(decoders), -1);
    std::vector<bool> finished(static_cast<size_t>(decoders), false);
    int active = decoders;
    while (active > 0) {
      const auto d = static_cast<int>(rng() % static_cast<unsigned>(decoders));
      const auto du = static_cast<size_t>(d);
      if (finished[du]) continue;
      const bool give_up = rng() % 50 == 0;  // a decoder that fails or hits the end of file
      if (next_row[du] >= 0 && !give_up && ranges.take(d, next_row[du])) {
        int& o = owner[static_cast<size_t>(next_row[du] - first)];
        ASSERT_EQ(o, -1) << "row " << next_row[du] << " taken twice";
        o = d;
        ++next_row[du];
        continue;
      }
      if (next_row[du] >= 0) {
        const RowRanges::Range rest = ranges.release(d);
        for (int64_t r = rest.begin; r < rest.end; ++r) {
          int& o = owner[static_cast<size_t>(r - first)];
          ASSERT_EQ(o, -1) << "row " << r << " released after another took it";
          o = 100 + d;  // missing, but accounted for
        }
      }
      auto range = ranges.next(d);
      if (!range) {
        finished[du] = true;
        --active;
        next_row[du] = -1;
        continue;
      }
      next_row[du] = range->begin;
    }
    for (size_t r = 0; r < owner.size(); ++r) {
      ASSERT_NE(owner[r], -1) << "seed " << seed << ": row " << first + static_cast<int64_t>(r)
                              << " never taken";
    }
  }
}

}  // namespace
}  // namespace barcode
