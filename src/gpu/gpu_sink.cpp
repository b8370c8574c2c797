#include "gpu/gpu_sink.h"

#include <cuda_runtime_api.h>

#include <cstring>

#include "base/error.h"
#include "base/log.h"
#include "base/stage_mark.h"
#include "base/stopwatch.h"
#include "color/frame_summary.h"
#include "color/lab8.h"
#include "color/srgb.h"
#include "cuda_check.h"
#include "nv12_tile.h"
#include "tile_color.h"
#include "video/yuv_tile.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

namespace barcode::gpu {
namespace {

constexpr int kBatches = 3;

// `values` (a vector or an array) uploaded into a new device buffer.
template <typename Values>
DeviceBuffer<typename Values::value_type> upload(const Values& values) {
  DeviceBuffer<typename Values::value_type> buffer(values.size());
  CUDA_CHECK(cudaMemcpy(buffer.get(), values.data(), buffer.bytes(), cudaMemcpyHostToDevice));
  return buffer;
}

}  // namespace

GpuSink::GpuSink(int device, const TileAnalysis& analysis, const TileSource& source, int decoders,
                 int batch_frames, ResultBook& book)
    : device_(device),
      analysis_(analysis),
      tile_{analysis.width, analysis.height},
      stored_tile_(stored_tile_size(tile_, source.orientation)),
      source_(source),
      capacity_(batch_frames),
      book_(book),
      kmeans_(device, batch_frames, static_cast<int>(analysis.pixels()), analysis.kmeans),
      batches_(kBatches),
      lanes_(static_cast<size_t>(decoders)) {
  allocate();  // on failure, the members' destructors release what it made
  filling_ = take_free_batch();
  cluster_thread_ = std::thread([this] { cluster_loop(); });
}

void GpuSink::make_lane(Lane& lane) {
  // Non-blocking: ordered after FFmpeg's copy of each picture by an event on the copy's stream
  // (convert). Without that order a non-blocking stream raced the copy and read parts of older
  // pictures (seen on an H200: results depended on the number of decode sessions).
  lane.stream = CudaStream(cudaStreamNonBlocking);
  lane.copied = CudaEvent(cudaEventDisableTiming);
  // Tiles made on the host need no order against FFmpeg's copies: their upload does not wait
  // for them (a blocking stream would).
  lane.upload_stream = CudaStream(cudaStreamNonBlocking);
  lane.pinned_tile.allocate(static_cast<size_t>(analysis_.tile_bytes()));
  lane.converter = std::make_unique<TileConverter>(tile_, source_);
  lane.host_frame = make_frame();
  for (int slot = 0; slot < kSinkHeldPictures; ++slot) {
    lane.converted[slot] = CudaEvent(cudaEventDisableTiming | cudaEventBlockingSync);
    lane.held[slot] = make_frame();
  }
}

void GpuSink::allocate() {
  CUDA_CHECK(cudaSetDevice(device_));
  const size_t tile_bytes = static_cast<size_t>(tile_.pixels()) * 3;
  const size_t slots = static_cast<size_t>(capacity_);
  for (int b = 0; b < kBatches; ++b) {
    Batch& batch = batches_[static_cast<size_t>(b)];
    batch.tiles.allocate(tile_bytes * slots);
    batch.rows.resize(slots);
    batch.frame_indices.resize(slots);
    batch.valid.resize(slots);
    batch.pending.resize(slots);
    for (size_t i = 0; i < slots; ++i) batch.filled.emplace_back(cudaEventDisableTiming);
    free_.push_back(b);
  }
  for (Lane& lane : lanes_) make_lane(lane);
  make_lane(upload_);
  // Non-blocking: every tile of a batch was complete (its lane synchronised) before the batch
  // was queued, so clustering need not wait for FFmpeg's copies, nor they for it.
  stream_ = CudaStream(cudaStreamNonBlocking);
  linear_ = upload(srgb_to_linear16());
  const size_t light = slots * static_cast<size_t>(tile_.height) * 3;
  row_light_.allocate(light);
  host_light_.allocate(light);
  if (source_.tone.active()) {
    // HDR: the host's tone map tables uploaded as they are, so the kernel reads the CPU twin's
    // very numbers.
    const ToneMap tone(source_.tone);
    tone_light_ = upload(tone.light());
    tone_threshold_ = upload(tone.threshold());
    device_tone_ = tone.tables();
    device_tone_.light = tone_light_.get();
    device_tone_.threshold = tone_threshold_.get();
  }
  if (analysis_.space == ColorSpace::kLab) {
    curve_ = upload(lab_curve_table());
    lab_tiles_.allocate(tile_bytes * slots);
  }
  if (analysis_.keep_thumbs) {
    host_thumbs_.allocate(tile_bytes * slots);
  }
}

GpuSink::~GpuSink() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finishing_ = true;
    changed_.notify_all();
  }
  if (cluster_thread_.joinable()) cluster_thread_.join();
  // Pictures still held go back to their decoders once no copy reads them.
  for (Lane& lane : lanes_) {
    try {
      release_all_held(lane);
    } catch (...) {  // the job is ending with an earlier failure: the pictures are dropped
      for (FramePtr& held : lane.held) av_frame_unref(held.get());
    }
  }
  // The members free the buffers and streams next, on this device. Errors while releasing are
  // not worth a second report: the job is ending either way.
  (void)cudaSetDevice(device_);
}

