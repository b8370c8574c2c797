// The GPU backend of a build without CUDA: there are no devices.
#include "base/error.h"
#include "pipeline/gpu_backend.h"

namespace barcode {

int gpu_device_count() {
  return 0;
}

std::string gpu_description(int) {
  return "none (built without CUDA)";
}

void install_profiler_marks() {}

AVBufferRef* create_nvdec_device(int, std::string* why) {
  *why = "built without CUDA";
  return nullptr;
}

std::shared_ptr<PictureMemory> make_pinned_pictures(int) {
  return nullptr;
}

std::unique_ptr<TileSink> make_gpu_sink(int, const TileAnalysis&, const TileSource&, int, int,
                                        ResultBook&) {
  throw Error("this barcode_mpi was built without the CUDA path (BARCODE_CUDA=OFF)");
}

std::unique_ptr<SumReducer> make_nccl_reducer(MPI_Comm, int) {
  return nullptr;
}

}  // namespace barcode
