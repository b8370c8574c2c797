#include "pipeline/row_ranges.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <utility>

namespace barcode {

namespace {

// Seconds over which a decoder's speed is measured (and as much again before).
constexpr double kSpeedWindow = 0.5;

// The key row nearest `row` (the earlier one on a tie), -1 when there is none.
int64_t nearest_key_row(const std::vector<int64_t>& key_rows, int64_t row) {
  const auto after = std::lower_bound(key_rows.begin(), key_rows.end(), row);
  if (after == key_rows.begin()) return after == key_rows.end() ? -1 : *after;
  const int64_t before = *std::prev(after);
  if (after == key_rows.end()) return before;
  return *after - row < row - before ? *after : before;
}

}  // namespace

int64_t rows_to_take(int64_t remaining, double thief, double victim, int64_t lead_in) {
  // (remaining - x) / victim = (lead_in + x) / thief
  const double x =
      (static_cast<double>(remaining) * thief - static_cast<double>(lead_in) * victim) /
      (thief + victim);
  return static_cast<int64_t>(std::floor(x));
}

RowRanges::RowRanges(int64_t first, int64_t end, int decoders, int64_t min_split, int64_t lead_in,
                     std::vector<int64_t> key_rows, int64_t restart)
    : owned_(static_cast<size_t>(std::max(decoders, 1))),
      min_split_(std::max<int64_t>(min_split, 1)),
      lead_in_(std::max<int64_t>(lead_in, 0)),
      key_rows_(std::move(key_rows)),
      restart_(std::max<int64_t>(restart, 0)) {
  // Equal shares to begin with, each starting at the key row nearest its equal start when one
  // lies within half a share of it; whoever finishes first takes from the slowest.
  const int64_t rows = std::max<int64_t>(end - first, 0);
  const auto parts = static_cast<int64_t>(owned_.size());
  int64_t begin = first;
  for (int64_t d = 0; d < parts; ++d) {
    Owned& o = owned_[static_cast<size_t>(d)];
    o.cursor = begin;
    int64_t next = first + rows * (d + 1) / parts;
    if (d + 1 < parts) {
      const int64_t nearest = nearest_key_row(key_rows_, next);
      if (nearest > begin && nearest < end && std::llabs(nearest - next) * 2 * parts <= rows) {
        next = nearest;
      }
    }
    o.end = std::max(begin, next);
    begin = o.end;
  }
}

double RowRanges::speed(const Owned& o, Clock::time_point now, double fallback) {
  if (o.taken == 0) return fallback;
  const double seconds =
      o.last_window_seconds + std::chrono::duration<double>(now - o.window_start).count();
  const int64_t rows = o.last_window_rows + o.window_taken;
  if (rows < 16 || seconds < 0.05) return fallback;
  return static_cast<double>(rows) / seconds;
}

double RowRanges::time_left(const Owned& o, Clock::time_point now, double typical) {
  const int64_t remaining = o.end - o.cursor;
  return remaining > 0 ? static_cast<double>(remaining) / speed(o, now, typical) : 0;
}

double RowRanges::typical_speed(Clock::time_point now) const {
  // 1 row/s when none has shown a speed: then all are alike and ranges are cut in halves, less
  // the lead-in.
  double known = 0;
  int counted = 0;
  for (const Owned& o : owned_) {
    const double v = speed(o, now, 0);
    if (v > 0) {
      known += v;
      ++counted;
    }
  }
  return counted > 0 ? known / counted : 1.0;
}

std::optional<RowRanges::Range> RowRanges::next(int d) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (std::optional<Range> range = next_locked(d, now)) return range;
    if (!more_) return std::nullopt;
    if (++waiting_ == static_cast<int>(owned_.size()) && all_waiting_) all_waiting_();
    changed_.wait(lock);
    --waiting_;
    // Time spent waiting is not time spent decoding: its speed counts from later.
    Owned& me = owned_[static_cast<size_t>(d)];
    if (me.taken > 0) {
      const Clock::duration waited = Clock::now() - now;
      me.last_take += waited;
      me.window_start += waited;
    }
  }
}

