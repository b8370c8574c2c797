// A bounded first-in first-out queue between the decoders and the CPU clustering threads: it
// keeps memory bounded (decoders wait when clustering falls behind) and tells the consumers when
// the decoders are done.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace barcode {

struct Tile {
  int64_t position = 0;      // sample row
  int64_t frame_index = 0;   // seeds k-means
  std::vector<uint8_t> rgb;  // width*height*3
};

class TileQueue {
 public:
  explicit TileQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full.
  void push(Tile tile) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(tile));
    not_empty_.notify_one();
  }

  // Blocks while empty. Returns false at the end of the stream.
  bool pop(Tile* tile) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    *tile = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }

  // The producers are done: consumers take what is left, then pop() returns false.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Tile> items_;
  bool closed_ = false;
};

}  // namespace barcode
