// How a rank without a GPU splits its cores between software decoders, when --cpu-decoders does
// not say: the rule default_decoder_mix (decoder_mix.h) applies, kept here so that it can be
// tested.
//
// Each software decoder takes its own ranges of the segment (pipeline/decode_pool.h) and gets
// threads / decoders FFmpeg threads. Two costs pull apart: one decoder with many frame threads
// scales poorly (each frame waits on its reference frames; the 16-core node: 1 decoder x
// 16 threads end to end 663 frames/s, 8 x 2 threads 892, the best found), while every extra
// decoder adds chunks, and each chunk decodes from the key frame before its start (on the
// 2-core machine 2 decoders x 1 thread cost 5-10 % more CPU per frame than 1 x 2 threads on
// real film, docs/benchmarks.md). So a rank gets one decoder per two cores, two threads each.
// The clustering pool (one thread per core, pipeline/cpu_sink.h) shares the same cores; its
// threads sleep while the tile queue is empty. Beyond kMaxCpuDecoders the decoders get more
// threads each instead, which bounds the memory of their frame pools and the number of chunks.
#pragma once

#include <algorithm>

namespace barcode {

constexpr int kMaxCpuDecoders = 16;

// Software decoders for a CPU-only rank that may use `threads` cores (at least 1).
inline int default_cpu_decoders(int threads) {
  return std::clamp(threads / 2, 1, kMaxCpuDecoders);
}

// FFmpeg threads of each of `decoders` software decoders of a rank with `threads` threads.
inline int threads_per_decoder(int threads, int decoders) {
  return std::max(1, threads / std::max(1, decoders));
}

}  // namespace barcode
