// The movie-wide palette: one set of K colours for the whole film, clustered from every sampled
// frame's own k-means palette (its centroids weighted by their pixel counts), with MPI ranks each
// holding the palettes of their own rows.
//
// The result is bit-identical whatever the number of ranks, however the rows are split among them,
// and whichever SumReducer carries the sums, because everything that crosses ranks is an exact
// integer sum (which any order of addition gives exactly) and everything else is computed
// identically on every rank from those sums:
//  - an entry's weight becomes its pixel count, llround(weight * tile_pixels) (weights are
//    count / tile_pixels, so this recovers the count exactly);
//  - colours become fixed point, q = llround(c * 256), and an entry is the point q / 256;
//  - seeding is a weighted k-means++ over a global 32x32x32 colour histogram (int64 counts and
//    fixed-point sums per bin, summed over ranks), in exact integer arithmetic with draws from
//    barcode::draw24, so every rank derives the same initial centroids;
//  - each Lloyd iteration sums per cluster (count, count*q_r, count*q_g, count*q_b) as int64 over
//    ranks; new centroid = float((double(sum) / double(count)) / 256), empty clusters stay put;
//  - assignment uses the float distance ((dr*dr + dg*dg) + db*db), ties to the lowest index (the
//    build passes -ffp-contract=off for this file, as for kmeans.cpp).
// Iterations stop when no centroid moves farther than tol or after max_iter. A last assignment
// against the final centroids gives the labels and the weights, so both agree with the colours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace barcode {

struct MoviePaletteParams {
  int clusters = 16;  // K, colours of the movie palette, 1..kMoviePaletteMaxClusters
  int max_iter = 50;  // Lloyd iterations at most
  float tol = 0.5f;   // stop when no centroid moves farther than this (0..255 RGB units)
  uint64_t seed = 0;  // seeds the k-means++ draws
  int threads = 1;    // threads of this participant (the result does not depend on them)
};

constexpr int kMoviePaletteMaxClusters = 64;

// Element-wise sum of int64 arrays over all participants (MPI ranks, GPUs; MpiSumReducer in
// mpi_sum_reducer.h, NcclSumReducer in gpu/nccl_reducer.h, threads in the tests). Every participant
// calls allreduce_sum with the same n; afterwards every one holds the sums in `data`.
class SumReducer {
 public:
  virtual ~SumReducer() = default;
  virtual void allreduce_sum(int64_t* data, size_t n) = 0;
  virtual const char* name() const = 0;
};

struct MoviePalette {
  std::vector<float> colors;    // K*3, sRGB 0..255, sorted by weight descending
  std::vector<double> weights;  // K, fraction of all pixels of all frames; 0 for unused colours
  std::vector<uint8_t> labels;  // rows*k: for each of this rank's palette entries, the index of
                                // its nearest movie colour (always < K, also for zero weights)
  int iterations = 0;           // Lloyd iterations run (0 when every weight is zero)
};

// Computes the movie palette. Collective: every participant of `reducer` calls it with the same
// k, tile_pixels and params, and its own rows (rows may be 0). `palettes` holds rows*k*3 floats
// (sRGB 0..255), `weights` rows*k fractions of the tile's pixels. When every weight of every rank
// is zero the palette is K black colours of weight 0.
//
// Throws barcode::Error: a usage error (exit code 2) for bad params (on every rank alike); for bad
// data (a colour outside 0..255, a weight outside 0..1, non-finite values), on every rank after
// the first reduction, so that no rank is left waiting in a collective.
MoviePalette compute_movie_palette(const float* palettes, const float* weights, int64_t rows, int k,
                                   int64_t tile_pixels, const MoviePaletteParams& params,
                                   SumReducer& reducer);

}  // namespace barcode
