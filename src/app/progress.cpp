#include "app/progress.h"

#include <unistd.h>

#include <cstdio>

#include "base/log.h"

namespace barcode {

Progress::Progress(bool enabled, int64_t total, std::string movie)
    : enabled_(enabled && log::verbosity() >= 1),
      terminal_(isatty(STDERR_FILENO) != 0),
      total_(total),
      movie_(std::move(movie)) {}

void Progress::update(int64_t done, bool last) {
  if (!enabled_ || total_ <= 0) return;
  const double now = clock_.seconds();
  const double interval = terminal_ ? 0.5 : 10.0;
  if (!last && now - last_print_ < interval) return;
  last_print_ = now;
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double rate = now > 0 ? static_cast<double>(done) / now : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    std::fprintf(stderr, "\r%s [%s] %5.1f%% %lld/%lld frames, %.0f frames/s, %.0f s left ",
                 movie_.c_str(), bar, 100.0 * fraction, static_cast<long long>(done),
                 static_cast<long long>(total_), rate, eta);
    if (last) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  } else {
    std::fprintf(stderr,
                 "barcode_mpi: %s: progress: %lld/%lld frames (%.1f%%), %.0f frames/s, %.0f s "
                 "left\n",
                 movie_.c_str(), static_cast<long long>(done), static_cast<long long>(total_),
                 100.0 * fraction, rate, eta);
  }
}

}  // namespace barcode
