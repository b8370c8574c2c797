// The GPU sink: each decoder converts its sampled frames straight into a slot of a device batch
// (NVDEC surfaces by the NV12/P010 kernel, software frames by swscale and an upload), and one
// thread clusters full batches with the batched k-means kernel while decoders fill the next.
// Three batches rotate, so decoding, conversion and clustering overlap and memory stays bounded.
// Beside the k-means, each batch's rows of linear light (mean colour, `smooth` column) are summed
// on the device, tiles are turned into CIELAB codes for --space lab, and with --keep-thumbs the
// tiles are copied back to the host.
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/first_failure.h"
#include "color/frame_summary.h"
#include "color/yuv_planes.h"
#include "gpu/cuda_resources.h"
#include "gpu/gpu_kmeans.h"
#include "pipeline/result_book.h"
#include "pipeline/tile_sink.h"
#include "video/decoder.h"
#include "video/ffmpeg_util.h"
#include "video/tile_converter.h"

namespace barcode::gpu {

class GpuSink : public TileSink {
 public:
  GpuSink(int device, const TileAnalysis& analysis, const TileSource& source, int decoders,
          int batch_frames, ResultBook& book);
  ~GpuSink() override;

  void put(int decoder, const AVFrame* frame, int64_t row, int64_t frame_index) override;
  void put_tile(const uint8_t* rgb, int64_t row, int64_t frame_index) override;
  void finish() override;
  const char* name() const override { return "GPU"; }
  double convert_seconds() const override;
  double cluster_seconds() const override { return cluster_s_; }

 private:
  struct Batch {
    DeviceBuffer<uint8_t> tiles;  // capacity * tile bytes
    std::vector<int64_t> rows, frame_indices;
    std::vector<uint8_t> valid;  // 0 where the conversion failed
    // 1 where the tile's conversion may still run when the slot is committed: `filled` (one
    // event per slot) marks its end, and the clustering waits for it on the device.
    std::vector<uint8_t> pending;
    std::vector<CudaEvent> filled;
    int allocated = 0;    // slots handed to decoders
    int committed = 0;    // slots whose conversion finished
    bool closed = false;  // no more slots will be handed out (full or finishing)
  };
  // One decoder's own CUDA stream and buffers for frames that arrive in host memory.
  struct Lane {
    CudaStream stream;                  // for NVDEC surfaces
    CudaEvent copied;                   // FFmpeg's copy of an NVDEC picture is done
    CudaStream upload_stream;           // non-blocking: for tiles made on the host
    PinnedBuffer<uint8_t> pinned_tile;  // one tile
    std::unique_ptr<TileConverter> converter;
    FramePtr host_frame;           // for surfaces the kernel cannot read (transferred)
    DeviceBuffer<uint8_t> planes;  // a software-decoded frame's planes, uploaded
    // The lane's last kSinkHeldPictures frames (surfaces or pictures), each referenced until
    // the event after the work that reads it; the oldest is released for the next frame, so a
    // decoder waits for the conversion of a frame kSinkHeldPictures back, not of its last.
    std::array<FramePtr, kSinkHeldPictures> held;
    std::array<CudaEvent, kSinkHeldPictures> converted;
    int next_held = 0;  // the slot the next frame takes
    double convert_s = 0;
    double held_wait_s = 0;  // of convert_s: waiting for the held frame's conversion to end
  };

  // Takes a slot of the filling batch for `row`, fills it with `fill(device_tile, filled)` and
  // commits it (marks the row missing when the sink has failed); fill returns whether it left
  // work running that records `filled` when done.
  template <typename Fill>
  void put_slot(int64_t row, int64_t frame_index, Fill fill);
  void allocate();  // the constructor's device and pinned buffers
  void make_lane(Lane& lane);
  // Converts `frame` into `device_tile`; true when the work is still running and `filled`
  // marks its end, false when it is done.
  bool convert(Lane& lane, const AVFrame* frame, uint8_t* device_tile, cudaEvent_t filled);
  // Keeps a reference to `frame` in the lane's next slot, releasing the frame held there
  // before; returns the event to record after the work that reads the frame.
  cudaEvent_t hold(Lane& lane, const AVFrame* frame);
  // Waits for a slot's `converted`, then drops its frame (nothing when it holds none).
  void release_held(Lane& lane, int slot);
  void release_all_held(Lane& lane);
  YuvPlanes cropped(const YuvPlanes& planes) const;  // the run's crop of a frame's planes
  // Copies the host planes into the lane's device buffer on its upload stream (asynchronous
  // where the frame's memory is page-locked); returns them as they lie on the device.
  YuvPlanes upload_planes(Lane& lane, const YuvPlanes& host);
  void launch_tile(const YuvPlanes& planes, const AVFrame* frame, uint8_t* device_tile,
                   cudaStream_t stream);
  void cluster_loop();
  void cluster_batch(Batch& batch);
  void close_filling();  // with mutex_ held
  void fail(std::exception_ptr failure);
  int take_free_batch();  // with mutex_ held; -1 when none

  int device_;
  TileAnalysis analysis_;
  TileSize tile_;         // as shown
  TileSize stored_tile_;  // as the kernel makes it from the frame, before it is turned
  TileSource source_;     // the crop, tone mapping and orientation of every frame
  int capacity_;
  ResultBook& book_;
  BatchedKmeans kmeans_;
  // Per-batch colour work on the clustering thread's stream (see the class comment). The
  // buffers are released by their destructors, after the destructor has joined that thread.
  CudaStream stream_;
  DeviceBuffer<uint16_t> linear_;        // srgb_to_linear16()
  DeviceBuffer<int32_t> curve_;          // lab_curve_table() (--space lab)
  DeviceBuffer<double> tone_light_;      // ToneMap::light() (HDR input)
  DeviceBuffer<double> tone_threshold_;  // ToneMap::threshold() (HDR input)
  ToneMapTables device_tone_;            // pointing at the two above
  DeviceBuffer<uint8_t> lab_tiles_;      // capacity tiles of CIELAB codes (--space lab)
  DeviceBuffer<uint64_t> row_light_;     // capacity * height * 3
  PinnedBuffer<uint64_t> host_light_;    // the same
  PinnedBuffer<uint8_t> host_thumbs_;    // capacity tiles (--keep-thumbs)
  std::vector<Batch> batches_;
  std::vector<Lane> lanes_;
  Lane upload_;  // put_tile's stream and pinned tile
  std::mutex mutex_;
  std::condition_variable changed_;
  int filling_ = -1;              // batch receiving slots, -1 while none is free
  std::deque<int> free_, ready_;  // batch numbers
  bool finishing_ = false;
  bool failed_ = false;   // with mutex_ held: a failure was captured
  FirstFailure failure_;  // of the decoders' conversions and the clustering thread
  double cluster_s_ = 0;
  double waited_s_ = 0;  // with mutex_ held: decoders' time waiting for a free batch, summed
  std::thread cluster_thread_;
};

}  // namespace barcode::gpu
