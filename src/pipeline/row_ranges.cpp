#include "pipeline/row_ranges.h"

#include <algorithm>
#include <cmath>

namespace barcode {

int64_t rows_to_take(int64_t remaining, double thief, double victim, int64_t lead_in) {
  // (remaining - x) / victim = (lead_in + x) / thief
  const double x =
      (static_cast<double>(remaining) * thief - static_cast<double>(lead_in) * victim) /
      (thief + victim);
  return static_cast<int64_t>(std::floor(x));
}

RowRanges::RowRanges(int64_t first, int64_t end, int decoders, int64_t min_split, int64_t lead_in)
    : owned_(static_cast<size_t>(std::max(decoders, 1))),
      min_split_(std::max<int64_t>(min_split, 1)),
      lead_in_(std::max<int64_t>(lead_in, 0)) {
  // Equal shares to begin with; whoever finishes first takes from the slowest.
  const int64_t rows = std::max<int64_t>(end - first, 0);
  const auto parts = static_cast<int64_t>(owned_.size());
  for (int64_t d = 0; d < parts; ++d) {
    Owned& o = owned_[static_cast<size_t>(d)];
    o.cursor = first + rows * d / parts;
    o.end = first + rows * (d + 1) / parts;
  }
}

double RowRanges::speed(const Owned& o, Clock::time_point now, double fallback) {
  const double seconds = std::chrono::duration<double>(now - o.first_take).count();
  if (o.taken < 16 || seconds < 0.05) return fallback;
  return static_cast<double>(o.taken) / seconds;
}

std::optional<RowRanges::Range> RowRanges::next(int d) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  if (me.cursor < me.end) return Range{me.cursor, me.end};  // its own share, or what is left
  const Clock::time_point now = Clock::now();
  // Decoders that have not shown a speed yet count with the mean of those that have (1 row/s
  // when none has: then all are alike and ranges are cut in halves, less the lead-in).
  double known = 0;
  int counted = 0;
  for (const Owned& o : owned_) {
    const double v = speed(o, now, 0);
    if (v > 0) {
      known += v;
      ++counted;
    }
  }
  const double typical = counted > 0 ? known / counted : 1.0;
  // The open range expected to finish last at its owner's speed; never d's own (empty here).
  Owned* victim = nullptr;
  double latest = 0;
  for (Owned& o : owned_) {
    const int64_t remaining = o.end - o.cursor;
    if (remaining <= 0) continue;
    const double finish = static_cast<double>(remaining) / speed(o, now, typical);
    if (finish > latest) {
      latest = finish;
      victim = &o;
    }
  }
  if (!victim) return std::nullopt;
  const int64_t take = rows_to_take(victim->end - victim->cursor, speed(me, now, typical),
                                    speed(*victim, now, typical), lead_in_);
  if (take < min_split_) return std::nullopt;
  const Range taken{victim->end - take, victim->end};
  victim->end = taken.begin;
  me.cursor = taken.begin;
  me.end = taken.end;
  return taken;
}

bool RowRanges::take(int d, int64_t row) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  if (row < me.cursor || row >= me.end) return false;
  if (me.taken++ == 0) me.first_take = Clock::now();
  me.cursor = row + 1;
  return true;
}

RowRanges::Range RowRanges::release(int d) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  const Range rest{me.cursor, me.end};
  me.cursor = me.end;
  return rest;
}

}  // namespace barcode
