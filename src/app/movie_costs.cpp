#include "app/movie_costs.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <system_error>
#include <thread>

#include "base/input_file.h"
#include "video/probe.h"

namespace barcode {

namespace {

constexpr double kGpuRankFrames = 6000;  // one H200 rank of 16 cores, 1080p H.264 film
constexpr double kCoreFrames = 40;       // one core without a GPU
constexpr double k1080pPixels = 1920.0 * 1080.0;
constexpr size_t kProbesAtOnce = 8;

double seconds_of(const std::string& movie, const Options& options, double frames_per_s) {
  StreamInfo info;
  try {
    check_input_kind(movie);  // a FIFO would block the probe
    info = probe_video(movie);
  } catch (const std::exception&) {
    return 0;
  }
  // Of unknown length (a still picture, a raw stream): counted as a short movie, which the
  // queue makes whole.
  if (info.duration <= 0 || info.frame_rate <= 0) return 0;
  const double end = options.end >= 0 ? std::min(options.end, info.duration) : info.duration;
  const double frames = std::max(0.0, end - options.start) * info.frame_rate;
  const double pixels = static_cast<double>(info.width) * info.height;
  return frames * (pixels / k1080pPixels) / frames_per_s;
}

}  // namespace

double rank_frames_per_second(bool nvdec, int ranks_per_gpu, int cores) {
  if (nvdec) return kGpuRankFrames / std::max(ranks_per_gpu, 1);
  return kCoreFrames * std::max(cores, 1);
}

std::vector<double> movie_seconds(const MpiEnv& world, const Options& options,
                                  const std::vector<std::string>& paths, double frames_per_s) {
  // Each rank fills in every size()-th movie; the maximum over ranks is the filled-in value.
  constexpr double kNotMine = std::numeric_limits<double>::lowest();
  std::vector<double> mine(paths.size(), kNotMine), all(paths.size(), kNotMine);
  // A rank's probes, a few at once: each mostly waits for the file system.
  std::vector<size_t> own;
  for (size_t i = static_cast<size_t>(world.rank()); i < paths.size();
       i += static_cast<size_t>(world.size())) {
    own.push_back(i);
  }
  std::atomic<size_t> next{0};
  const auto probe = [&] {
    for (size_t k = next++; k < own.size(); k = next++) {
      const size_t i = own[k];
      mine[i] = paths[i].empty() ? 0 : seconds_of(paths[i], options, frames_per_s);
    }
  };
  std::vector<std::thread> threads;
  try {
    while (threads.size() + 1 < std::min(own.size(), kProbesAtOnce)) threads.emplace_back(probe);
  } catch (const std::system_error&) {
    // No more threads to be had: those started, and this one, do the rest.
  }
  probe();
  for (std::thread& t : threads) t.join();
  mpi_check(MPI_Allreduce(mine.data(), all.data(), static_cast<int>(all.size()), MPI_DOUBLE,
                          MPI_MAX, world.comm()),
            "MPI_Allreduce(movie lengths)");
  return all;
}

}  // namespace barcode
