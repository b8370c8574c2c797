// min_split_rows: the decoders' ranges are cut no finer than about two seconds of film, whatever
// the sampling, so that a split never costs more seeking than it saves. Plan::key_rows: the rows
// where a range starts at a key frame, which the decoders prefer to cut at.
#include "pipeline/decode_pool.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

// A plan of `frames` frames at 25 frames per second, every `every`-th of them sampled.
Plan plan_at_25fps(int64_t frames, int64_t every) {
  Plan plan;
  plan.info.time_base = AVRational{1, 25};
  plan.info.start_pts = 10;
  for (int64_t f = 0; f < frames; ++f) plan.frame_pts.push_back(10 + f);
  for (int64_t f = 0; f < frames; f += every) plan.samples.push_back(f);
  return plan;
}

TEST(MinSplitRows, AboutTwoSecondsOfRows) {
  // 100 rows over 99 frame times (3.96 s): 25.25 rows/s, so 50 rows.
  EXPECT_EQ(min_split_rows(plan_at_25fps(100, 1), 0, 100), 50);
  // Every 5th frame: 5 rows/s (20 rows over 3.8 s), so 10 rows.
  EXPECT_EQ(min_split_rows(plan_at_25fps(100, 5), 0, 20), 10);
  // A part of the rows: the same rate.
  EXPECT_EQ(min_split_rows(plan_at_25fps(1000, 1), 200, 301), 50);
}

TEST(MinSplitRows, SparseSamplesMaySplitDownToOneRow) {
  // One sample every 4 s: any split is worth it.
  EXPECT_EQ(min_split_rows(plan_at_25fps(1000, 100), 0, 10), 1);
}

TEST(MinSplitRows, OneRowOrNoTimeSpanIsOneRow) {
  const Plan plan = plan_at_25fps(100, 1);
  EXPECT_EQ(min_split_rows(plan, 7, 8), 1);
  EXPECT_EQ(min_split_rows(plan, 7, 7), 1);
  Plan still = plan_at_25fps(3, 1);
  still.frame_pts.assign(3, 10);  // every sample at the same time
  EXPECT_EQ(min_split_rows(still, 0, 3), 1);
}

TEST(MinSplitRows, StoredTilesUseTheirStoredTimes) {
  // --from-h5: the times come from the file's /frames/time, not from the timestamps.
  Plan plan = plan_at_25fps(100, 1);
  plan.stored_index.resize(100);
  plan.stored_time.resize(100);
  for (size_t i = 0; i < 100; ++i) {
    plan.stored_index[i] = static_cast<int64_t>(i);
    plan.stored_time[i] = static_cast<double>(i);  // one row per second
  }
  EXPECT_EQ(min_split_rows(plan, 0, 100), 2);
}

TEST(PlanKeyRows, TheFirstRowAtOrAfterEachKeyFrameInsideTheRows) {
  Plan plan = plan_at_25fps(100, 1);  // frames at 10..109, each a row
  plan.key_pts = {10, 22, 40, 77};
  EXPECT_EQ(plan.key_rows(0, 100), (std::vector<int64_t>{12, 30, 67}));  // row 0 starts anyway
  EXPECT_EQ(plan.key_rows(12, 67), (std::vector<int64_t>{30}));
  // Every 5th frame sampled (rows at 10, 15, 20, ...): a key frame between two rows gives the
  // row after it; two key frames before one row give it once.
  Plan sparse = plan_at_25fps(100, 5);
  sparse.key_pts = {22, 24, 40, 77, 500};
  EXPECT_EQ(sparse.key_rows(0, 20), (std::vector<int64_t>{3, 6, 14}));
  sparse.key_pts.clear();
  EXPECT_TRUE(sparse.key_rows(0, 20).empty());
}

}  // namespace
}  // namespace barcode
