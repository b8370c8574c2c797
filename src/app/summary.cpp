#include "app/summary.h"

#include <sys/resource.h>

#include <cstdio>

#include "base/log.h"
#include "base/mpi_env.h"

namespace barcode {

void report_summary(const RunStats& mine, MPI_Comm comm, const std::string& input, int ranks,
                    int threads, const std::string& device, int decoders, bool stored) {
  int64_t counts[5] = {mine.frames_scanned, mine.frames_decoded, mine.frames_sampled,
                       mine.frames_written, mine.bad_packets};
  int64_t total[5] = {0, 0, 0, 0, 0};
  mpi_check(MPI_Reduce(counts, total, 5, MPI_INT64_T, MPI_SUM, 0, comm), "MPI_Reduce(counts)");
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const double peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
  double times[9] = {mine.scan_s,   mine.decode_s, mine.convert_s, mine.cluster_s, mine.write_s,
                     mine.render_s, mine.wall_s,   peak_mib,       mine.palette_s};
  double slowest[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  mpi_check(MPI_Reduce(times, slowest, 9, MPI_DOUBLE, MPI_MAX, 0, comm), "MPI_Reduce(times)");
  if (log::verbosity() < 1) return;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0) return;
  const double wall = slowest[6] > 0 ? slowest[6] : 1e-9;
  if (stored) {
    std::fprintf(stderr,
                 "barcode_mpi: summary for %s (from its stored tiles)\n"
                 "  ranks %d, threads per rank %d, rank 0 on %s\n"
                 "  frames: %lld stored, %lld tiles read, %lld written, %lld missing\n"
                 "  time (slowest rank): plan %.2f s, read tiles %.2f s (wall), cluster %.2f s "
                 "(summed: CPU time of CPU threads, wall time of GPU batches), write %.2f s, movie "
                 "palette %.2f s, "
                 "render %.2f s\n"
                 "  wall %.2f s: %.1f frames/s; peak memory %.0f MiB per rank (largest)\n",
                 input.c_str(), ranks, threads, device.c_str(), static_cast<long long>(total[2]),
                 static_cast<long long>(total[1]), static_cast<long long>(total[3]),
                 static_cast<long long>(total[2] - total[3]), slowest[0], slowest[1], slowest[3],
                 slowest[4], slowest[8], slowest[5], wall, static_cast<double>(total[2]) / wall,
                 slowest[7]);
    return;
  }
  std::fprintf(stderr,
               "barcode_mpi: summary for %s\n"
               "  ranks %d, threads per rank %d, rank 0 on %s with %d decoder(s)\n"
               "  frames: %lld in range, %lld decoded, %lld sampled, %lld written, %lld missing, "
               "%lld damaged packets skipped\n"
               "  time (slowest rank): scan %.2f s, decode %.2f s (wall, with conversion), convert "
               "%.2f s, cluster %.2f s (summed: CPU time of CPU threads, wall time of GPU "
               "batches), write %.2f s, movie "
               "palette %.2f s, render %.2f s\n"
               "  wall %.2f s: %.1f decoded frames/s, %.1f sampled frames/s; peak memory %.0f MiB "
               "per rank (largest)\n",
               input.c_str(), ranks, threads, device.c_str(), decoders,
               static_cast<long long>(total[0]), static_cast<long long>(total[1]),
               static_cast<long long>(total[2]), static_cast<long long>(total[3]),
               static_cast<long long>(total[2] - total[3]), static_cast<long long>(total[4]),
               slowest[0], slowest[1], slowest[2], slowest[3], slowest[4], slowest[8], slowest[5],
               wall, static_cast<double>(total[1]) / wall, static_cast<double>(total[2]) / wall,
               slowest[7]);
}

}  // namespace barcode
