#include "app/archive_schedule.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <numeric>
#include <queue>

namespace barcode {

double queue_seconds(const std::vector<double>& seconds, int ranks, int at_once, double start_s) {
  // When each slot is next free; the queue hands the next movie to the earliest.
  std::priority_queue<double, std::vector<double>, std::greater<double>> free_at;
  const int slots = std::max(ranks, 1) * std::max(at_once, 1);
  for (int i = 0; i < slots; ++i) free_at.push(0.0);
  double end = 0;
  for (double s : seconds) {
    const double done = free_at.top() + s * std::max(at_once, 1) + start_s;
    free_at.pop();
    free_at.push(done);
    end = std::max(end, done);
  }
  return end;
}

MovieOrder share_out(const std::vector<double>& seconds, int ranks, int at_once, double start_s) {
  // Movies worth splitting come first in `seconds`: [0, worth).
  size_t worth = 0;
  while (worth < seconds.size() && seconds[worth] >= kStartsWorthSplitting * start_s) ++worth;
  // Those made together are among the last few of them: a queue leaves idle at most its slots
  // less one (and each try simulates the queue).
  const size_t slots = static_cast<size_t>(std::max(ranks, 1) * std::max(at_once, 1));
  const size_t tries = std::min(worth, 2 * slots);
  const double share = 1.0 / std::max(ranks, 1);
  // Made together: [worth - split, worth); queued: the rest in their order.
  const auto queued = [&](size_t split) {
    std::vector<double> q(seconds.begin(), seconds.begin() + static_cast<ptrdiff_t>(worth - split));
    q.insert(q.end(), seconds.begin() + static_cast<ptrdiff_t>(worth), seconds.end());
    return q;
  };
  size_t best = 0;
  double best_s = queue_seconds(seconds, ranks, at_once, start_s);
  double together_s = 0;
  // A single slot gains nothing; elsewhere a split must gain half a start (sums in another
  // order differ in their last bits, and an estimate is no more exact than that).
  for (size_t split = 1; slots > 1 && split <= tries; ++split) {
    together_s += seconds[worth - split] * share + start_s;
    const double total = queue_seconds(queued(split), ranks, at_once, start_s) + together_s;
    if (total < best_s - 0.5 * start_s) {
      best = split;
      best_s = total;
    }
  }
  MovieOrder result;
  for (size_t i = 0; i < seconds.size(); ++i) {
    if (i < worth - best || i >= worth) result.order.push_back(i);
  }
  for (size_t i = worth - best; i < worth; ++i) result.order.push_back(i);
  result.together = best;
  return result;
}

bool one_movie_at_a_time(const std::vector<double>& seconds, double start_s) {
  if (seconds.empty()) return false;
  const double work = std::accumulate(seconds.begin(), seconds.end(), 0.0);
  return start_s * static_cast<double>(seconds.size()) <= 0.1 * work;
}

}  // namespace barcode
