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
  // decoders of one thread each take the other cores (their frames are converted on the GPU, so
  // decoding is all they cost the CPU). On an H200 node with 16 cores (40-minute and 2-hour
  // film, docs/benchmarks.md) this gives 8 sessions + 12 software decoders: 5697 frames/s end
  // to end on the 2-hour film, where 5 decoders of two threads gave 5273, 10 gave 4964 and 14
  // gave 4956 on 40 minutes (12: 5174). One thread each: decoders of two threads stall on
  // their frame-threading hand-over, and 8 of them gave 4572.
  mix.threads_per_software_decoder = 1;
  mix.software_decoders = std::max(0, cores - (mix.nvdec_sessions + 1) / 2);
  return mix;
}

}  // namespace barcode