int GpuSink::take_free_batch() {
  if (free_.empty()) return -1;
  const int b = free_.front();
  free_.pop_front();
  return b;
}

void GpuSink::fail(std::exception_ptr failure) {
  failure_.capture(std::move(failure));
  std::lock_guard<std::mutex> lock(mutex_);
  failed_ = true;
  changed_.notify_all();
}

template <typename Fill>
void GpuSink::put_slot(int64_t row, int64_t frame_index, Fill fill) {
  int b = -1, slot = -1;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // Wait for a batch with room: the decoders pause while all batches are queued or clustering.
    if (filling_ < 0 && !failed_) {
      Stopwatch waiting;
      changed_.wait(lock, [&] { return filling_ >= 0 || failed_; });
      waited_s_ += waiting.seconds();
    }
    if (failed_) {
      book_.mark_missing(row);
      return;
    }
    b = filling_;
    Batch& batch = batches_[static_cast<size_t>(b)];
    slot = batch.allocated++;
    batch.rows[static_cast<size_t>(slot)] = row;
    batch.frame_indices[static_cast<size_t>(slot)] = frame_index;
    if (batch.allocated == capacity_) close_filling();
  }
  Batch& batch = batches_[static_cast<size_t>(b)];
  uint8_t valid = 1, pending = 0;
  try {
    pending = fill(batch.tiles.get() +
                       static_cast<size_t>(slot) * static_cast<size_t>(analysis_.tile_bytes()),
                   batch.filled[static_cast<size_t>(slot)].get())
                  ? 1
                  : 0;
  } catch (...) {
    valid = 0;
    fail(std::current_exception());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  batch.valid[static_cast<size_t>(slot)] = valid;
  batch.pending[static_cast<size_t>(slot)] = pending;
  ++batch.committed;
  if (batch.closed && batch.committed == batch.allocated) {
    ready_.push_back(b);
    changed_.notify_all();
  }
}

void GpuSink::close_filling() {
  if (filling_ < 0) return;
  Batch& batch = batches_[static_cast<size_t>(filling_)];
  if (batch.allocated == 0) return;  // nothing to cluster: keep filling it
  batch.closed = true;
  // Slots still being converted commit later; the last of them queues the batch.
  if (batch.committed == batch.allocated) ready_.push_back(filling_);
  filling_ = take_free_batch();
  changed_.notify_all();
}

void GpuSink::put(int decoder, const AVFrame* frame, int64_t row, int64_t frame_index) {
  put_slot(row, frame_index, [&](uint8_t* device_tile, cudaEvent_t filled) {
    Lane& lane = lanes_[static_cast<size_t>(decoder)];
    const StageMark range("convert");
    Stopwatch clock;
    const bool pending = convert(lane, frame, device_tile, filled);
    lane.convert_s += clock.seconds();
    return pending;
  });
}

