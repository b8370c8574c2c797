// Compares two barcode HDF5 files of the same input (e.g. the GPU path against the CPU
// reference): the same frames, and how close the per-frame results are.
//
//   compare_runs REFERENCE.h5 OTHER.h5 [--min-inertia-share 0.99] [--min-de-share 0.95]
//
// Prints one line: frames compared, the share of frames whose inertia is within 1% of the
// reference's, the share whose dominant colours differ by CIEDE2000 <= 2, the largest mean-colour
// difference, and exact palette and column matches. Exits 0 when the shares reach the given
// minimums (the GPU path's acceptance criteria), 1 otherwise, 2 on unusable input.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/error.h"
#include "color/delta_e.h"
#include "store/h5_read.h"

int main(int argc, char** argv) {
  using namespace barcode;
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: compare_runs REFERENCE.h5 OTHER.h5 [--min-inertia-share S] "
                 "[--min-de-share S]\n");
    return 2;
  }
  double min_inertia_share = 0.99, min_de_share = 0.95;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--min-inertia-share")
      min_inertia_share = std::atof(argv[i + 1]);
    else if (flag == "--min-de-share")
      min_de_share = std::atof(argv[i + 1]);
  }
  try {
    const BarcodeFile ref = read_barcode_file(argv[1]);
    const BarcodeFile other = read_barcode_file(argv[2]);
    if (ref.pts != other.pts || ref.k != other.k) {
      std::printf("compare_runs: the files list different frames or k: not comparable\n");
      return 1;
    }
    int64_t compared = 0, inertia_ok = 0, de_ok = 0, exact = 0, done_differs = 0;
    int64_t same_columns = 0;
    const bool columns = ref.column_height > 0 && ref.column_height == other.column_height;
    const size_t column_bytes = static_cast<size_t>(ref.column_height) * 3;
    int mean_max = 0;
    double de_max = 0;
    for (int64_t i = 0; i < ref.samples; ++i) {
      const auto r = static_cast<size_t>(i);
      if (ref.done[r] != other.done[r]) ++done_differs;
      if (!ref.done[r] || !other.done[r]) continue;
      ++compared;
      const double a = ref.inertia[r], b = other.inertia[r];
      if (std::fabs(a - b) <= 0.01 * std::fabs(a) + 1e-9) ++inertia_ok;
      const std::array<uint8_t, 3> da{ref.dominant[r * 3], ref.dominant[r * 3 + 1],
                                      ref.dominant[r * 3 + 2]};
      const std::array<uint8_t, 3> db{other.dominant[r * 3], other.dominant[r * 3 + 1],
                                      other.dominant[r * 3 + 2]};
      const double de = delta_e2000(srgb_to_lab(da), srgb_to_lab(db));
      de_max = std::max(de_max, de);
      if (de <= 2.0) ++de_ok;
      for (int c = 0; c < 3; ++c) {
        mean_max = std::max(mean_max, std::abs(ref.mean[r * 3 + c] - other.mean[r * 3 + c]));
      }
      const size_t kk = static_cast<size_t>(ref.k) * 3;
      bool same = true;
      for (size_t j = 0; j < kk; ++j)
        same = same && ref.palette[r * kk + j] == other.palette[r * kk + j];
      if (same) ++exact;
      if (columns && std::equal(ref.column.begin() + static_cast<long>(r * column_bytes),
                                ref.column.begin() + static_cast<long>((r + 1) * column_bytes),
                                other.column.begin() + static_cast<long>(r * column_bytes))) {
        ++same_columns;
      }
    }
    const bool movie_same =
        ref.movie_palette == other.movie_palette && ref.movie_labels == other.movie_labels;
    const double n = compared > 0 ? static_cast<double>(compared) : 1.0;
    const double inertia_share = static_cast<double>(inertia_ok) / n;
    const double de_share = static_cast<double>(de_ok) / n;
    std::printf(
        "frames %lld (done differs %lld): inertia within 1%% %.4f, dominant dE2000<=2 %.4f "
        "(max %.2f), mean colour max diff %d, identical palettes %.4f, identical columns %.4f, "
        "movie palette %s\n",
        static_cast<long long>(compared), static_cast<long long>(done_differs), inertia_share,
        de_share, de_max, mean_max, static_cast<double>(exact) / n,
        static_cast<double>(same_columns) / n, movie_same ? "identical" : "differs");
    const bool pass = compared > 0 && done_differs == 0 && inertia_share >= min_inertia_share &&
                      de_share >= min_de_share;
    return pass ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "compare_runs: %s\n", e.what());
    return 2;
  }
}
