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
  // Each session's thread parses and feeds NVDEC, about half a core at full speed; software
  // decoders of two threads each take what is left, with two cores to spare for converting
  // their frames to tiles, the sink, MPI and HDF5. On an H200 node with 16 cores (2-hour film,
  // docs/benchmarks.md) this gives 8 sessions + 5 software decoders: 5085 frames/s end to end,
  // where 8 software decoders (the best decode-only mix) gave 4537.
  const int spare = cores - (mix.nvdec_sessions + 1) / 2 - 2;
  mix.threads_per_software_decoder = 2;
  mix.software_decoders = std::max(0, spare / mix.threads_per_software_decoder);
  return mix;
}

}  // namespace barcode