void GpuSink::put_tile(const uint8_t* rgb, int64_t row, int64_t frame_index) {
  put_slot(row, frame_index, [&](uint8_t* device_tile, cudaEvent_t) {
    // Through pinned memory and a wait on the copy's own stream: the tile is on the device
    // when the slot is committed, whatever streams the clustering uses.
    const auto bytes = static_cast<size_t>(analysis_.tile_bytes());
    CUDA_CHECK(cudaSetDevice(device_));
    std::memcpy(upload_.pinned_tile.get(), rgb, bytes);
    const cudaStream_t stream = upload_.upload_stream.get();
    CUDA_CHECK(cudaMemcpyAsync(device_tile, upload_.pinned_tile.get(), bytes,
                               cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    return false;
  });
}

YuvPlanes GpuSink::cropped(const YuvPlanes& planes) const {
  return source_.crop.whole() ? planes : crop_planes(planes, source_.crop);
}

void GpuSink::launch_tile(const YuvPlanes& planes, const AVFrame* frame, uint8_t* device_tile,
                          cudaStream_t stream) {
  launch_yuv420_to_rgb_tile(planes, yuv_matrix_of(frame),
                            frame_full_range(frame) ? YuvRange::kFull : YuvRange::kLimited,
                            device_tile, stored_tile_.width, stored_tile_.height, stream,
                            source_.tone.active() ? &device_tone_ : nullptr, source_.orientation);
}

YuvPlanes GpuSink::upload_planes(Lane& lane, const YuvPlanes& host) {
  const size_t bytes = host.sixteen_bit ? 2 : 1;
  const auto rows = static_cast<size_t>(host.height);
  const auto chroma_rows = (rows + 1) / 2;
  const size_t luma_row = static_cast<size_t>(host.width) * bytes;
  // The samples of the last chroma pair a row reads, interleaved or planar.
  const size_t chroma_row =
      (static_cast<size_t>((host.width + 1) / 2 - 1) * static_cast<size_t>(host.chroma_step) + 1) *
      bytes;
  // Rows padded to 256 bytes, as cudaMallocPitch would.
  const size_t luma_pitch = (luma_row + 255) / 256 * 256;
  const size_t chroma_pitch = (chroma_row + 255) / 256 * 256;
  const size_t need = luma_pitch * rows + 2 * chroma_pitch * chroma_rows;
  if (lane.planes.size() < need) lane.planes.allocate(need);
  uint8_t* luma = lane.planes.get();
  uint8_t* cb = luma + luma_pitch * rows;
  uint8_t* cr = cb + chroma_pitch * chroma_rows;
  const cudaStream_t stream = lane.upload_stream.get();
  CUDA_CHECK(cudaMemcpy2DAsync(luma, luma_pitch, host.luma, host.luma_pitch, luma_row, rows,
                               cudaMemcpyHostToDevice, stream));
  CUDA_CHECK(cudaMemcpy2DAsync(cb, chroma_pitch, host.cb, host.chroma_pitch, chroma_row,
                               chroma_rows, cudaMemcpyHostToDevice, stream));
  CUDA_CHECK(cudaMemcpy2DAsync(cr, chroma_pitch, host.cr, host.chroma_pitch, chroma_row,
                               chroma_rows, cudaMemcpyHostToDevice, stream));
  YuvPlanes device = host;
  device.luma = luma;
  device.luma_pitch = luma_pitch;
  device.cb = cb;
  device.cr = cr;
  device.chroma_pitch = chroma_pitch;
  return device;
}

cudaEvent_t GpuSink::hold(Lane& lane, const AVFrame* frame) {
  const int slot = lane.next_held;
  release_held(lane, slot);
  const int rc = av_frame_ref(lane.held[slot].get(), frame);
  if (rc < 0) throw Error("holding a decoded picture failed: " + av_error_text(rc));
  lane.next_held = (slot + 1) % kSinkHeldPictures;
  return lane.converted[slot].get();
}

void GpuSink::release_held(Lane& lane, int slot) {
  AVFrame* held = lane.held[slot].get();
  if (!held->buf[0]) return;
  // The picture goes back to its decoder (NVDEC's surface or a page-locked buffer) only once
  // the work that reads it is done.
  Stopwatch waiting;
  CUDA_CHECK(cudaEventSynchronize(lane.converted[slot].get()));
  lane.held_wait_s += waiting.seconds();
  av_frame_unref(held);
}

void GpuSink::release_all_held(Lane& lane) {
  for (int slot = 0; slot < kSinkHeldPictures; ++slot) release_held(lane, slot);
}

bool GpuSink::convert(Lane& lane, const AVFrame* frame, uint8_t* device_tile, cudaEvent_t filled) {
  CUDA_CHECK(cudaSetDevice(device_));
  YuvPlanes planes;
  if (frame->format == AV_PIX_FMT_CUDA && frame->hw_frames_ctx) {
    const auto* frames = reinterpret_cast<const AVHWFramesContext*>(frame->hw_frames_ctx->data);
    // 12-bit surfaces (P016) are read as P010: their top 10 bits.
    const int layout = frames->sw_format == AV_PIX_FMT_P016 ? AV_PIX_FMT_P010LE : frames->sw_format;
    if ((layout == AV_PIX_FMT_NV12 || layout == AV_PIX_FMT_P010LE) &&
        yuv420_planes_in(layout, frame, &planes)) {
      // The NVDEC surface, read in place: the frame never visits host memory. FFmpeg copied
      // the picture into it on its device's stream (the legacy default stream if none is set),
      // asynchronously: the kernel waits for what was queued there so far, the copy included.
      // The session does not wait for the kernel: the lane holds the surface until its next
      // frame (waiting here kept each session from decoding for a kernel's time and a wake-up).
      const auto* device = static_cast<const AVCUDADeviceContext*>(frames->device_ctx->hwctx);
      const cudaStream_t stream = lane.stream.get();
      const cudaEvent_t converted = hold(lane, frame);
      CUDA_CHECK(cudaEventRecord(lane.copied.get(), device->stream));
      CUDA_CHECK(cudaStreamWaitEvent(stream, lane.copied.get(), 0));
      launch_tile(cropped(planes), frame, device_tile, stream);
      CUDA_CHECK(cudaEventRecord(converted, stream));
      CUDA_CHECK(cudaEventRecord(filled, stream));
      return true;
    }
    // Other layouts (4:4:4 surfaces): bring the frame to the host and convert it there.
    av_frame_unref(lane.host_frame.get());
    const int rc = av_hwframe_transfer_data(lane.host_frame.get(), frame, 0);
    if (rc < 0) throw Error("copying a decoded GPU frame to the host failed: " + av_error_text(rc));
    lane.host_frame->colorspace = frame->colorspace;
    lane.host_frame->color_range = frame->color_range;
    frame = lane.host_frame.get();
  } else if (yuv420_planes_of(frame, &planes)) {
    // A software-decoded 4:2:0 frame: its picture uploaded as it is and converted by the same
    // kernel as NVDEC's surfaces, so that the CPU only decodes (converting on the host cost a
    // software decoder about a fifth of its time). The decoder does not wait for the copy: the
    // lane holds a reference to the picture until its next frame, and the clustering waits
    // for the slot's event.
    const YuvPlanes host = cropped(planes);
    const cudaStream_t stream = lane.upload_stream.get();
    const cudaEvent_t converted = hold(lane, frame);
    launch_tile(upload_planes(lane, host), frame, device_tile, stream);
    CUDA_CHECK(cudaEventRecord(converted, stream));
    CUDA_CHECK(cudaEventRecord(filled, stream));
    return true;
  }
  lane.converter->convert(frame, lane.pinned_tile.get());
  const cudaStream_t upload = lane.upload_stream.get();
  CUDA_CHECK(cudaMemcpyAsync(device_tile, lane.pinned_tile.get(),
                             static_cast<size_t>(tile_.pixels()) * 3, cudaMemcpyHostToDevice,
                             upload));
  CUDA_CHECK(cudaStreamSynchronize(upload));
  return false;
}

void GpuSink::cluster_loop() {
  try {
    CUDA_CHECK(cudaSetDevice(device_));
  } catch (...) {
    fail(std::current_exception());
  }
  for (;;) {
    int b = -1;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return !ready_.empty() || finishing_; });
      if (ready_.empty()) return;  // finishing, and finish() queued the last partial batch
      b = ready_.front();
      ready_.pop_front();
    }
    Batch& batch = batches_[static_cast<size_t>(b)];
    const int n = batch.committed;
    bool ok = !failed_;
    if (ok) {
      try {
        Stopwatch clock;
        cluster_batch(batch);
        cluster_s_ += clock.seconds();
      } catch (...) {
        ok = false;
        fail(std::current_exception());
      }
    }
    if (!ok) {
      for (int i = 0; i < n; ++i) book_.mark_missing(batch.rows[static_cast<size_t>(i)]);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    batch.allocated = batch.committed = 0;
    batch.closed = false;
    if (filling_ < 0) {
      filling_ = b;
    } else {
      free_.push_back(b);
    }
    changed_.notify_all();
  }
}

