// The movie palette under real MPI: run with 1..N ranks. Every rank generates the same synthetic
// frame palettes, takes its own rows under two uneven splits, and computes the palette with
// MpiSumReducer. Checks:
//  (a) every rank holds the same colours, weights and iteration count as rank 0, bit for bit;
//  (b) that result, and the labels gathered from all ranks, equal rank 0's one-process
//      computation over all rows, bit for bit;
//  (c) with K equal to the number of generating centres, each centre is found within 2 levels;
//  (d) every label is the index of the nearest palette colour.
// Exit code 0 when all hold; one summary line from rank 0.
#include <mpi.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "app/mpi_sum_reducer.h"
#include "color/kmeans.h"
#include "color/movie_palette.h"

namespace {

using barcode::MoviePalette;
using barcode::MoviePaletteParams;

constexpr int64_t kRows = 3000;
constexpr int kK = 8;  // colours per frame palette
constexpr int64_t kTilePixels = 14400;

// The colours the synthetic frames are drawn around; centre c is picked with weight c + 1.
constexpr int kCentres = 6;
constexpr float kCentre[kCentres][3] = {{30.5f, 40.25f, 200.75f}, {220.0f, 35.0f, 40.0f},
                                        {60.0f, 180.0f, 70.5f},   {200.0f, 200.0f, 60.0f},
                                        {120.0f, 60.0f, 160.0f},  {235.0f, 235.0f, 230.0f}};
constexpr float kNoise = 4.0f;  // each channel is off its centre by up to +-kNoise

// One process holds every row: its sums are already the totals.
class LocalSumReducer : public barcode::SumReducer {
 public:
  void allreduce_sum(int64_t*, size_t) override {}
  const char* name() const override { return "local"; }
};

double uniform(uint64_t key) {
  return static_cast<double>(barcode::mix64(key) >> 11) / static_cast<double>(uint64_t{1} << 53);
}

struct Palettes {
  std::vector<float> colors;   // kRows*kK*3
  std::vector<float> weights;  // kRows*kK
};

// Row r: 1..kK entries with weight (the rest have count 0, as a frame with fewer distinct colours
// than k would), counts summing to kTilePixels, sorted by count as real palettes are.
Palettes synthetic_palettes() {
  Palettes p;
  p.colors.reserve(kRows * kK * 3);
  p.weights.reserve(kRows * kK);
  for (int64_t r = 0; r < kRows; ++r) {
    uint64_t key = barcode::mix64(static_cast<uint64_t>(r) + 12345);
    const int used = 1 + static_cast<int>(barcode::mix64(++key) % kK);
    std::array<int64_t, kK> counts{};
    double total = 0;
    std::array<double, kK> share{};
    for (int j = 0; j < used; ++j) total += share[j] = 0.05 + uniform(++key);
    int64_t left = kTilePixels;
    for (int j = 0; j < used; ++j) {
      counts[j] = j + 1 == used ? left : static_cast<int64_t>(share[j] / total * kTilePixels);
      left -= counts[j];
    }
    std::sort(counts.begin(), counts.end(), [](int64_t a, int64_t b) { return a > b; });
    for (int j = 0; j < kK; ++j) {
      // Centre c with probability (c + 1) / 21.
      auto pick = static_cast<int>(barcode::mix64(++key) % 21);
      int c = 0;
      while (pick >= c + 1) {  // centre c covers c + 1 values of pick
        pick -= c + 1;
        ++c;
      }
      for (int ch = 0; ch < 3; ++ch) {
        p.colors.push_back(kCentre[c][ch] +
                           static_cast<float>((uniform(++key) * 2.0 - 1.0) * kNoise));
      }
      p.weights.push_back(static_cast<float>(static_cast<double>(counts[j]) / kTilePixels));
    }
  }
  return p;
}

// First row of each rank under a split in which rank r's share is shares(r) (some may be 0).
template <typename Shares>
std::vector<int64_t> split_rows(int size, Shares shares) {
  std::vector<int64_t> first(size + 1, 0);
  int64_t total = 0;
  for (int r = 0; r < size; ++r) total += shares(r);
  for (int r = 0; r < size; ++r) first[r + 1] = first[r] + shares(r);
  for (auto& f : first) f = total == 0 ? 0 : f * kRows / total;
  first[size] = kRows;
  return first;
}

bool same_bits(const MoviePalette& a, const MoviePalette& b) {
  return a.iterations == b.iterations && a.colors.size() == b.colors.size() &&
         a.weights.size() == b.weights.size() &&
         std::memcmp(a.colors.data(), b.colors.data(), a.colors.size() * sizeof(float)) == 0 &&
         std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0;
}

// (d): label i is nearest to the point entry i stands for (its fixed-point colour), allowing for
// the float rounding of the palette's own distance.
int64_t wrong_labels(const Palettes& p, int64_t first_row, const MoviePalette& m, int clusters) {
  int64_t wrong = 0;
  for (size_t e = 0; e < m.labels.size(); ++e) {
    const size_t i = static_cast<size_t>(first_row * kK) + e;
    std::vector<double> d(clusters, 0.0);
    for (int j = 0; j < clusters; ++j) {
      for (int ch = 0; ch < 3; ++ch) {
        const double q =
            static_cast<double>(std::llround(static_cast<double>(p.colors[3 * i + ch]) * 256));
        const double diff = q / 256 - m.colors[3 * j + ch];
        d[j] += diff * diff;
      }
    }
    const double best = *std::min_element(d.begin(), d.end());
    if (m.labels[e] >= clusters || d[m.labels[e]] > best + 1e-4 * (1 + best)) ++wrong;
  }
  return wrong;
}

// (c): the largest distance (max over channels) from a generating centre to its nearest colour.
double worst_centre_error(const MoviePalette& m, int clusters) {
  double worst = 0;
  for (const auto& centre : kCentre) {
    double best = 1e9;
    for (int j = 0; j < clusters; ++j) {
      double err = 0;
      for (int ch = 0; ch < 3; ++ch) {
        err = std::max(err, std::fabs(static_cast<double>(m.colors[3 * j + ch]) - centre[ch]));
      }
      best = std::min(best, err);
    }
    worst = std::max(worst, best);
  }
  return worst;
}

int run(int rank, int size) {
  const Palettes p = synthetic_palettes();
  const std::vector<std::vector<int64_t>> splits = {
      split_rows(size, [](int r) { return int64_t{(r * 7 + 3) % 5}; }),  // uneven, may hold 0
      split_rows(size, [](int r) { return int64_t{r} * r + 1; }),        // growing shares
  };
  struct Case {
    MoviePaletteParams params;
    bool centres_known;
  };
  std::vector<Case> cases(3);
  cases[0].params.clusters = kCentres;
  cases[0].params.seed = 7;
  cases[0].centres_known = true;
  cases[1].centres_known = false;  // the defaults: 16 colours, seed 0
  cases[2].params.clusters = 40;   // many colours, run until nothing moves: long Lloyd runs
  cases[2].params.tol = 0.0f;
  cases[2].params.seed = 3;
  cases[2].centres_known = false;

  int failures = 0;
  const auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "rank %d: FAIL: %s\n", rank, what.c_str());
    ++failures;
  };
  barcode::MpiSumReducer mpi(MPI_COMM_WORLD);
  double centre_error = 0;
  int iterations = 0;
  for (const Case& c : cases) {
    const int clusters = c.params.clusters;
    MoviePalette whole;  // rank 0 only: all rows in one process
    if (rank == 0) {
      LocalSumReducer local;
      whole = barcode::compute_movie_palette(p.colors.data(), p.weights.data(), kRows, kK,
                                             kTilePixels, c.params, local);
      iterations = std::max(iterations, whole.iterations);
      if (c.centres_known) {
        centre_error = worst_centre_error(whole, clusters);
        if (centre_error > 2.0) fail("a centre is " + std::to_string(centre_error) + " off");
      }
      const int64_t wrong = wrong_labels(p, 0, whole, clusters);
      if (wrong != 0) fail(std::to_string(wrong) + " labels of the whole run are not nearest");
    }
    for (size_t s = 0; s < splits.size(); ++s) {
      const std::string tag = "K=" + std::to_string(clusters) + " split " + std::to_string(s);
      const int64_t first = splits[s][rank], rows = splits[s][rank + 1] - first;
      const MoviePalette mine = barcode::compute_movie_palette(p.colors.data() + first * kK * 3,
                                                               p.weights.data() + first * kK, rows,
                                                               kK, kTilePixels, c.params, mpi);

      // (a) rank 0's result, broadcast, equals every rank's.
      MoviePalette root = mine;
      MPI_Bcast(root.colors.data(), 3 * clusters, MPI_FLOAT, 0, MPI_COMM_WORLD);
      MPI_Bcast(root.weights.data(), clusters, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      MPI_Bcast(&root.iterations, 1, MPI_INT, 0, MPI_COMM_WORLD);
      if (!same_bits(mine, root)) fail(tag + ": differs from rank 0");

      // (b) gathered labels and the palette equal the one-process computation.
      std::vector<int> counts(size), displs(size);
      for (int r = 0; r < size; ++r) {
        counts[r] = static_cast<int>((splits[s][r + 1] - splits[s][r]) * kK);
        displs[r] = static_cast<int>(splits[s][r] * kK);
      }
      std::vector<uint8_t> labels(rank == 0 ? kRows * kK : 0);
      MPI_Gatherv(mine.labels.data(), static_cast<int>(mine.labels.size()), MPI_UINT8_T,
                  labels.data(), counts.data(), displs.data(), MPI_UINT8_T, 0, MPI_COMM_WORLD);
      if (rank == 0) {
        if (!same_bits(mine, whole)) fail(tag + ": differs from the one-process result");
        if (labels != whole.labels) fail(tag + ": labels differ from the one-process result");
      }

      // (d) on this rank's own rows.
      const int64_t wrong = wrong_labels(p, first, mine, clusters);
      if (wrong != 0) fail(tag + ": " + std::to_string(wrong) + " labels are not nearest");
    }
  }

  int all_failures = 0;
  MPI_Allreduce(&failures, &all_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) {
    std::printf(
        "movie_palette_mpi_test: %s, %d rank(s), %lld rows x %d, 2 splits x K in {%d,16,40}, "
        "bit-identical to 1 process, centres within %.3f levels, max %d iterations\n",
        all_failures == 0 ? "PASS" : "FAIL", size, static_cast<long long>(kRows), kK, kCentres,
        centre_error, iterations);
  }
  return all_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int code = 1;
  try {
    code = run(rank, size);
  } catch (const std::exception& e) {
    // A failure here may leave other ranks in a collective: end the whole job.
    std::fprintf(stderr, "rank %d: error: %s\n", rank, e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return code;
}
