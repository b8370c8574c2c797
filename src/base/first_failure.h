// The first failure among threads working side by side (decoders, clustering threads, a sink's
// batch thread): each catches what it throws and hands it here; the one that caught first wins,
// later ones are dropped, and whoever waits for the threads rethrows it once they have stopped.
// No thread is left blocked by another's failure: capture() never throws and never waits for
// more than the capture itself.
#pragma once

#include <exception>
#include <mutex>

namespace barcode {

class FirstFailure {
 public:
  // Keeps the exception being handled (call it inside a catch block) unless one is kept already.
  void capture() noexcept { capture(std::current_exception()); }
  void capture(std::exception_ptr failure) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!first_) first_ = std::move(failure);
  }

  // Whether a failure was captured.
  bool failed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<bool>(first_);
  }

  // Rethrows the kept failure; does nothing when there is none.
  void rethrow_if_any() const {
    std::exception_ptr first;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first = first_;
    }
    if (first) std::rethrow_exception(first);
  }

 private:
  mutable std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace barcode
