// TileQueue: tiles come out in the order they went in, each once; a full queue holds its
// producers back, and closing it lets the consumers take what is left and then stop.
#include "base/tile_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace barcode {
namespace {

Tile tile_at(int64_t position) {
  Tile tile;
  tile.position = position;
  tile.frame_index = 1000 + position;
  tile.rgb.assign(3, static_cast<uint8_t>(position));
  return tile;
}

TEST(TileQueue, FirstInFirstOut) {
  TileQueue queue(8);
  for (int64_t p : {4, 1, 7}) queue.push(tile_at(p));
  queue.close();
  Tile tile;
  for (int64_t p : {4, 1, 7}) {
    ASSERT_TRUE(queue.pop(&tile));
    EXPECT_EQ(tile.position, p);
    EXPECT_EQ(tile.frame_index, 1000 + p);
    EXPECT_EQ(tile.rgb, std::vector<uint8_t>(3, static_cast<uint8_t>(p)));
  }
  EXPECT_FALSE(queue.pop(&tile));
  EXPECT_FALSE(queue.pop(&tile));  // and stays at the end
}

TEST(TileQueue, AFullQueueHoldsItsProducerUntilATileIsTaken) {
  TileQueue queue(2);
  queue.push(tile_at(0));
  queue.push(tile_at(1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    queue.push(tile_at(2));
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(pushed.load()) << "a push into a full queue returned";
  Tile tile;
  ASSERT_TRUE(queue.pop(&tile));
  EXPECT_EQ(tile.position, 0);
  producer.join();  // returns only because a slot was freed
  EXPECT_TRUE(pushed.load());
  queue.close();
  ASSERT_TRUE(queue.pop(&tile));
  EXPECT_EQ(tile.position, 1);
  ASSERT_TRUE(queue.pop(&tile));
  EXPECT_EQ(tile.position, 2);
  EXPECT_FALSE(queue.pop(&tile));
}

TEST(TileQueue, ClosingWakesConsumersWaitingOnAnEmptyQueue) {
  TileQueue queue(4);
  std::atomic<int> ended{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      Tile tile;
      if (!queue.pop(&tile)) ++ended;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ended.load(), 0);
  queue.close();
  for (std::thread& t : consumers) t.join();
  EXPECT_EQ(ended.load(), 3);
}

TEST(TileQueue, EveryTileReachesExactlyOneConsumer) {
  constexpr int kProducers = 3, kConsumers = 4, kEach = 500;
  TileQueue queue(5);  // small: producers and consumers wait on each other often
  std::vector<std::vector<int64_t>> taken(kConsumers);
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      Tile tile;
      while (queue.pop(&tile)) taken[static_cast<size_t>(c)].push_back(tile.position);
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) queue.push(tile_at(int64_t{p} * kEach + i));
    });
  }
  for (std::thread& t : producers) t.join();
  queue.close();
  for (std::thread& t : consumers) t.join();
  std::vector<int> seen(kProducers * kEach, 0);
  for (const auto& mine : taken) {
    // One producer's tiles reach a consumer in the order they were pushed.
    std::vector<int64_t> last(kProducers, -1);
    for (int64_t position : mine) {
      ++seen[static_cast<size_t>(position)];
      int64_t& previous = last[static_cast<size_t>(position / kEach)];
      EXPECT_GT(position, previous);
      previous = position;
    }
  }
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "tile " << i;
}

}  // namespace
}  // namespace barcode