std::optional<RowRanges::Range> RowRanges::next_locked(int d, Clock::time_point now) {
  Owned& me = owned_[static_cast<size_t>(d)];
  if (me.cursor < me.end) return Range{me.cursor, me.end};  // its own share, or what is left
  if (!pieces_.empty()) {
    const auto largest = std::max_element(
        pieces_.begin(), pieces_.end(),
        [](const Range& a, const Range& b) { return a.end - a.begin < b.end - b.begin; });
    const Range piece = *largest;
    pieces_.erase(largest);
    me.cursor = piece.begin;
    me.end = piece.end;
    return piece;
  }
  // Decoders that have not shown a speed yet count with the mean of those that have.
  const double typical = typical_speed(now);
  // The open range expected to finish last at its owner's speed; never d's own (empty here).
  Owned* victim = nullptr;
  double latest = 0;
  for (Owned& o : owned_) {
    const double finish = time_left(o, now, typical);
    if (finish > latest) {
      latest = finish;
      victim = &o;
    }
  }
  if (!victim) return std::nullopt;
  const int64_t cut = cut_point(*victim, speed(me, now, typical), speed(*victim, now, typical));
  if (cut < 0) return std::nullopt;
  const Range taken{cut, victim->end};
  victim->end = taken.begin;
  me.cursor = taken.begin;
  me.end = taken.end;
  return taken;
}

void RowRanges::expect_more(bool more) {
  std::lock_guard<std::mutex> lock(mutex_);
  more_ = more;
  changed_.notify_all();
}

void RowRanges::on_all_waiting(std::function<void()> call) {
  std::lock_guard<std::mutex> lock(mutex_);
  all_waiting_ = std::move(call);
}

void RowRanges::add(const std::vector<Range>& pieces) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Range& piece : pieces) {
    if (piece.begin < piece.end) pieces_.push_back(piece);
  }
  changed_.notify_all();
}

RowRanges::Load RowRanges::load() {
  std::lock_guard<std::mutex> lock(mutex_);
  const Clock::time_point now = Clock::now();
  const double typical = typical_speed(now);
  Load load;
  load.decoders = static_cast<int>(owned_.size());
  load.waiting = waiting_;
  for (const Owned& o : owned_) {
    load.finish_s = std::max(load.finish_s, time_left(o, now, typical));
    // Its speed when it last took a row: a decoder that waits for rows is not slow.
    load.rate += speed(o, o.last_take, 0);
  }
  // Pieces from other ranks not yet taken are work left too.
  int64_t queued = 0;
  for (const Range& piece : pieces_) queued += piece.end - piece.begin;
  if (queued > 0) {
    load.finish_s = std::max(load.finish_s, static_cast<double>(queued) /
                                                (typical * static_cast<double>(owned_.size())));
  }
  return load;
}

