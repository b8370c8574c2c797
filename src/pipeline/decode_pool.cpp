#include "pipeline/decode_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "summary.h"

namespace barcode {

std::vector<int64_t> chunk_rows(int64_t first, int64_t end, int chunks, int64_t min_rows) {
  std::vector<int64_t> bounds;
  const int64_t rows = end - first;
  if (rows <= 0) return {first, first};
  int64_t count =
      std::max<int64_t>(1, std::min<int64_t>(chunks, rows / std::max<int64_t>(min_rows, 1)));
  for (int64_t c = 0; c <= count; ++c) bounds.push_back(first + rows * c / count);
  return bounds;
}

DecodePoolStats run_decode_pool(const Plan& plan, int64_t first, int64_t end,
                                const std::vector<DecodeConfig>& decoders, TileSink& sink,
                                ResultBook& book, const std::vector<uint8_t>& done,
                                const std::atomic<bool>& stop) {
  auto is_done = [&](int64_t row) { return done[static_cast<size_t>(row - first)] != 0; };
  DecodePoolStats stats;
  Stopwatch clock;
  // A few chunks per decoder balance the load; chunks of fewer than ~4 s of rows waste too much
  // decoding from the key frame before each start.
  const int64_t min_rows =
      std::max<int64_t>(1, static_cast<int64_t>(4.0 * std::max(plan.info.frame_rate, 1.0)));
  const int wanted = decoders.size() == 1 ? 1 : static_cast<int>(decoders.size()) * 3;
  const std::vector<int64_t> bounds = chunk_rows(first, end, wanted, min_rows);
  const auto chunks = static_cast<int64_t>(bounds.size()) - 1;
  std::atomic<int64_t> next_chunk{0};
  std::mutex mutex;
  std::exception_ptr failure;

  auto decode_chunks = [&](int decoder) {
    SegmentDecoder session(plan.info, decoders[static_cast<size_t>(decoder)]);
    for (int64_t c = next_chunk++; c < chunks && !stop; c = next_chunk++) {
      int64_t row_begin = bounds[static_cast<size_t>(c)];
      const int64_t row_end = bounds[static_cast<size_t>(c) + 1];
      while (row_begin < row_end && is_done(row_begin)) ++row_begin;  // finished earlier
      if (row_begin >= row_end) continue;
      // The chunk's time range: from its first sample up to (not including) the next chunk's.
      Segment range;
      range.begin = plan.sample_pts(row_begin);
      range.end = plan.sample_pts(row_end - 1) + 1;
      int64_t next_row = row_begin;
      DecodeStats chunk_stats;
      try {
        chunk_stats = session.decode(range, [&](const AVFrame* frame, int64_t pts) {
          while (next_row < row_end && plan.sample_pts(next_row) < pts) {
            book.mark_missing(next_row++);
          }
          if (next_row >= row_end) return false;
          if (plan.sample_pts(next_row) != pts) return true;
          sink.put(decoder, frame, next_row, plan.frame_index(next_row));
          ++next_row;
          return next_row < row_end;
        });
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex);
      for (int64_t r = next_row; r < row_end; ++r) book.mark_missing(r);
      stats.frames += chunk_stats.frames;
      stats.bad_packets += chunk_stats.bad_packets;
      if (stats.read_error.empty()) stats.read_error = chunk_stats.read_error;
    }
  };

  std::vector<std::thread> threads;
  for (size_t d = 0; d < decoders.size(); ++d) {
    threads.emplace_back(decode_chunks, static_cast<int>(d));
  }
  for (auto& t : threads) t.join();
  stats.seconds = clock.seconds();
  if (failure) std::rethrow_exception(failure);
  return stats;
}

}  // namespace barcode