void GpuSink::cluster_batch(Batch& batch) {
  const StageMark range("cluster");
  const int n = batch.committed;
  const cudaStream_t stream = stream_.get();
  const size_t tile_bytes = static_cast<size_t>(analysis_.tile_bytes());
  const size_t light_per_tile = static_cast<size_t>(tile_.height) * 3;
  // Tiles whose conversion was left running by their decoder are waited for on the device.
  for (int i = 0; i < n; ++i) {
    const auto slot = static_cast<size_t>(i);
    if (batch.pending[slot]) CUDA_CHECK(cudaStreamWaitEvent(stream, batch.filled[slot].get(), 0));
  }
  // Everything on one stream, the k-means last: its wait() then covers the copies too.
  launch_tile_row_light(batch.tiles.get(), n, tile_.width, tile_.height, linear_.get(),
                        row_light_.get(), stream);
  CUDA_CHECK(cudaMemcpyAsync(host_light_.get(), row_light_.get(),
                             light_per_tile * sizeof(uint64_t) * n, cudaMemcpyDeviceToHost,
                             stream));
  if (host_thumbs_) {
    CUDA_CHECK(cudaMemcpyAsync(host_thumbs_.get(), batch.tiles.get(), tile_bytes * n,
                               cudaMemcpyDeviceToHost, stream));
  }
  const uint8_t* clustered = batch.tiles.get();
  if (lab_tiles_) {
    launch_lab8_from_srgb8(batch.tiles.get(), tile_.pixels() * n, lab_tiles_.get(), linear_.get(),
                           curve_.get(), stream);
    clustered = lab_tiles_.get();
  }
  kmeans_.run_device(clustered, n, batch.frame_indices.data(), stream);
  BatchResults results = kmeans_.wait();
  for (int i = 0; i < n; ++i) {
    const auto s = static_cast<size_t>(i);
    if (!batch.valid[s]) {
      book_.mark_missing(batch.rows[s]);
      continue;
    }
    FrameColors row = summarize(results.kmeans[s], host_light_.get() + s * light_per_tile,
                                analysis_, batch.rows[s]);
    if (host_thumbs_) {
      const uint8_t* thumb = host_thumbs_.get() + s * tile_bytes;
      row.thumb.assign(thumb, thumb + tile_bytes);
    }
    book_.add(std::move(row));
  }
}

void GpuSink::finish() {
  // Every put() has returned: the pictures the lanes still hold go back to their decoders.
  try {
    for (Lane& lane : lanes_) release_all_held(lane);
  } catch (...) {
    fail(std::current_exception());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Every put() has returned: the partly filled batch is complete as it is.
    close_filling();
    finishing_ = true;
    changed_.notify_all();
  }
  cluster_thread_.join();
  failure_.rethrow_if_any();
  // When this is a large part of the decoders' time, clustering is what limits the rank; when
  // the held-picture waits are, the conversions (uploads and kernels) keep the decoders waiting.
  double held_wait = 0;
  for (const Lane& lane : lanes_) held_wait += lane.held_wait_s;
  log::detail("GPU sink: decoders waited " + log::seconds(waited_s_) +
              " (summed) for a free batch; clustering took " + log::seconds(cluster_s_) +
              "; conversion " + log::seconds(convert_seconds()) + " (summed), of it " +
              log::seconds(held_wait) + " waiting for a lane's previous picture");
}

double GpuSink::convert_seconds() const {
  double total = 0;
  for (const Lane& lane : lanes_) total += lane.convert_s;
  return total;
}

}  // namespace barcode::gpu
