#include "video/segment_plan.h"

#include <gtest/gtest.h>

#include <limits>

namespace barcode {
namespace {

// Every timestamp must be owned by exactly one segment.
int owners(const std::vector<Segment>& segments, int64_t ts) {
  int n = 0;
  for (const auto& s : segments) n += s.contains(ts) ? 1 : 0;
  return n;
}

TEST(SegmentPlan, SegmentsAreContiguousAndCoverTheRangeOnce) {
  for (int parts = 1; parts <= 7; ++parts) {
    const auto segments = plan_segments(1000, 1000 + 12345, parts, false, false);
    ASSERT_EQ(static_cast<int>(segments.size()), parts);
    EXPECT_EQ(segments.front().begin, 1000);
    EXPECT_EQ(segments.back().end, 1000 + 12345);
    for (int i = 1; i < parts; ++i) EXPECT_EQ(segments[i].begin, segments[i - 1].end);
    for (int64_t ts = 990; ts < 1000 + 12345 + 10; ts += 7) {
      const bool inside = ts >= 1000 && ts < 1000 + 12345;
      EXPECT_EQ(owners(segments, ts), inside ? 1 : 0) << "ts " << ts << " parts " << parts;
    }
  }
}

TEST(SegmentPlan, OpenEndsOwnEverythingOutsideTheStatedRange) {
  const auto segments = plan_segments(0, 100, 3, true, true);
  EXPECT_EQ(owners(segments, std::numeric_limits<int64_t>::min()), 1);
  EXPECT_EQ(owners(segments, -5), 1);
  EXPECT_EQ(owners(segments, 1000000), 1);
  EXPECT_TRUE(segments.front().contains(-5));
  EXPECT_TRUE(segments.back().contains(1000000));
}

TEST(SegmentPlan, HugeTimestampsDoNotOverflow) {
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  const auto segments = plan_segments(-big, big, 4, false, false);
  EXPECT_EQ(segments[0].begin, -big);
  EXPECT_EQ(segments[3].end, big);
  EXPECT_EQ(segments[2].begin, 0);
}

TEST(SegmentPlan, UnknownLengthGivesEverythingToTheFirstSegment) {
  const auto segments = plan_segments(0, 0, 3, true, true);
  EXPECT_TRUE(segments[0].contains(123456789));
  EXPECT_EQ(owners(segments, 123456789), 1);
  EXPECT_EQ(owners(segments, 0), 1);
}

TEST(SegmentPlan, RejectsZeroParts) {
  EXPECT_ANY_THROW(plan_segments(0, 10, 0, false, false));
}

}  // namespace
}  // namespace barcode
