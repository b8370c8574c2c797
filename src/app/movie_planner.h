// Plans a --manifest rank's next movies while its movie slots work on others. A movie's plan
// (probe, frame scan, black-bar probes) takes about 0.3 s for a 60-s 1080p film, and a slot's
// decoders stood idle for it before each movie; with plans made ahead, a slot goes from one
// movie straight to the next. While the queue lasts a slot never waits for a planner: when no
// plan is ready, it takes the queue's next item and plans it itself, as at the start. Once the
// queue is exhausted, slots wait for the plans still being made, which nobody else would run.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/mpi_env.h"
#include "plan/plan.h"

namespace barcode {

class MoviePlanner {
 public:
  // An item of the queue, with its plan when one was made ahead (else null: plan it), or the
  // error making it (rethrown where the movie is run, so that it is that movie's failure).
  struct Next {
    int64_t item = -1;  // -1: the queue is exhausted, or stop() was called
    std::unique_ptr<Plan> plan;
    std::exception_ptr error;
  };
  // `take` hands out the queue's next item (-1 when none is left), always under one lock;
  // `plan_of` makes an item's plan on the given environment. One planner thread per entry of
  // `envs` (each its own communicator, as planning is collective over it), keeping up to `ahead`
  // plans ready.
  using Take = std::function<int64_t()>;
  using PlanOf = std::function<Plan(const MpiEnv& env, int64_t item)>;
  MoviePlanner(Take take, PlanOf plan_of, std::vector<std::unique_ptr<MpiEnv>> envs, int ahead);
  ~MoviePlanner();  // stops the planners and waits for them
  MoviePlanner(const MoviePlanner&) = delete;
  MoviePlanner& operator=(const MoviePlanner&) = delete;

  // A plan made ahead if one is ready, else the queue's next item to plan; once the queue is
  // exhausted, waits for the plans still being made. Rethrows a failure of `take`.
  // Thread-safe.
  Next next();
  // No further items are handed out (a failure, or a signal); planners finish the plan they
  // are making and end. Movies planned but not run are left for a later run.
  void stop();

 private:
  void plan_ahead(const MpiEnv& env);

  Take take_;
  PlanOf plan_of_;
  std::vector<std::unique_ptr<MpiEnv>> envs_;
  size_t ahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Next> ready_;
  int planning_ = 0;        // plans being made
  bool exhausted_ = false;  // take_ returned -1
  bool stopping_ = false;
  std::exception_ptr failure_;  // of take_ in a planner thread
  std::vector<std::thread> threads_;
};

}  // namespace barcode
