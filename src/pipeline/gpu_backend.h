// The GPU side as the job sees it, free of CUDA types. Implemented by src/gpu/gpu_backend.cpp
// when the CUDA path is built and by src/pipeline/gpu_backend_stub.cpp otherwise (no devices).
#pragma once

#include <mpi.h>

#include <memory>
#include <string>

#include "color/frame_summary.h"
#include "color/movie_palette.h"
#include "pipeline/result_book.h"
#include "pipeline/tile_sink.h"
#include "video/picture_memory.h"
#include "video/tile_converter.h"

extern "C" {
struct AVBufferRef;
}

namespace barcode {

// CUDA devices this process can use; 0 without a GPU, a driver or the CUDA path.
int gpu_device_count();
std::string gpu_description(int device);

// Makes the run's stage marks (base/stage_mark.h) NVTX ranges where the CUDA path is built;
// nothing otherwise. Called once, before the run starts its threads.
void install_profiler_marks();

// An FFmpeg CUDA device context on `device` sharing the CUDA primary context, so that NVDEC's
// surfaces can be read by the project's kernels, with a CUDA stream of its own for FFmpeg's
// copies: one per NVDEC session. nullptr when NVDEC is not available, `why` then saying why;
// release with av_buffer_unref.
AVBufferRef* create_nvdec_device(int device, std::string* why);

// Page-locked memory for the pictures of the rank's software decoders on `device`, which the GPU
// sink uploads without the CPU (nullptr without the CUDA path).
std::shared_ptr<PictureMemory> make_pinned_pictures(int device);

// The GPU sink: NVDEC surfaces (or software frames, uploaded as tiles) converted on the GPU into
// batches of `batch_frames` tiles, clustered by the batched k-means kernel; `source` is how
// frames become tiles (crop), as for the CPU sink.
std::unique_ptr<TileSink> make_gpu_sink(int device, const TileAnalysis& analysis,
                                        const TileSource& source, int decoders, int batch_frames,
                                        ResultBook& book);

// Collective: an NCCL all-reduce over `comm` when every rank has its own GPU (`device` >= 0 and
// no two ranks on one GPU), else nullptr on every rank (reduce over MPI instead).
std::unique_ptr<SumReducer> make_nccl_reducer(MPI_Comm comm, int device);

}  // namespace barcode
