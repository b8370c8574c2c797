// Counts and stage times of a run, reduced over ranks and printed by rank 0 at the end.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>

namespace barcode {

struct RunStats {
  int64_t frames_scanned = 0;  // frames in the frame table (this rank's segment)
  int64_t frames_decoded = 0;  // frames the decoder produced in the segment
  int64_t frames_sampled = 0;  // samples this rank owns
  int64_t frames_written = 0;  // samples clustered and written
  int64_t bad_packets = 0;
  double scan_s = 0;     // demux-only frame table scan
  double decode_s = 0;   // decoding (decoder thread, conversion excluded)
  double convert_s = 0;  // colour conversion and downscale to tiles
  double cluster_s = 0;  // k-means (wall time of the parallel sections)
  double write_s = 0;    // collective HDF5 writes
  double palette_s = 0;  // movie-wide palette (distributed k-means)
  double render_s = 0;   // PNG (rank 0)
  double wall_s = 0;
};

// Sums counts and takes the maximum of times over all ranks; rank 0 prints the summary.
// `stored`: the frames came from a file's stored tiles (--from-h5), not from decoding, and the
// summary says so (frames_decoded and decode_s then count the tiles read and the reading).
void report_summary(const RunStats& mine, MPI_Comm comm, const std::string& input, int ranks,
                    int threads, const std::string& device, int decoders, bool stored = false);

}  // namespace barcode
