// The CPU sink: swscale tiles (one converter per decoder) into a bounded queue, clustered by a
// pool of threads with the CPU k-means reference.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "base/first_failure.h"
#include "base/tile_queue.h"
#include "color/frame_summary.h"
#include "pipeline/result_book.h"
#include "pipeline/tile_sink.h"
#include "video/tile_converter.h"

namespace barcode {

class CpuSink : public TileSink {
 public:
  CpuSink(const TileAnalysis& analysis, const TileSource& source, int decoders, int threads,
          ResultBook& book);
  ~CpuSink() override;

  void put(int decoder, const AVFrame* frame, int64_t row, int64_t frame_index) override;
  void put_tile(const uint8_t* rgb, int64_t row, int64_t frame_index) override;
  void finish() override;
  const char* name() const override { return "CPU"; }
  double convert_seconds() const override;
  double cluster_seconds() const override;

 private:
  void cluster_loop();

  TileAnalysis analysis_;
  ResultBook& book_;
  std::vector<std::unique_ptr<TileConverter>> converters_;  // one per decoder
  std::vector<double> convert_s_;                           // one per decoder
  TileQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<int64_t> cluster_ns_{0};
  FirstFailure failure_;  // of the clustering threads
  bool finished_ = false;
};

}  // namespace barcode
