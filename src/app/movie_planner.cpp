#include "app/movie_planner.h"

#include <utility>

#include "base/interrupt.h"

namespace barcode {

MoviePlanner::MoviePlanner(Take take, PlanOf plan_of, std::vector<std::unique_ptr<MpiEnv>> envs,
                           int ahead)
    : take_(std::move(take)),
      plan_of_(std::move(plan_of)),
      envs_(std::move(envs)),
      ahead_(static_cast<size_t>(ahead > 0 ? ahead : 0)) {
  if (ahead_ == 0) return;
  for (const std::unique_ptr<MpiEnv>& env : envs_) {
    threads_.emplace_back([this, &env] { plan_ahead(*env); });
  }
}

MoviePlanner::~MoviePlanner() {
  stop();
  for (std::thread& t : threads_) t.join();
}

void MoviePlanner::stop() {
  const std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

MoviePlanner::Next MoviePlanner::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (failure_) std::rethrow_exception(failure_);
    Next next;
    if (stopping_) return next;
    if (!ready_.empty()) {
      next = std::move(ready_.front());
      ready_.pop_front();
      changed_.notify_all();  // room for another plan
      return next;
    }
    if (!exhausted_) {
      next.item = take_();
      if (next.item >= 0) return next;  // to plan by the caller
      exhausted_ = true;
      changed_.notify_all();
      continue;
    }
    // The queue is exhausted, but items planners took may still be planned: they are run by
    // whoever asks next, so wait for them rather than end (no other slot or rank would run them).
    if (planning_ == 0) return next;
    changed_.wait(lock);
  }
}

void MoviePlanner::plan_ahead(const MpiEnv& env) {
  for (;;) {
    Next planned;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] {
        return stopping_ || exhausted_ || ready_.size() + static_cast<size_t>(planning_) < ahead_;
      });
      if (stopping_ || exhausted_ || interrupt_requested()) return;
      try {
        planned.item = take_();
      } catch (...) {
        // The queue failed (MPI): the slots' next call reports it.
        failure_ = std::current_exception();
        exhausted_ = true;
        changed_.notify_all();
        return;
      }
      if (planned.item < 0) {
        exhausted_ = true;
        changed_.notify_all();
        return;
      }
      ++planning_;
    }
    try {
      planned.plan = std::make_unique<Plan>(plan_of_(env, planned.item));
    } catch (...) {
      planned.error = std::current_exception();
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    --planning_;
    ready_.push_back(std::move(planned));
    changed_.notify_all();
  }
}

}  // namespace barcode
