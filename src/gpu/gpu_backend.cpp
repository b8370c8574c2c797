// The GPU backend of a CUDA build (see src/pipeline/gpu_backend.h).
#include "pipeline/gpu_backend.h"

#include <cuda_runtime_api.h>

#include <map>
#include <mutex>

#if __has_include(<nvtx3/nvToolsExt.h>)
#include <nvtx3/nvToolsExt.h>
#define BARCODE_HAVE_NVTX 1
#endif

#include "base/log.h"
#include "base/stage_mark.h"
#include "cuda_check.h"
#include "gpu/gpu_kmeans.h"
#include "gpu/gpu_sink.h"
#include "gpu/nccl_reducer.h"
#include "gpu/pinned_pictures.h"
#include "video/ffmpeg_util.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
}

namespace barcode {

int gpu_device_count() {
  return gpu::device_count();
}

std::string gpu_description(int device) {
  return gpu_device_count() > 0 ? gpu::device_description(device) : "no CUDA device visible";
}

namespace {

// The stream FFmpeg copies NVDEC's pictures on, one per device for the life of the process
// (decoders and frames of any job may use it until the process ends). Without it FFmpeg copies
// on the legacy default stream, which every blocking stream waits on: the lanes' conversions
// then waited for each other and for every session's copies (0.36 ms per frame on an H200).
cudaStream_t picture_copy_stream(int device) {
  static std::mutex mutex;
  static std::map<int, cudaStream_t> streams;
  const std::lock_guard<std::mutex> lock(mutex);
  cudaStream_t& stream = streams[device];
  if (!stream) {
    CUDA_CHECK(cudaSetDevice(device));
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  }
  return stream;
}

}  // namespace

void install_profiler_marks() {
#ifdef BARCODE_HAVE_NVTX
  // Without a profiler attached, NVTX's calls return at once.
  install_stage_marker({[](const char* name) { nvtxRangePushA(name); }, [] { nvtxRangePop(); }});
#endif
}

AVBufferRef* create_nvdec_device(int device) {
  AVBufferRef* ref = nullptr;
  // The primary context: the one the CUDA runtime (and so our kernels) uses on this device.
  const int rc = av_hwdevice_ctx_create(&ref, AV_HWDEVICE_TYPE_CUDA, std::to_string(device).c_str(),
                                        nullptr, AV_CUDA_USE_PRIMARY_CONTEXT);
  if (rc < 0) {
    log::warn("NVDEC is not available on GPU " + std::to_string(device) +
              " (FFmpeg: " + av_error_text(rc) + "); decoding in software");
    return nullptr;
  }
  // Read by each decoder when it opens (GpuSink orders its kernels after the copies on it).
  auto* context = reinterpret_cast<AVHWDeviceContext*>(ref->data);
  static_cast<AVCUDADeviceContext*>(context->hwctx)->stream = picture_copy_stream(device);
  return ref;
}

std::shared_ptr<PictureMemory> make_pinned_pictures(int device) {
  return std::make_shared<gpu::PinnedPictures>(device);
}

std::unique_ptr<TileSink> make_gpu_sink(int device, const TileAnalysis& analysis,
                                        const TileSource& source, int decoders, int batch_frames,
                                        ResultBook& book) {
  return std::make_unique<gpu::GpuSink>(device, analysis, source, decoders, batch_frames, book);
}

std::unique_ptr<SumReducer> make_nccl_reducer(MPI_Comm comm, int device) {
  if (!gpu::NcclSumReducer::nccl_usable(comm, device)) return nullptr;
  return std::make_unique<gpu::NcclSumReducer>(comm, device);
}

}  // namespace barcode
