#include "app/rank_palettes.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"

namespace barcode {

RankPalettes::RankPalettes(int k, int64_t first, int64_t end)
    : k_(k),
      first_(first),
      end_(std::max(first, end)),
      colors_(static_cast<size_t>(end_ - first_) * static_cast<size_t>(k) * 3, 0.0f),
      weights_(static_cast<size_t>(end_ - first_) * static_cast<size_t>(k), 0.0f) {}

void RankPalettes::put(int64_t position, const float* palette, const float* weights) {
  const auto r = static_cast<size_t>(position - first_);
  const auto k = static_cast<size_t>(k_);
  std::copy(palette, palette + k * 3, colors_.begin() + static_cast<long>(r * k * 3));
  std::copy(weights, weights + k, weights_.begin() + static_cast<long>(r * k));
}

void RankPalettes::keep(const std::vector<FrameColors>& rows) {
  for (const FrameColors& row : rows) {
    if (row.position >= first_ && row.position < end_) {
      put(row.position, row.palette.data(), row.weights.data());
    } else {
      FrameColors other;
      other.position = row.position;
      other.palette = row.palette;
      other.weights = row.weights;
      others_.push_back(std::move(other));
    }
  }
}

void RankPalettes::return_others(const MpiEnv& env) {
  const int ranks = env.size();
  int64_t mine[2] = {first_, end_};
  std::vector<int64_t> segments(static_cast<size_t>(ranks) * 2);
  mpi_check(MPI_Allgather(mine, 2, MPI_INT64_T, segments.data(), 2, MPI_INT64_T, env.comm()),
            "MPI_Allgather(palette segments)");
  // A record: the row, then its k*3 colours and k weights.
  const size_t floats = static_cast<size_t>(k_) * 4;
  const size_t record = sizeof(int64_t) + floats * sizeof(float);
  std::vector<std::vector<char>> outgoing(static_cast<size_t>(ranks));
  for (const FrameColors& row : others_) {
    int owner = -1;
    for (int r = 0; r < ranks; ++r) {
      const int64_t* s = &segments[static_cast<size_t>(r) * 2];
      if (row.position >= s[0] && row.position < s[1]) owner = r;
    }
    if (owner < 0) {
      throw Error("internal error: row " + std::to_string(row.position) +
                  " lies in no rank's segment");
    }
    std::vector<char>& out = outgoing[static_cast<size_t>(owner)];
    const size_t at = out.size();
    out.resize(at + record);
    std::memcpy(out.data() + at, &row.position, sizeof(int64_t));
    std::memcpy(out.data() + at + sizeof(int64_t), row.palette.data(),
                static_cast<size_t>(k_) * 3 * sizeof(float));
    std::memcpy(out.data() + at + sizeof(int64_t) + static_cast<size_t>(k_) * 3 * sizeof(float),
                row.weights.data(), static_cast<size_t>(k_) * sizeof(float));
  }
  others_.clear();
  std::vector<int> send_counts(static_cast<size_t>(ranks)), send_offsets(send_counts.size());
  std::vector<char> send;
  for (int r = 0; r < ranks; ++r) {
    const std::vector<char>& out = outgoing[static_cast<size_t>(r)];
    send_offsets[static_cast<size_t>(r)] = static_cast<int>(send.size());
    send_counts[static_cast<size_t>(r)] = static_cast<int>(out.size());
    send.insert(send.end(), out.begin(), out.end());
  }
  std::vector<int> receive_counts(send_counts.size()), receive_offsets(send_counts.size());
  mpi_check(
      MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, env.comm()),
      "MPI_Alltoall(palette counts)");
  int total = 0;
  for (size_t r = 0; r < receive_counts.size(); ++r) {
    receive_offsets[r] = total;
    total += receive_counts[r];
  }
  std::vector<char> received(static_cast<size_t>(total));
  mpi_check(
      MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, received.data(),
                    receive_counts.data(), receive_offsets.data(), MPI_BYTE, env.comm()),
      "MPI_Alltoallv(palettes of moved rows)");
  std::vector<float> values(floats);
  for (size_t at = 0; at + record <= received.size(); at += record) {
    int64_t position = 0;
    std::memcpy(&position, received.data() + at, sizeof(int64_t));
    std::memcpy(values.data(), received.data() + at + sizeof(int64_t), floats * sizeof(float));
    if (position < first_ || position >= end_) {
      throw Error("internal error: palette of row " + std::to_string(position) +
                  " sent to a rank that does not own it");
    }
    put(position, values.data(), values.data() + static_cast<size_t>(k_) * 3);
  }
}

}  // namespace barcode
