// A bounded first-in first-out queue between the decoder thread and the clustering loop: it
// keeps memory bounded (the decoder waits when clustering falls behind) and carries the
// decoder's end or failure to the consumer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
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

  // Blocks while full. Returns false when the consumer has abandoned the queue.
  bool push(Tile tile) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || abandoned_; });
    if (abandoned_) return false;
    items_.push_back(std::move(tile));
    not_empty_.notify_one();
    return true;
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

  // The producer is done; `failure` is set when it stopped on an error.
  void close(std::exception_ptr failure = nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    failure_ = failure;
    not_empty_.notify_all();
  }

  // The consumer stops taking items; a blocked producer returns.
  void abandon() {
    std::lock_guard<std::mutex> lock(mutex_);
    abandoned_ = true;
    not_full_.notify_all();
  }

  std::exception_ptr failure() {
    std::lock_guard<std::mutex> lock(mutex_);
    return failure_;
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Tile> items_;
  bool closed_ = false;
  bool abandoned_ = false;
  std::exception_ptr failure_;
};

}  // namespace barcode
