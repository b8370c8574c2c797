#include "pipeline/row_ranges.h"

#include <algorithm>

namespace barcode {

RowRanges::RowRanges(int64_t first, int64_t end, int decoders, int64_t min_split)
    : owned_(static_cast<size_t>(std::max(decoders, 1))),
      min_split_(std::max<int64_t>(min_split, 1)) {
  // Equal shares to begin with; a decoder that starts late loses half of its share to the first
  // one that finishes.
  const int64_t rows = std::max<int64_t>(end - first, 0);
  const auto parts = static_cast<int64_t>(owned_.size());
  for (int64_t d = 0; d < parts; ++d) {
    owned_[static_cast<size_t>(d)] = {first + rows * d / parts, first + rows * (d + 1) / parts};
  }
}

std::optional<RowRanges::Range> RowRanges::next(int d) {
  std::lock_guard<std::mutex> lock(mutex_);
  Owned& me = owned_[static_cast<size_t>(d)];
  if (me.cursor < me.end) return Range{me.cursor, me.end};  // its own share, or what is left
  // The largest open range; never d's own, which is empty here.
  Owned* victim = nullptr;
  int64_t largest = 0;
  for (Owned& other : owned_) {
    if (other.end - other.cursor > largest) {
      largest = other.end - other.cursor;
      victim = &other;
    }
  }
  if (!victim || largest < 2 * min_split_) return std::nullopt;
  const int64_t split = victim->cursor + largest / 2;
  const Range taken{split, victim->end};
  victim->end = split;
  me.cursor = taken.begin;
  me.end = taken.end;
  return taken;
}

bool RowRanges::take(int d, int64_t row) {
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
