// How a rank decodes and clusters: its GPU (or none), its NVDEC device and its decoders. Opened
// once per job, or once per --manifest rank and shared out over the movies it works on at once.
#pragma once

#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "base/mpi_env.h"
#include "pipeline/decoder_mix.h"
#include "plan/options.h"
#include "video/decoder.h"

extern "C" {
struct AVBufferRef;
}

namespace barcode {

struct Backend {
  int devices = 0;               // CUDA devices visible to the rank
  int device = -1;               // CUDA device, -1 for the CPU path
  AVBufferRef* nvdec = nullptr;  // FFmpeg CUDA device context, a reference of its own
  // The NVDEC sessions' device contexts (each with its own copy stream), references of its own;
  // its decoders' hw_device point at them.
  std::vector<AVBufferRef*> session_devices;
  std::vector<DecodeConfig> decoders;
  int threads = 1;  // CPU threads of the rank (or of its share)

  Backend() = default;
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Forgets the decoders (and the sessions' device contexts; decoders still closing hold their
  // own references), so that choose_decoders can set up others for other work.
  void clear_decoders();

  // Keeps the closing of a finished job's decoders (close_in_background), so that a rank with
  // more movies to do starts the next one meanwhile: closing eight NVDEC sessions takes 0.3 s.
  // Waited for when the backend goes.
  void keep_closing(std::future<void> closing) const;

 private:
  mutable std::mutex closing_mutex_;
  mutable std::vector<std::future<void>> closing_;
};

// The rank's GPU and its NVDEC device context. Needs no other rank, so a job runs it while the
// plan is made: creating the CUDA context and FFmpeg's CUDA device takes 0.15-0.3 s on an H200.
void open_device(const MpiEnv& env, const Options& options, Backend& backend);

// How many ranks of the node share this rank's GPU (and its decoder engines); 1 without one.
int ranks_per_gpu(const MpiEnv& env, const Backend& backend);

// Collective: checks the device choice on every rank and sets the decoders up (the flags', or
// the default mix for the rank's cores, GPU and `work`).
void choose_decoders(const MpiEnv& env, const Options& options, const DecodeWork& work,
                     Backend& backend);

// Part `part` of `parts` of a rank's backend, for one of the movies it works on at once: the
// same GPU and NVDEC device, every parts-th of its decoders (at least one) and 1/parts of its
// threads.
std::unique_ptr<Backend> backend_share(const Backend& rank, int part, int parts);

}  // namespace barcode
