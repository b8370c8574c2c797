#include "summary.h"

#include <cstdio>

#include "log.h"
#include "mpi_env.h"

namespace barcode {

void report_summary(const RunStats& mine, MPI_Comm comm, const std::string& input, int ranks,
                    int threads) {
  int64_t counts[5] = {mine.frames_scanned, mine.frames_decoded, mine.frames_sampled,
                       mine.frames_written, mine.bad_packets};
  int64_t total[5] = {0, 0, 0, 0, 0};
  mpi_check(MPI_Reduce(counts, total, 5, MPI_INT64_T, MPI_SUM, 0, comm), "MPI_Reduce(counts)");
  double times[7] = {mine.scan_s,  mine.decode_s, mine.convert_s, mine.cluster_s,
                     mine.write_s, mine.render_s, mine.wall_s};
  double slowest[7] = {0, 0, 0, 0, 0, 0, 0};
  mpi_check(MPI_Reduce(times, slowest, 7, MPI_DOUBLE, MPI_MAX, 0, comm), "MPI_Reduce(times)");
  if (log::verbosity() < 1) return;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0) return;
  const double wall = slowest[6] > 0 ? slowest[6] : 1e-9;
  std::fprintf(stderr,
               "barcode_mpi: summary for %s\n"
               "  ranks %d, threads per rank %d\n"
               "  frames: %lld in range, %lld decoded, %lld sampled, %lld written, %lld missing, "
               "%lld damaged packets skipped\n"
               "  time (slowest rank): scan %.2f s, decode %.2f s, convert %.2f s, cluster %.2f s, "
               "write %.2f s, render %.2f s\n"
               "  wall %.2f s: %.1f decoded frames/s, %.1f sampled frames/s\n",
               input.c_str(), ranks, threads, static_cast<long long>(total[0]),
               static_cast<long long>(total[1]), static_cast<long long>(total[2]),
               static_cast<long long>(total[3]), static_cast<long long>(total[2] - total[3]),
               static_cast<long long>(total[4]), slowest[0], slowest[1], slowest[2], slowest[3],
               slowest[4], slowest[5], wall, static_cast<double>(total[1]) / wall,
               static_cast<double>(total[2]) / wall);
}

}  // namespace barcode
