#include "pipeline/cpu_sink.h"

#include "base/thread_cpu_clock.h"
#include "color/frame_summary.h"

namespace barcode {

CpuSink::CpuSink(const TileAnalysis& analysis, const TileSource& source, int decoders, int threads,
                 ResultBook& book)
    : analysis_(analysis),
      book_(book),
      convert_s_(static_cast<size_t>(decoders), 0.0),
      queue_(static_cast<size_t>(4 * threads + 4)) {
  for (int d = 0; d < decoders; ++d)
    converters_.push_back(
        std::make_unique<TileConverter>(TileSize{analysis.width, analysis.height}, source));
  for (int t = 0; t < threads; ++t) workers_.emplace_back([this] { cluster_loop(); });
}

CpuSink::~CpuSink() {
  if (!finished_) {
    queue_.close();
    for (auto& w : workers_) w.join();
  }
}

void CpuSink::put(int decoder, const AVFrame* frame, int64_t row, int64_t frame_index) {
  const ThreadCpuClock clock;
  Tile tile;
  tile.position = row;
  tile.frame_index = frame_index;
  tile.rgb.resize(static_cast<size_t>(analysis_.tile_bytes()));
  converters_[static_cast<size_t>(decoder)]->convert(frame, tile.rgb.data());
  convert_s_[static_cast<size_t>(decoder)] += clock.seconds();
  queue_.push(std::move(tile));
}

void CpuSink::put_tile(const uint8_t* rgb, int64_t row, int64_t frame_index) {
  Tile tile;
  tile.position = row;
  tile.frame_index = frame_index;
  tile.rgb.assign(rgb, rgb + analysis_.tile_bytes());
  queue_.push(std::move(tile));
}

void CpuSink::cluster_loop() {
  Tile tile;
  while (queue_.pop(&tile)) {
    const int64_t start_ns = ThreadCpuClock::now_ns();
    try {
      book_.add(summarize_tile_cpu(tile.rgb.data(), analysis_, tile.frame_index, tile.position));
    } catch (...) {
      book_.mark_missing(tile.position);
      failure_.capture();
    }
    cluster_ns_ += ThreadCpuClock::now_ns() - start_ns;
  }
}

void CpuSink::finish() {
  queue_.close();
  for (auto& w : workers_) w.join();
  finished_ = true;
  failure_.rethrow_if_any();
}

double CpuSink::convert_seconds() const {
  double total = 0;
  for (double s : convert_s_) total += s;
  return total;
}

// CPU seconds of the clustering threads, summed: the clustering work, comparable across thread
// counts and not inflated by the time a thread waits for a core.
double CpuSink::cluster_seconds() const {
  return static_cast<double>(cluster_ns_.load()) * 1e-9;
}

}  // namespace barcode
