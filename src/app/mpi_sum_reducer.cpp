#include "app/mpi_sum_reducer.h"

#include <algorithm>

#include "base/mpi_env.h"

namespace barcode {

void MpiSumReducer::allreduce_sum(int64_t* data, size_t n) {
  // MPI counts are int: reduce very long arrays in pieces (the sums are exact either way).
  constexpr size_t kMaxPiece = size_t{1} << 30;
  for (size_t done = 0; done < n;) {
    const size_t piece = std::min(kMaxPiece, n - done);
    mpi_check(MPI_Allreduce(MPI_IN_PLACE, data + done, static_cast<int>(piece), MPI_INT64_T,
                            MPI_SUM, comm_),
              "MPI_Allreduce(movie palette sums)");
    done += piece;
  }
}

}  // namespace barcode
