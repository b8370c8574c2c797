// ResultBook: rows finished in any order come out in row order, each once, and a write round
// never waits past its deadline for rows that are not there.
#include "pipeline/result_book.h"

#include <gtest/gtest.h>

#include <thread>

namespace barcode {
namespace {

FrameColors row_at(int64_t position) {
  FrameColors row;
  row.position = position;
  return row;
}

TEST(ResultBook, HandsOverFinishedRowsInRowOrderOnce) {
  ResultBook book;
  for (int64_t r : {7, 3, 9, 1}) book.add(row_at(r));
  const std::vector<FrameColors> rows = book.take_ready(4, std::chrono::milliseconds(0));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].position, 1);
  EXPECT_EQ(rows[1].position, 3);
  EXPECT_EQ(rows[2].position, 7);
  EXPECT_EQ(rows[3].position, 9);
  EXPECT_TRUE(book.take_ready(0, std::chrono::milliseconds(0)).empty());
  EXPECT_FALSE(book.drained());
  book.close();
  EXPECT_TRUE(book.drained());
}

TEST(ResultBook, ARoundTakesWhatIsThereWhenItsWaitEnds) {
  ResultBook book;
  book.add(row_at(5));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FrameColors> rows = book.take_ready(64, std::chrono::milliseconds(50));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(45));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].position, 5);
}

TEST(ResultBook, ANudgeEndsOneWaitWithWhatIsThere) {
  ResultBook book;
  book.add(row_at(5));
  std::thread nudger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    book.nudge();
  });
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FrameColors> rows = book.take_ready(64, std::chrono::seconds(10));
  nudger.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(rows.size(), 1u);
  // Once: the next wait lasts until its deadline.
  const auto again = std::chrono::steady_clock::now();
  EXPECT_TRUE(book.take_ready(64, std::chrono::milliseconds(30)).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - again, std::chrono::milliseconds(30));
}

TEST(ResultBook, ClosingWakesAWaitingRound) {
  ResultBook book;
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    book.add(row_at(2));
    book.mark_missing(3);
    book.close();
  });
  std::vector<FrameColors> rows;
  while (!book.drained()) {
    for (FrameColors& r : book.take_ready(64, std::chrono::seconds(10))) rows.push_back(r);
  }
  closer.join();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].position, 2);
  EXPECT_EQ(book.missing(), 1);
}

}  // namespace
}  // namespace barcode
