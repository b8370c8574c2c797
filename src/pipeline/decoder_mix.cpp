#include "pipeline/decoder_mix.h"

#include <algorithm>

#include "pipeline/cpu_split.h"

namespace barcode {

DecoderMix default_decoder_mix(int cores, bool nvdec, int sharing, const DecodeWork& work) {
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
  // decoders take the other cores, their frames converted on the GPU. Measured on an H200 node
  // with 16 cores (docs/benchmarks.md, real 1080p film):
  const int feeding = (mix.nvdec_sessions + 1) / 2;
  if (work.codec == "hevc") {
    // HEVC: NVDEC alone decodes ~7000 frames/s and its feeding needs the cores. 12 software
    // decoders beside it made decode-only slower (6398 against 6982) and end to end 0.89 of it.
    mix.software_decoders = 0;
  } else if (work.whole_movies) {
    // Archives: each decoder takes whole movies, so a slow decoder makes the queue's end wait.
    // Decoders of two threads, two cores to spare: 8 sessions + 5 decoders on 16 cores, 0.89 of
    // one long file's rate with a movie per decoder (12 decoders of one thread: 0.64).
    mix.threads_per_software_decoder = 2;
    mix.software_decoders = std::max(0, (cores - feeding - 2) / 2);
  } else {
    // One film (H.264 and the rest): its chunks are shared out, and decoders of one thread on
    // every core NVDEC's feeding leaves are best: 8 sessions + 12 decoders, 5920 frames/s end
    // to end on a 2-hour film, against 5273 with 5 decoders of two threads (two threads stall
    // on frame threading's hand-over: 8 of them gave 4572 on 40 minutes).
    mix.threads_per_software_decoder = 1;
    mix.software_decoders = std::max(0, cores - feeding);
  }
  return mix;
}

}  // namespace barcode
