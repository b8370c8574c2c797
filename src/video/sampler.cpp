#include "video/sampler.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "base/int128.h"

namespace barcode {

std::vector<int64_t> select_samples(const std::vector<int64_t>& pts, AVRational tb,
                                    const SampleRule& rule) {
  std::vector<int64_t> positions;
  const int64_t count = static_cast<int64_t>(pts.size());
  if (count == 0) return positions;
  if (rule.columns > 0) {
    if (rule.columns >= count) {
      positions.resize(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) positions[static_cast<size_t>(i)] = i;
      return positions;
    }
    positions.reserve(static_cast<size_t>(rule.columns));
    for (int64_t j = 0; j < rule.columns; ++j) {
      // Integer form of floor((j + 0.5) * count / W): exact for any count.
      positions.push_back(static_cast<int64_t>((static_cast<Int128>(2 * j + 1) * count) /
                                               (2 * static_cast<Int128>(rule.columns))));
    }
    return positions;
  }
  if (rule.fps > 0.0) {
    // Sample times in the stream's time base, exactly: t0 + j * den / (fps * num). Computed in
    // double from j each time (not accumulated), so rounding cannot drift over a long film.
    const double ticks_per_sample = 1.0 / (rule.fps * av_q2d(tb));
    const int64_t t0 = pts.front();
    const int64_t t_last = pts.back();
    int64_t previous = -1;
    for (int64_t j = 0;; ++j) {
      const double t = static_cast<double>(t0) + static_cast<double>(j) * ticks_per_sample;
      if (t > static_cast<double>(t_last)) break;
      const int64_t target = static_cast<int64_t>(std::floor(t + 1e-6));
      auto it = std::upper_bound(pts.begin(), pts.end(), target);  // first frame after target
      int64_t position = it == pts.begin() ? 0 : static_cast<int64_t>(it - pts.begin()) - 1;
      if (position != previous) positions.push_back(position);
      previous = position;
    }
    return positions;
  }
  if (rule.every < 1) throw Error("select_samples: every must be >= 1");
  positions.reserve(static_cast<size_t>((count + rule.every - 1) / rule.every));
  for (int64_t i = 0; i < count; i += rule.every) positions.push_back(i);
  return positions;
}

}  // namespace barcode
