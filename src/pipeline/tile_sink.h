// Where decoders hand their sampled frames: a sink converts each frame to a tile, clusters it
// (CPU threads or batched on a GPU) and puts the result into the ResultBook. Decoders call put()
// concurrently, each with its own decoder number; results never depend on which decoder or
// thread handled a frame (seeds come from the frame index).
#pragma once

#include <cstdint>

extern "C" {
struct AVFrame;
}

namespace barcode {

class TileSink {
 public:
  virtual ~TileSink() = default;

  // A sampled frame from decoder `decoder` for `row`; the frame is only borrowed for the call.
  virtual void put(int decoder, const AVFrame* frame, int64_t row, int64_t frame_index) = 0;

  // A tile already converted (sRGB, the analysis' size; read back from --keep-thumbs), copied
  // before the call returns. Called from one thread.
  virtual void put_tile(const uint8_t* rgb, int64_t row, int64_t frame_index) = 0;

  // Every decoder is done: cluster what is still queued, wait until every result is in the
  // book, and rethrow the first failure of the sink's own threads.
  virtual void finish() = 0;

  virtual const char* name() const = 0;
  // Summed over decoder threads; the CPU sink counts the threads' CPU time, the GPU sink wall time.
  virtual double convert_seconds() const = 0;
  // The CPU sink: CPU time of its clustering threads, summed; the GPU sink: wall time of batches.
  virtual double cluster_seconds() const = 0;
};

}  // namespace barcode