std::vector<RowRanges::Range> RowRanges::give_away(double rate, int decoders, double delay,
                                                   double min_gain) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Range> pieces;
  if (!(rate > 0)) return pieces;
  const Clock::time_point now = Clock::now();
  const double typical = typical_speed(now);
  std::vector<double> speeds(owned_.size());
  double finish = 0;
  for (size_t i = 0; i < owned_.size(); ++i) {
    speeds[i] = speed(owned_[i], now, typical);
    finish = std::max(finish, time_left(owned_[i], now, typical));
  }
  // Keeping `t` s of each range, this rank is done after t; the thief after its delay, the
  // rows of the pieces and a lead-in or restart per piece. The earliest t at which the thief is
  // done too.
  const auto piece_rows = [&](size_t i, double t) {
    // (Less a hair: the search ends a little past the exact time.)
    const int64_t keep = static_cast<int64_t>(std::ceil(speeds[i] * t - 1e-6));
    const int64_t rows = owned_[i].end - owned_[i].cursor - keep;
    return rows >= min_split_ ? rows : 0;
  };
  // Where a piece of the last `rows` rows of range i starts: at a key row within a lead-in of
  // the cut, which spares the thief its lead-in (it costs a restart), else at the cut.
  const auto piece_start = [&](size_t i, int64_t rows) {
    const Owned& o = owned_[i];
    const int64_t cut = o.end - rows;
    const int64_t key = nearest_key_row(key_rows_, cut);
    const bool near =
        key > o.cursor && std::llabs(key - cut) <= lead_in_ && o.end - key >= min_split_;
    return near ? key : cut;
  };
  const auto thief_done = [&](double t) {
    double rows = 0;
    int given = 0;
    for (size_t i = 0; i < owned_.size(); ++i) {
      const int64_t r = piece_rows(i, t);
      if (r == 0) continue;
      const int64_t start = piece_start(i, r);
      const bool at_key = std::binary_search(key_rows_.begin(), key_rows_.end(), start);
      rows += static_cast<double>(owned_[i].end - start + (at_key ? restart_ : lead_in_));
      ++given;
    }
    const double busy = std::min(1.0, static_cast<double>(given) / std::max(decoders, 1));
    return delay + rows / (rate * busy);
  };
  double low = 0, high = finish;
  for (int step = 0; step < 40; ++step) {
    const double t = (low + high) / 2;
    (thief_done(t) > t ? low : high) = t;
  }
  if (finish - high < min_gain) return pieces;
  for (size_t i = 0; i < owned_.size(); ++i) {
    Owned& o = owned_[i];
    const int64_t r = piece_rows(i, high);
    if (r == 0) continue;
    const int64_t cut = piece_start(i, r);
    pieces.push_back(Range{cut, o.end});
    o.end = cut;
  }
  return pieces;
}

int64_t RowRanges::cut_point(const Owned& victim, double thief, double victim_speed) const {
  const int64_t remaining = victim.end - victim.cursor;
  // When both would be done: the victim with the rows before the cut, the thief with its
  // start-up and the rows from the cut on.
  const auto finish = [&](int64_t cut, int64_t start_up) {
    return std::max(static_cast<double>(cut - victim.cursor) / victim_speed,
                    static_cast<double>(start_up + victim.end - cut) / thief);
  };
  int64_t best = -1;
  double best_finish = static_cast<double>(remaining) / victim_speed;
  // Anywhere, decoding from the key frame before the cut.
  const int64_t take = rows_to_take(remaining, thief, victim_speed, lead_in_);
  if (take >= min_split_) {
    best = victim.end - take;
    best_finish = finish(best, lead_in_);
  }
  // At a key row on either side of where both would finish together from one.
  const int64_t even = victim.end - rows_to_take(remaining, thief, victim_speed, restart_);
  const auto after = std::lower_bound(key_rows_.begin(), key_rows_.end(), even);
  for (auto at : {after, after == key_rows_.begin() ? key_rows_.end() : std::prev(after)}) {
    if (at == key_rows_.end()) continue;
    const int64_t cut = *at;
    if (cut <= victim.cursor || victim.end - cut < std::max<int64_t>(restart_, 1)) continue;
    const double done = finish(cut, restart_);
    if (done < best_finish) {
      best = cut;
      best_finish = done;
    }
  }
  return best;
}

bool RowRanges::take(int d, int64_t row) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  if (row < me.cursor || row >= me.end) return false;
  const Clock::time_point now = Clock::now();
  if (me.taken++ == 0) me.window_start = now;
  me.last_take = now;
  ++me.window_taken;
  const double window = std::chrono::duration<double>(now - me.window_start).count();
  if (window >= kSpeedWindow) {
    me.last_window_rows = me.window_taken;
    me.last_window_seconds = window;
    me.window_taken = 0;
    me.window_start = now;
  }
  me.cursor = row + 1;
  return true;
}

bool RowRanges::skip(int d, int64_t row) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  if (row < me.cursor || row >= me.end) return false;
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
