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

TEST(RowRanges, EveryRowExactlyOnceUnderRandomSchedules) {
  for (int seed = 0; seed < 50; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const int decoders = 1 + seed % 9;
    const int64_t first = seed * 7, end = first + 37 + seed * 41;
    RowRanges ranges(first, end, decoders, 1 + seed % 6);
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
