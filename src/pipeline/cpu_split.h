// How a rank without a GPU splits its cores between software decoders, when --cpu-decoders does
// not say: the rule default_decoder_mix (decoder_mix.h) applies, kept here so that it can be
// tested.
//
// Each software decoder takes its own ranges of the segment (pipeline/decode_pool.h) and gets
// threads / decoders FFmpeg threads. A decoder of several frame threads stalls: each frame waits
// on its reference frames and on the hand-over between threads, and the core waits with it. So a
// rank gets one decoder of one thread per core. On the 2-core machine, 4 minutes of real film,
// alternated runs (docs/benchmarks.md, issue 12): end to end 14.97-15.71 s with 2 x 1 against
// 18.03-18.33 s with 1 x 2, for the same CPU time; decode-only 640 frames/s against 553. Beside
// NVDEC on the 16-core GPU node, decoders of one thread were likewise best (decoder_mix.cpp).
// Extra decoders add chunks, each decoded from the key frame before its start, which costs less
// than the stalls. The clustering pool (one thread per core, pipeline/cpu_sink.h) shares the
// same cores; its threads sleep while the tile queue is empty. Beyond kMaxCpuDecoders the
// decoders get more threads each instead, which bounds the memory of their frame pools and the
// number of chunks.
#pragma once

#include <algorithm>

namespace barcode {

constexpr int kMaxCpuDecoders = 16;

// Software decoders for a CPU-only rank that may use `threads` cores (at least 1).
inline int default_cpu_decoders(int threads) {
  return std::clamp(threads, 1, kMaxCpuDecoders);
}

// FFmpeg threads of each of `decoders` software decoders of a rank with `threads` threads.
inline int threads_per_decoder(int threads, int decoders) {
  return std::max(1, threads / std::max(1, decoders));
}

}  // namespace barcode
