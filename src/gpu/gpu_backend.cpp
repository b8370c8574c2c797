// The GPU backend of a CUDA build (see src/pipeline/gpu_backend.h).
#include "pipeline/gpu_backend.h"

#include <cuda_runtime_api.h>

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

// Frees the stream FFmpeg copied one session's pictures on, with the device context that names
// it: every frame of the session holds that context, so no copy is queued on the stream after.
// Work still queued finishes first (cudaStreamDestroy waits for it on the device).
void destroy_copy_stream(AVHWDeviceContext* context) {
  (void)cudaStreamDestroy(static_cast<cudaStream_t>(context->user_opaque));
}

}  // namespace

void install_profiler_marks() {
#ifdef BARCODE_HAVE_NVTX
  // Without a profiler attached, NVTX's calls return at once.
  install_stage_marker({[](const char* name) { nvtxRangePushA(name); }, [] { nvtxRangePop(); }});
#endif
}

AVBufferRef* create_nvdec_device(int device, std::string* why) {
  AVBufferRef* ref = nullptr;
  // The primary context: the one the CUDA runtime (and so our kernels) uses on this device.
  const int rc = av_hwdevice_ctx_create(&ref, AV_HWDEVICE_TYPE_CUDA, std::to_string(device).c_str(),
                                        nullptr, AV_CUDA_USE_PRIMARY_CONTEXT);
  if (rc < 0) {
    *why = "FFmpeg: " + av_error_text(rc);
    return nullptr;
  }
  // FFmpeg copies each picture out of NVDEC's surface on the context's stream. Not the legacy
  // default stream (FFmpeg's choice when none is set), which every blocking stream waits on, and
  // not one stream for all sessions, which queued each session's copies behind the others' (2-3 %
  // slower end to end on an H200, docs/benchmarks.md): a non-blocking stream per context, and a
  // context per session. Read by the decoder when it opens; GpuSink orders its kernels after
  // the copies on it.
  cudaStream_t stream = nullptr;
  cudaError_t rc_stream = cudaSetDevice(device);
  if (rc_stream == cudaSuccess)
    rc_stream = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  if (rc_stream != cudaSuccess) {
    av_buffer_unref(&ref);
    *why = std::string("a CUDA stream for its copies: ") + cudaGetErrorString(rc_stream);
    return nullptr;
  }
  auto* context = reinterpret_cast<AVHWDeviceContext*>(ref->data);
  static_cast<AVCUDADeviceContext*>(context->hwctx)->stream = stream;
  context->user_opaque = stream;
  context->free = destroy_copy_stream;
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
