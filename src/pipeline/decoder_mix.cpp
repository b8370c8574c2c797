#include "pipeline/decoder_mix.h"

#include <algorithm>

#include "pipeline/cpu_split.h"

namespace barcode {

DecoderMix default_decoder_mix(int cores, bool nvdec, int sharing) {
  DecoderMix mix;
  cores = std::max(cores, 1);
  if (!nvdec) {
    mix.software_decoders = default_cpu_decoders(cores);  // cpu_split.h
    mix.threads_per_software_decoder = threads_per_decoder(cores, mix.software_decoders);
    return mix;
  }
  // About one session per decoder engine (an H100 or H200 has 7), shared by the ranks on the GPU.
  mix.nvdec_sessions = std::max(1, 8 / std::max(sharing, 1));
  // Software decoders of two threads each, one per two cores, beside the sessions: on an H200
  // node with 16 cores the best decode-only mix (8 sessions + 8 x 2 threads) and the best end to
  // end were both this one, NVDEC's feeding threads needing little CPU (docs/benchmarks.md).
  mix.threads_per_software_decoder = 2;
  mix.software_decoders = cores >= 4 ? cores / 2 : 0;
  return mix;
}

}  // namespace barcode
