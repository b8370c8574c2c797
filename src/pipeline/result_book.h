// The finished rows of a rank, kept until the collective write round that covers them. Clustering
// finishes rows in any order (several decoders, GPU batches); writing goes block by block in row
// order. A row is settled when its colours are in or it is known to be missing (its frame did not
// decode); a block can be written once all its rows are settled, or once the pipeline has ended.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "color/frame_summary.h"

namespace barcode {

class ResultBook {
 public:
  ResultBook(int64_t first, int64_t end)
      : first_(first),
        state_(static_cast<size_t>(std::max<int64_t>(end - first, 0)), kOpen),
        results_(state_.size()) {}

  void add(FrameColors&& row) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t i = index(row.position);
    results_[i] = std::move(row);
    state_[i] = kDone;
    changed_.notify_all();
  }

  void mark_missing(int64_t row) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t i = index(row);
    if (state_[i] == kOpen) state_[i] = kMissing;
    changed_.notify_all();
  }

  // No more rows will come (the pipeline ended, normally or not).
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  // Waits until rows [first, end) are settled (or the book is closed) and hands over the rows
  // that have colours, in row order.
  std::vector<FrameColors> take(int64_t first, int64_t end) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] {
      if (closed_) return true;
      for (int64_t r = first; r < end; ++r) {
        if (state_[index(r)] == kOpen) return false;
      }
      return true;
    });
    std::vector<FrameColors> rows;
    for (int64_t r = first; r < end; ++r) {
      if (state_[index(r)] == kDone) rows.push_back(std::move(results_[index(r)]));
    }
    return rows;
  }

 private:
  enum State : uint8_t { kOpen, kDone, kMissing };
  size_t index(int64_t row) const { return static_cast<size_t>(row - first_); }

  int64_t first_;
  std::vector<State> state_;
  std::vector<FrameColors> results_;
  bool closed_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace barcode
