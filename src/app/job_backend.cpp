#include "app/job_backend.h"

extern "C" {
#include <libavutil/buffer.h>
}

#include <algorithm>
#include <chrono>
#include <string>

#include "base/error.h"
#include "base/log.h"
#include "pipeline/decoder_mix.h"
#include "pipeline/gpu_backend.h"

namespace barcode {

Backend::~Backend() {
  closing_.clear();  // waits for every closing
  clear_decoders();
  av_buffer_unref(&nvdec);
}

void Backend::clear_decoders() {
  for (AVBufferRef*& session : session_devices) av_buffer_unref(&session);
  session_devices.clear();
  decoders.clear();
}

void Backend::keep_closing(std::future<void> closing) const {
  const std::lock_guard<std::mutex> lock(closing_mutex_);
  const auto done = [](const std::future<void>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  };
  closing_.erase(std::remove_if(closing_.begin(), closing_.end(), done), closing_.end());
  closing_.push_back(std::move(closing));
}

void open_device(const MpiEnv& env, const Options& options, Backend& backend) {
  backend.threads = options.threads > 0 ? options.threads : env.cores();
  backend.devices = options.gpu == GpuMode::kOff ? 0 : gpu_device_count();
  if (backend.devices > 0) {
    // GPU by node-local rank: ranks of a node spread over its GPUs, several may share one.
    backend.device = env.local_rank() % backend.devices;
    const bool decoding = options.from_h5.empty();  // --from-h5 reads stored tiles instead
    std::string why;
    if (decoding) backend.nvdec = create_nvdec_device(backend.device, &why);
    if (decoding && !backend.nvdec) {
      log::warn("NVDEC is not available on GPU " + std::to_string(backend.device) + " (" + why +
                "); decoding in software");
    }
  }
}

int ranks_per_gpu(const MpiEnv& env, const Backend& backend) {
  return std::max(1, (env.local_size() + backend.devices - 1) / std::max(backend.devices, 1));
}

void choose_decoders(const MpiEnv& env, const Options& options, const DecodeWork& work,
                     Backend& backend) {
  const int devices = backend.devices;
  collective_step(env, [&] {
    if (options.gpu == GpuMode::kOn && devices == 0) {
      throw usage_error("--gpu on, but no CUDA device is usable on this node (" +
                        gpu_description(0) + ")");
    }
  });
  const bool decoding = options.from_h5.empty();
  const int sharing = ranks_per_gpu(env, backend);
  const DecoderMix mix =
      default_decoder_mix(backend.threads, backend.nvdec != nullptr, sharing, work);
  if (backend.nvdec) {
    const int sessions = options.decoders > 0 ? options.decoders : mix.nvdec_sessions;
    for (int i = 0; i < sessions; ++i) {
      DecodeConfig c;
      c.keyframes_only = options.keyframes;
      // The first session uses the rank's device context; each other one a context (and copy
      // stream) of its own, or the rank's where none can be had.
      std::string why;
      AVBufferRef* own = i == 0 ? nullptr : create_nvdec_device(backend.device, &why);
      if (own) backend.session_devices.push_back(own);
      if (i > 0 && !own) {
        log::warn("NVDEC session " + std::to_string(i) +
                  " shares the rank's CUDA device context (" + why + ")");
      }
      c.hw_device = own ? own : backend.nvdec;
      // A flush makes the session's hardware decoder again at its next range (decoder.h).
      c.splice = Splice::in_hardware;
      backend.decoders.push_back(c);
    }
  }
  int software = options.cpu_decoders >= 0 ? options.cpu_decoders : mix.software_decoders;
  if (backend.decoders.empty() && software == 0) software = 1;
  if (!decoding) software = 0;
  // On a GPU, software-decoded pictures are uploaded and converted there: decoded into
  // page-locked memory, the copy costs their decoders no CPU.
  const std::shared_ptr<PictureMemory> pictures =
      backend.device >= 0 && software > 0 ? make_pinned_pictures(backend.device) : nullptr;
  for (int i = 0; i < software; ++i) {
    DecodeConfig c;
    c.pictures = pictures;
    c.keyframes_only = options.keyframes;
    c.threads = options.cpu_decoders >= 0 ? std::max(1, backend.threads / software)
                                          : mix.threads_per_software_decoder;
    backend.decoders.push_back(c);
  }
  log::detail("rank uses " +
              (backend.device >= 0 ? "GPU " + std::to_string(backend.device) + " (" +
                                         gpu_description(backend.device) + ")"
                                   : std::string("the CPU")) +
              ", " + std::to_string(backend.decoders.size()) + " decoder(s)" +
              (backend.nvdec ? " (NVDEC)" : "") + ", " + std::to_string(backend.threads) +
              " cores" + (env.core_list().empty() ? std::string() : " (" + env.core_list() + ")"));
}

namespace {

// A rank's decoder for one of its shares: an NVDEC session keeps its device context (and copy
// stream), the share holding a reference of its own to it.
DecodeConfig share_decoder(const DecodeConfig& rank_decoder, Backend& share) {
  DecodeConfig c = rank_decoder;
  if (c.hw_device) {
    AVBufferRef* own = av_buffer_ref(c.hw_device);
    if (!own) throw Error("av_buffer_ref(CUDA device context): out of memory");
    share.session_devices.push_back(own);
    c.hw_device = own;
  }
  return c;
}

}  // namespace

std::unique_ptr<Backend> backend_share(const Backend& rank, int part, int parts) {
  auto share = std::make_unique<Backend>();
  share->devices = rank.devices;
  share->device = rank.device;
  if (rank.nvdec) {
    share->nvdec = av_buffer_ref(rank.nvdec);
    if (!share->nvdec) throw Error("av_buffer_ref(CUDA device context): out of memory");
  }
  share->threads = std::max(1, rank.threads / parts + (part < rank.threads % parts ? 1 : 0));
  // The rank's decoders dealt out in turn, NVDEC sessions first: every decoder is used once,
  // and a share has NVDEC sessions before any has two.
  for (size_t d = static_cast<size_t>(part); d < rank.decoders.size();
       d += static_cast<size_t>(parts)) {
    share->decoders.push_back(share_decoder(rank.decoders[d], *share));
  }
  // More shares than decoders: one more decoder like the rank's first.
  if (share->decoders.empty() && !rank.decoders.empty()) {
    share->decoders.push_back(share_decoder(rank.decoders.front(), *share));
  }
  return share;
}

}  // namespace barcode
