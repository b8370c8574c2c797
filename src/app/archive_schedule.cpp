#include "app/archive_schedule.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <numeric>
#include <queue>

namespace barcode {

namespace {

// queue_seconds over `seconds` less [skip_begin, skip_end), without a copy.
double queue_seconds_without(const std::vector<double>& seconds, size_t skip_begin, size_t skip_end,
                             int ranks, int at_once, double start_s) {
  // When each slot is next free; the queue hands the next movie to the earliest.
  std::priority_queue<double, std::vector<double>, std::greater<double>> free_at;
  const int slots = std::max(ranks, 1) * std::max(at_once, 1);
  for (int i = 0; i < slots; ++i) free_at.push(0.0);
  double end = 0;
  for (size_t i = 0; i < seconds.size(); ++i) {
    if (i == skip_begin) i = skip_end;
    if (i >= seconds.size()) break;
    const double done = free_at.top() + seconds[i] * std::max(at_once, 1) + start_s;
    free_at.pop();
    free_at.push(done);
    end = std::max(end, done);
  }
  return end;
}

}  // namespace

double queue_seconds(const std::vector<double>& seconds, int ranks, int at_once, double start_s) {
  return queue_seconds_without(seconds, seconds.size(), seconds.size(), ranks, at_once, start_s);
}

MovieOrder share_out(const std::vector<double>& seconds, int ranks, int at_once, double start_s) {
  // Movies worth splitting come first in `seconds`: [0, worth).
  size_t worth = 0;
  while (worth < seconds.size() && seconds[worth] >= kStartsWorthSplitting * start_s) ++worth;
  const size_t slots = static_cast<size_t>(std::max(ranks, 1) * std::max(at_once, 1));
  const double share = 1.0 / std::max(ranks, 1);
  // A single slot gains nothing; elsewhere a split must gain half a start (sums in another
  // order differ in their last bits, and an estimate is no more exact than that).
  const double margin = 0.5 * start_s;
  // The queue's work, slot-seconds: it cannot end before this over its slots.
  double load = 0;
  for (double s : seconds) load += s * std::max(at_once, 1) + start_s;
  size_t best = 0;
  double best_s = queue_seconds(seconds, ranks, at_once, start_s);
  double together_s = 0;
  // Made together: [worth - split, worth); queued: the rest in their order. Each further split
  // moves a movie's work from the queue (at best spread over the slots) to every rank, which
  // adds start_s (1 - 1 / slots) to the lower bound below: once that bound cannot beat the
  // best, no larger split can.
  // (And at most twice the slots: the queue leaves idle at most its slots less one.)
  for (size_t split = 1; slots > 1 && split <= std::min(worth, 2 * slots); ++split) {
    const double s = seconds[worth - split];
    together_s += s * share + start_s;
    load -= s * std::max(at_once, 1) + start_s;
    if (together_s + load / static_cast<double>(slots) >= best_s - margin) break;
    const double total =
        queue_seconds_without(seconds, worth - split, worth, ranks, at_once, start_s) + together_s;
    if (total < best_s - margin) {
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
