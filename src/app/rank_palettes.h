// The frame palettes a rank holds for the movie palette (movie_palette.h): those of the rows of
// its own segment, in row order, with zero weights for rows not written. Rows it decoded for
// another rank (rank_balance.h) are kept aside and sent back to that rank before the movie
// palette is made, so that each rank holds exactly its segment's rows whatever moved.
#pragma once

#include <cstdint>
#include <vector>

#include "base/mpi_env.h"
#include "color/frame_summary.h"

namespace barcode {

class RankPalettes {
 public:
  // `k` colours per frame; this rank's segment is rows [first, end).
  RankPalettes(int k, int64_t first, int64_t end);

  void keep(const std::vector<FrameColors>& rows);

  // Collective over `env`: the rows kept for other ranks' segments go to them.
  void return_others(const MpiEnv& env);

  int64_t rows() const { return end_ - first_; }
  int64_t first() const { return first_; }
  const std::vector<float>& colors() const { return colors_; }    // rows*k*3
  const std::vector<float>& weights() const { return weights_; }  // rows*k

 private:
  // Row `position`'s palette and weights, packed as one record of an MPI message.
  void put(int64_t position, const float* palette, const float* weights);

  int k_;
  int64_t first_, end_;
  std::vector<float> colors_;
  std::vector<float> weights_;
  std::vector<FrameColors> others_;  // rows of other ranks' segments, palette and weights only
};

}  // namespace barcode
