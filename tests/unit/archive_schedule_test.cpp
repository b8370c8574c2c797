// How a --manifest run shares its movies out: a queue of whole movies, its last ones made by all
// ranks together where that ends the run sooner.
#include "app/archive_schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace barcode {
namespace {

TEST(ArchiveSchedule, QueueGivesEachMovieToTheRankFreeFirst) {
  // Largest first on two ranks: 10 | 6, then 5 goes to the second (free at 6), then 4 to the
  // first (free at 10 against 11).
  EXPECT_DOUBLE_EQ(queue_seconds({10, 6, 5, 4}, 2, 1, 0), 14);
  EXPECT_DOUBLE_EQ(queue_seconds({10, 6, 5, 4}, 2, 1, 1), 16);  // 11 | 7, 13, 16
  EXPECT_DOUBLE_EQ(queue_seconds({}, 4, 1, 1), 0);
  EXPECT_DOUBLE_EQ(queue_seconds({3, 3, 3}, 4, 1, 0), 3);
}

size_t together(const std::vector<double>& seconds, int ranks) {
  return share_out(seconds, ranks, 1, 1).together;
}

TEST(ArchiveSchedule, TheFilmThatWouldLeaveRanksIdleIsSplit) {
  // Five 2-hour films (27 s each on a GPU rank) on four ranks: the fifth made by all of them,
  // 27 + 27/4 + 2 s instead of 2 x 28.
  EXPECT_EQ(together({27, 27, 27, 27, 27}, 4), 1u);
  // Seven on four: three left over, each a quarter of a film and a start: 27 + 3 x 7.75.
  EXPECT_EQ(together(std::vector<double>(7, 27), 4), 3u);
  // Eight on four: none; the queue leaves no rank idle.
  EXPECT_EQ(together(std::vector<double>(8, 27), 4), 0u);
  // Fewer films than ranks: all of them together.
  EXPECT_EQ(together({27, 27}, 4), 2);
}

TEST(ArchiveSchedule, ShortMoviesStayInTheQueue) {
  // 60-s clips (0.25 s of decoding): a start on every rank costs more than a rank idle.
  EXPECT_EQ(together(std::vector<double>(5, 0.25), 4), 0u);
  EXPECT_EQ(together({0.25, 0.25}, 4), 0);
}

TEST(ArchiveSchedule, OneRankNeverSplits) {
  EXPECT_EQ(together({27, 27, 5}, 1), 0u);
  EXPECT_EQ(together({27}, 1), 0u);
  // Times of 23.976-frame/s films: the two sums of one schedule differed in their last bit and
  // made one rank "share" its last movies.
  EXPECT_EQ(together({28.05192, 17.50248, 10.54944}, 1), 0u);
  EXPECT_EQ(together({24.21576, 11.02896, 6.473519999999999, 5.994}, 1), 0u);
}

TEST(ArchiveSchedule, ASplitMustGainHalfAStart) {
  // Two ranks, films of 6 and 5 starts: the queue ends at 7 (6 + 1 | 5 + 1); the 5 made
  // together after the 6 would end at 7 + 2.5 + 1. None.
  EXPECT_EQ(together({6, 5}, 2), 0u);
  // Two of these splits gain 0.08 s by the estimate, which is not worth their risk.
  EXPECT_EQ(together({20.826, 9.9, 9.187, 8.383, 4.32}, 2), 0u);
  // Three films of 8 on two ranks: the queue ends at 18 (9 | 9, then 9); the third together
  // after the first two: 9 + 4 + 1 = 14, a gain of 4 starts. Of 4.6 (just worth splitting)
  // and a start of 1: 11.2 against 5.6 + 2.3 + 1 = 8.9.
  EXPECT_EQ(together({8, 8, 8}, 2), 1u);
  EXPECT_EQ(together({4.6, 4.6, 4.6}, 2), 1u);
}

TEST(ArchiveSchedule, AFilmLongerThanTheRestIsMadeTogether) {
  // A 3-hour film and four 1-hour ones on four ranks: the queue would end with the long film
  // alone (41 s); all five together take 11 + 4 x 4.25 = 28.
  EXPECT_EQ(together({40, 13, 13, 13, 13}, 4), 5u);
  // Beside four short clips the film is made together after them: 4 + 11 against 41.
  const MovieOrder o = share_out({40, 3, 3, 3, 3}, 4, 1, 1);
  EXPECT_EQ(o.together, 1u);
  EXPECT_EQ(o.order, (std::vector<size_t>{1, 2, 3, 4, 0}));
}

TEST(ArchiveSchedule, ShortMoviesFillTheQueueBeforeTheFilmsMadeTogether) {
  // Five films and two clips on four ranks: the fifth film is made by all ranks after the
  // queue, whose end the clips fill; the clips are never split.
  const MovieOrder o = share_out({27, 27, 27, 27, 27, 0.5, 0.25}, 4, 1, 1);
  EXPECT_EQ(o.together, 1u);
  EXPECT_EQ(o.order, (std::vector<size_t>{0, 1, 2, 3, 5, 6, 4}));
  // Nothing split: the order is the given one.
  EXPECT_EQ(share_out({3, 2, 1}, 4, 1, 1).order, (std::vector<size_t>{0, 1, 2}));
}

TEST(ArchiveSchedule, SlotsOfSeveralMoviesAtOnce) {
  // Two ranks of two slots: each slot has half a rank, so 4 movies of 3 take 6 + 1 each.
  EXPECT_DOUBLE_EQ(queue_seconds({3, 3, 3, 3}, 2, 2, 1), 7);
  EXPECT_DOUBLE_EQ(queue_seconds({3, 3, 3, 3, 3}, 2, 2, 1), 14);
}

TEST(ArchiveSchedule, AFilmAmongClipsIsMadeWithAllTheRanksDecoders) {
  // One rank, 13 movies at once: in the queue the 10-s film would have a thirteenth of the
  // rank (131 s); after the 40 clips (about 13 s) with the whole rank, 11 s.
  std::vector<double> seconds{10};
  seconds.insert(seconds.end(), 40, 0.25);
  const MovieOrder o = share_out(seconds, 1, 13, 1);
  EXPECT_EQ(o.together, 1u);
  EXPECT_EQ(o.order.back(), 0u);
  // One movie at a time on one rank: nothing to gain.
  EXPECT_EQ(share_out(seconds, 1, 1, 1).together, 0u);
}

TEST(ArchiveSchedule, LongMoviesAreMadeOneAtATime) {
  EXPECT_TRUE(one_movie_at_a_time({27, 27, 27}, 1));
  EXPECT_TRUE(one_movie_at_a_time({10, 10}, 1));
  EXPECT_FALSE(one_movie_at_a_time({0.25, 0.25, 0.25}, 1));
  EXPECT_FALSE(one_movie_at_a_time({9, 9}, 1));
  EXPECT_FALSE(one_movie_at_a_time({}, 1));
}

}  // namespace
}  // namespace barcode
