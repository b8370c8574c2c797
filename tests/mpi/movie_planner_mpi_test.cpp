// MoviePlanner under real MPI (one rank: planners plan on communicators of their own), with
// items handed out by a counter and plans that take a while. Checks that every item is handed
// to exactly one slot, planned or not, when:
//  (a) planners take every item before any slot asks (a slow plan still in the making when the
//      queue runs out: a slot that ended then lost the item);
//  (b) three slots and two planners share twelve items;
//  (c) a plan that throws reaches its slot as the item's error.
// Exit code 0 when all hold; one line per failure.
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "app/movie_planner.h"
#include "base/mpi_env.h"

namespace {

using barcode::MoviePlanner;
using barcode::MpiEnv;

struct Run {
  std::vector<int> handed;  // times each item was handed out
  int planned = 0, errors = 0;
};

// `items` items, `slots` slot threads that start after `slot_delay_ms`, plans of `plan_ms`
// (item `failing` throws).
Run run(const MpiEnv& world, int items, int slots, int slot_delay_ms, int plan_ms, int failing) {
  Run result;
  result.handed.assign(static_cast<size_t>(items), 0);
  int next_item = 0;
  std::vector<std::unique_ptr<MpiEnv>> envs;
  for (int p = 0; p < 2; ++p) envs.push_back(MpiEnv::alone(world, 1));
  std::mutex mutex;
  {
    MoviePlanner planner([&] { return next_item < items ? int64_t{next_item++} : int64_t{-1}; },
                         [&](const MpiEnv&, int64_t item) {
                           std::this_thread::sleep_for(std::chrono::milliseconds(plan_ms));
                           if (item == failing) throw std::runtime_error("no plan");
                           return barcode::Plan{};
                         },
                         std::move(envs), 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(slot_delay_ms));
    std::vector<std::thread> threads;
    for (int s = 0; s < slots; ++s) {
      threads.emplace_back([&] {
        for (;;) {
          MoviePlanner::Next next = planner.next();
          if (next.item < 0) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the movie
          const std::lock_guard<std::mutex> lock(mutex);
          ++result.handed[static_cast<size_t>(next.item)];
          if (next.plan) ++result.planned;
          if (next.error) ++result.errors;
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  return result;
}

int check(const char* name, const Run& r, int expect_errors) {
  int failed = 0;
  for (size_t i = 0; i < r.handed.size(); ++i) {
    if (r.handed[i] != 1) {
      std::printf("%s: item %zu handed out %d times\n", name, i, r.handed[i]);
      failed = 1;
    }
  }
  if (r.errors != expect_errors) {
    std::printf("%s: %d errors, expected %d\n", name, r.errors, expect_errors);
    failed = 1;
  }
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  MpiEnv env(&argc, &argv);
  int failed = 0;
  // (a) Two items, both taken by the planners at once; the one slot asks while they plan.
  failed |= check("planners took all", run(env, 2, 1, 50, 300, -1), 0);
  // (b) Twelve items, three slots, plans of 20 ms.
  const Run shared = run(env, 12, 3, 0, 20, -1);
  failed |= check("three slots", shared, 0);
  if (shared.planned == 0) {
    std::printf("three slots: no item was planned ahead\n");
    failed = 1;
  }
  // (c) Item 1's plan throws.
  failed |= check("a failing plan", run(env, 4, 1, 100, 20, 1), 1);
  std::printf("movie_planner_mpi_test: %s\n", failed ? "FAILED" : "passed");
  return failed;
}
