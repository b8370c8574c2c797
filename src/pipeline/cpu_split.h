// How a rank without a GPU splits its cores between software decoders, when --cpu-decoders does
// not say: the rule choose_backend (src/job.cpp) applies, kept here so that it can be tested.
//
// Each software decoder takes its own chunks of the segment (pipeline/decode_pool.h) and gets
// threads / decoders FFmpeg threads. Separate single-threaded decoders scale with the cores
// (frame threading inside one decoder waits on its slowest frame and on the reference frames of
// the next), so a rank gets one decoder per core. The clustering pool (one thread per core,
// pipeline/cpu_sink.h) shares the same cores: it needs about a sixth of the time decoding needs
// (docs/benchmarks.md) and its threads sleep while the tile queue is empty. Beyond
// kMaxCpuDecoders the decoders get several threads each instead, which bounds the memory of their
// frame pools and keeps chunks (at least ~4 s of samples each) from running out on short inputs.
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
