// The GPU backend of a CUDA build (see src/pipeline/gpu_backend.h).
#include "pipeline/gpu_backend.h"

#include "base/log.h"
#include "gpu/gpu_kmeans.h"
#include "gpu/gpu_sink.h"
#include "gpu/nccl_reducer.h"
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
  return ref;
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
