// The finished rows of a rank, kept until a collective write round takes them. Clustering
// finishes rows in any order (several decoders, GPU batches) and a round writes whatever is
// finished, in any order: a rank never waits for one particular row (nor for another rank's
// rows) before writing the others, and after a signal every finished row reaches the file.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

#include "color/frame_summary.h"

namespace barcode {

class ResultBook {
 public:
  void add(FrameColors&& row) {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(std::move(row));
    changed_.notify_all();
  }

  // A row whose frame never came or could not be clustered: it is not written (its
  // /frames/done stays 0). Every row is either added or marked missing once.
  void mark_missing(int64_t /*row*/) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++missing_;
  }
  int64_t missing() {
    std::lock_guard<std::mutex> lock(mutex_);
    return missing_;
  }

  // A row whose frame the decoder patched over damaged data (marked before the row is added).
  void mark_concealed(int64_t row) {
    std::lock_guard<std::mutex> lock(mutex_);
    concealed_.insert(row);
  }
  // How many of `rows` were marked concealed.
  int64_t concealed_among(const std::vector<FrameColors>& rows) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (concealed_.empty()) return 0;
    return std::count_if(rows.begin(), rows.end(),
                         [&](const FrameColors& r) { return concealed_.count(r.position) > 0; });
  }

  // No more rows will come (the pipeline ended, normally or not).
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  // Ends the wait of take_ready now, with what rows there are: the caller's next write round
  // has more to do than write them (this rank's decoders wait for rows from other ranks).
  void nudge() {
    std::lock_guard<std::mutex> lock(mutex_);
    nudged_ = true;
    changed_.notify_all();
  }

  // Waits until at least `min_rows` finished rows are waiting, the book is closed or nudged, or
  // `wait` has passed; hands over every finished row not taken before, in row order.
  std::vector<FrameColors> take_ready(size_t min_rows, std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return closed_ || nudged_ || ready_.size() >= min_rows; });
    nudged_ = false;
    std::vector<FrameColors> rows;
    rows.swap(ready_);
    std::sort(rows.begin(), rows.end(),
              [](const FrameColors& a, const FrameColors& b) { return a.position < b.position; });
    return rows;
  }

  // Closed, and every finished row taken: nothing more will come out.
  bool drained() {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_ && ready_.empty();
  }

 private:
  std::vector<FrameColors> ready_;  // finished, not yet taken
  int64_t missing_ = 0;
  std::set<int64_t> concealed_;  // rare: damaged input only
  bool closed_ = false;
  bool nudged_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace barcode
