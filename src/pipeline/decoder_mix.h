// The decoders a rank uses when no flags say otherwise, from the cores it may use: NVDEC
// sessions where it has a GPU, and software decoders on the cores that feeding NVDEC leaves idle.
#pragma once

#include <string>

namespace barcode {

struct DecoderMix {
  int nvdec_sessions = 0;
  int software_decoders = 0;
  int threads_per_software_decoder = 1;  // libavcodec threads of each software decoder
};

// What the decoders will work on.
struct DecodeWork {
  std::string codec;          // FFmpeg's codec name of the film; empty: not known (archives)
  bool whole_movies = false;  // --manifest: each decoder on whole movies, one at a time
};

// `cores`: the cores the rank may use; `nvdec`: whether it decodes with NVDEC; `sharing`: how
// many ranks of the node share its GPU (they share its 7 decoder engines too).
DecoderMix default_decoder_mix(int cores, bool nvdec, int sharing, const DecodeWork& work = {});

}  // namespace barcode
