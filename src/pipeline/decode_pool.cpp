#include "pipeline/decode_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

extern "C" {
#include <libavutil/frame.h>
}

#include "base/first_failure.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "base/stopwatch.h"
#include "pipeline/row_ranges.h"

namespace barcode {

int64_t min_split_rows(const Plan& plan, int64_t first, int64_t end) {
  const int64_t rows = end - first;
  if (rows <= 1) return 1;
  // Splitting a range costs a seek and the decoding from the key frame before it: keep every
  // piece at least ~2 s of film long, whatever the sampling.
  const double span = plan.frame_time(end - 1) - plan.frame_time(first);
  if (!(span > 0)) return 1;
  const double rows_per_second = static_cast<double>(rows) / span;
  return std::max<int64_t>(1, static_cast<int64_t>(2.0 * rows_per_second));
}

std::unique_ptr<RowRanges> make_row_ranges(const Plan& plan, int64_t first, int64_t end,
                                           int decoders) {
  // A new range costs the decoding from the key frame before it: about as much as a split.
  // One that starts at a key frame costs only its seek and start (a quarter of that). The key
  // rows are the whole movie's: pieces of other ranks' segments may come (rank_balance.h).
  const int64_t min_split = min_split_rows(plan, first, end);
  return std::make_unique<RowRanges>(first, end, decoders, min_split, min_split,
                                     plan.key_rows(-1, static_cast<int64_t>(plan.samples.size())),
                                     std::max<int64_t>(1, min_split / 4));
}

DecodePoolStats run_decode_pool(const Plan& plan, RowRanges& ranges,
                                const std::vector<DecodeConfig>& decoders, TileSink& sink,
                                ResultBook& book, const std::vector<uint8_t>& done,
                                const std::atomic<bool>& stop) {
  auto is_done = [&](int64_t row) { return done[static_cast<size_t>(row)] != 0; };
  // Per frame, so that a signal stops every decoder within a frame (not at the end of its range).
  auto stopping = [&] { return stop.load(std::memory_order_relaxed) || interrupt_requested(); };
  DecodePoolStats stats;
  Stopwatch clock;
  // Sessions live until every decoder is done (closing an NVDEC session while the others
  // decode stalls them), and are handed to the caller to close.
  std::vector<std::unique_ptr<SegmentDecoder>>& sessions = stats.sessions;
  for (DecodeConfig config : decoders) {
    // Over data the frame scan found damaged, every range starts from a flushed decoder: that
    // is the one the other ranks and decoder mixes have there (decoder.h, the splice).
    if (plan.damage > 0 || plan.truncated) config.splice = Splice::never;
    sessions.push_back(std::make_unique<SegmentDecoder>(plan.info, config));
  }
  std::mutex mutex;  // stats
  std::atomic<int64_t> concealed{0};
  FirstFailure failure;

  auto decode_ranges = [&](int decoder) {
    SegmentDecoder& session = *sessions[static_cast<size_t>(decoder)];
    int64_t my_ranges = 0, my_frames = 0;
    double my_seconds = 0, my_sink_seconds = 0;
    bool first_frame = true;
    for (auto range = ranges.next(decoder); range && !stopping(); range = ranges.next(decoder)) {
      int64_t next_row = range->begin;
      while (next_row < range->end && is_done(next_row) && ranges.skip(decoder, next_row)) {
        ++next_row;  // finished by an earlier run
      }
      DecodeStats range_stats;
      if (next_row < range->end) {
        // The range's time span: from its first row to the last it may have (another decoder
        // may take the far part meanwhile; take() then says where this one ends).
        Segment span;
        span.begin = plan.sample_pts(next_row);
        span.end = plan.sample_pts(range->end - 1) + 1;
        try {
          range_stats = session.decode(span, [&](const AVFrame* frame, int64_t pts) {
            if (stopping()) return false;
            for (;;) {
              const int64_t row_pts = next_row < range->end ? plan.sample_pts(next_row) : pts + 1;
              if (row_pts > pts) return next_row < range->end;    // a frame between samples
              if (!ranges.take(decoder, next_row)) return false;  // the range ends before it
              if (row_pts < pts) {
                book.mark_missing(next_row++);  // its frame never came
                continue;
              }
              if (first_frame) {
                first_frame = false;
                const DecoderStartup& startup = session.startup();
                log::stage("decoder " + std::to_string(decoder) + ": first frame (file " +
                           log::seconds(startup.file_open) + ", decoder open " +
                           log::seconds(startup.codec_open) + ", first picture " +
                           log::seconds(startup.first_picture) + " after)");
              }
              if (!is_done(next_row)) {
                if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
                  concealed.fetch_add(1, std::memory_order_relaxed);
                  book.mark_concealed(next_row);
                }
                sink.put(decoder, frame, next_row, plan.frame_index(next_row));
              }
              ++next_row;
              return true;
            }
          });
        } catch (...) {
          failure.capture();
        }
      }
      // Rows of the range this decoder never reached (the file ended, the decoder failed or a
      // signal stopped it) are missing.
      const RowRanges::Range rest = ranges.release(decoder);
      for (int64_t r = rest.begin; r < rest.end; ++r) book.mark_missing(r);
      ++my_ranges;
      my_frames += range_stats.frames;
      my_seconds += range_stats.seconds;
      my_sink_seconds += range_stats.sink_seconds;
      std::lock_guard<std::mutex> lock(mutex);
      stats.frames += range_stats.frames;
      stats.bad_packets += range_stats.bad_packets;
      if (stats.read_error.empty()) stats.read_error = range_stats.read_error;
    }
    log::stage("decoder " + std::to_string(decoder) + " done: " + std::to_string(my_ranges) +
               " ranges, " + std::to_string(my_frames) + " frames (" +
               log::seconds(my_seconds - my_sink_seconds) + " reading and decoding, " +
               log::seconds(my_sink_seconds) + " in the sink)");
  };

  std::vector<std::thread> threads;
  for (size_t d = 0; d < decoders.size(); ++d) {
    threads.emplace_back(decode_ranges, static_cast<int>(d));
  }
  for (auto& t : threads) t.join();
  stats.concealed = concealed.load();
  stats.seconds = clock.seconds();
  failure.rethrow_if_any();
  return stats;
}

std::future<void> close_in_background(std::vector<std::unique_ptr<SegmentDecoder>> sessions) {
  return std::async(std::launch::async,
                    [closing = std::move(sessions)]() mutable { closing.clear(); });
}

}  // namespace barcode
