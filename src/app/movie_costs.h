// Each movie's decoding time on one rank, estimated before any is made, so that a --manifest run
// can plan how its movies are shared out (archive_schedule.h). All ranks probe at once, each its
// share of the movies, 8 at a time: a probe reads a file's header (5-50 ms).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/mpi_env.h"
#include "plan/options.h"

namespace barcode {

// About how many 1080p frames a second one rank makes end to end: what the estimates are
// measured in. Measured on real film (docs/benchmarks.md): an H200 rank of 16 cores 6000-6600,
// shared by the ranks on its GPU; a core without a GPU about 40 (decoding and k-means).
double rank_frames_per_second(bool nvdec, int ranks_per_gpu, int cores);

// Collective over `world`: the seconds the movie at each of `paths` takes a rank making
// `frames_per_s` 1080p frames a second (its frames within the options' --start and --end, by its
// pixels). 0 for an empty path (nothing to decode), and for a movie that cannot be probed (it
// fails as soon as it is made) or whose length is not known (a still picture, a raw stream).
std::vector<double> movie_seconds(const MpiEnv& world, const Options& options,
                                  const std::vector<std::string>& paths, double frames_per_s);

}  // namespace barcode
