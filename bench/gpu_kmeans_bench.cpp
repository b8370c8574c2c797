// Throughput of the batched GPU k-means (and the NV12 -> tile kernel) against the CPU reference,
// on synthetic film-like 160x90 tiles generated in-process. Prints a markdown table.
//
//   gpu_kmeans_bench [--peak-tflops=67] [--runs=9] [--cpu-frames=512] [--verify-frames=4096]
//                    [--max-batch=16384]
//
// FLOPs are counted for the Lloyd assignment only, as the definition states them: per pixel, per
// centroid, per iteration 3 subtractions, 3 multiplications, 2 additions and 1 comparison (9),
// summed over every restart's actual iterations. Seeding (integer) and the cluster sums are not
// counted, so the fraction of peak understates the work done. The peak is the non-tensor fp32
// rate (H100 SXM: about 67 TFLOP/s counting an FMA as 2); the assignment cannot use FMA (the
// results must round like the CPU's), so about half the peak is the practical ceiling.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "color/kmeans.h"
#include "cuda_check.h"
#include "gpu/gpu_kmeans.h"
#include "nv12_tile.h"

namespace {

using barcode::KmeansParams;
using barcode::KmeansResult;
using Clock = std::chrono::steady_clock;

constexpr int kTileW = 160, kTileH = 90, kTilePixels = kTileW * kTileH;
constexpr size_t kTileBytes = size_t(kTilePixels) * 3;
constexpr int kInputSets = 8;  // rotated so that small batches do not stay in the 50 MB L2

struct Options {
  double peak_tflops = 67.0;
  int runs = 9;
  int cpu_frames = 512;
  int verify_frames = 4096;
  int max_batch = 16384;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      const size_t len = std::strlen(name);
      return arg.compare(0, len, name) == 0 ? arg.c_str() + len : nullptr;
    };
    if (const char* v = value("--peak-tflops=")) {
      o.peak_tflops = std::atof(v);
    } else if (const char* v2 = value("--runs=")) {
      o.runs = std::max(1, std::atoi(v2));
    } else if (const char* v3 = value("--cpu-frames=")) {
      o.cpu_frames = std::max(1, std::atoi(v3));
    } else if (const char* v4 = value("--verify-frames=")) {
      o.verify_frames = std::max(0, std::atoi(v4));
    } else if (const char* v5 = value("--max-batch=")) {
      o.max_batch = std::max(1, std::atoi(v5));
    } else {
      std::fprintf(stderr,
                   "usage: %s [--peak-tflops=TF] [--runs=N] [--cpu-frames=N] "
                   "[--verify-frames=N] [--max-batch=N]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  return o;
}

// Film-like tile: two-colour gradient, a few soft ellipses of other colours, noise.
void film_like_tile(uint64_t seed, uint8_t* rgb) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto uniform = [&](int lo, int hi) {
    return lo + static_cast<int>(barcode::mix64(state++) % static_cast<uint64_t>(hi - lo + 1));
  };
  int a[3], b[3];
  for (int c = 0; c < 3; ++c) a[c] = uniform(0, 255), b[c] = uniform(0, 255);
  const double angle = uniform(0, 359) * 3.14159265358979 / 180.0;
  const double dx = std::cos(angle), dy = std::sin(angle);
  const int noise = uniform(0, 12);
  struct Blob {
    double cx, cy, rx, ry;
    int colour[3];
  } blobs[5];
  const int blob_count = uniform(0, 5);
  for (int i = 0; i < blob_count; ++i) {
    Blob& bl = blobs[i];
    bl.cx = uniform(0, kTileW - 1), bl.cy = uniform(0, kTileH - 1);
    bl.rx = uniform(2, kTileW / 3), bl.ry = uniform(2, kTileH / 3);
    for (int c = 0; c < 3; ++c) bl.colour[c] = uniform(0, 255);
  }
  const double span = std::abs(dx) * kTileW + std::abs(dy) * kTileH;
  for (int y = 0; y < kTileH; ++y) {
    for (int x = 0; x < kTileW; ++x) {
      const double t = std::clamp(
          ((x - (dx < 0 ? kTileW : 0)) * dx + (y - (dy < 0 ? kTileH : 0)) * dy) / span, 0.0, 1.0);
      double v[3];
      for (int c = 0; c < 3; ++c) v[c] = a[c] + (b[c] - a[c]) * t;
      for (int i = 0; i < blob_count; ++i) {
        const Blob& bl = blobs[i];
        const double ex = (x - bl.cx) / bl.rx, ey = (y - bl.cy) / bl.ry;
        const double r2 = ex * ex + ey * ey;
        if (r2 < 1.2) {
          const double alpha = r2 < 0.8 ? 1.0 : (1.2 - r2) / 0.4;
          for (int c = 0; c < 3; ++c) v[c] = v[c] * (1 - alpha) + bl.colour[c] * alpha;
        }
      }
      for (int c = 0; c < 3; ++c) {
        const int jitter = noise ? uniform(-noise, noise) : 0;
        const long code = std::lround(v[c]) + jitter;
        rgb[(size_t(y) * kTileW + x) * 3 + c] = static_cast<uint8_t>(std::clamp(code, 0L, 255L));
      }
    }
  }
}

// Runs fn(i) for i in [0, count) on all cores.
template <typename Fn>
void parallel_for(int count, Fn fn) {
  const int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      for (int i = w; i < count; i += workers) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool same_result(const KmeansResult& a, const KmeansResult& b) {
  return a.centroids.size() == b.centroids.size() &&
         std::memcmp(a.centroids.data(), b.centroids.data(), a.centroids.size() * 4) == 0 &&
         a.weights.size() == b.weights.size() &&
         std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * 4) == 0 &&
         std::memcmp(&a.inertia, &b.inertia, sizeof(double)) == 0 && a.iterations == b.iterations &&
         a.restart == b.restart;
}

// Frames/s of the NV12 1080p -> 160x90 conversion kernel, one frame per launch as a decoder
// would call it.
double nv12_frames_per_second(int runs) {
  const int w = 1920, h = 1080;
  void *luma = nullptr, *chroma = nullptr, *rgb = nullptr;
  size_t luma_pitch = 0, chroma_pitch = 0;
  CUDA_CHECK(cudaMallocPitch(&luma, &luma_pitch, w, h));
  CUDA_CHECK(cudaMallocPitch(&chroma, &chroma_pitch, w, h / 2));
  CUDA_CHECK(cudaMalloc(&rgb, kTileBytes));
  CUDA_CHECK(cudaMemset2D(luma, luma_pitch, 120, w, h));
  CUDA_CHECK(cudaMemset2D(chroma, chroma_pitch, 128, w, h / 2));
  cudaStream_t stream = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  barcode::YuvPlanes s;  // NV12: Cr right after Cb
  s.luma = luma, s.luma_pitch = luma_pitch, s.chroma_pitch = chroma_pitch;
  s.cb = chroma, s.cr = static_cast<const uint8_t*>(chroma) + 1, s.chroma_step = 2;
  s.width = w, s.height = h;
  cudaEvent_t start = nullptr, stop = nullptr;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  const int frames = 1000;
  std::vector<double> rates;
  for (int run = 0; run < runs + 1; ++run) {  // the first run warms up
    CUDA_CHECK(cudaEventRecord(start, stream));
    for (int f = 0; f < frames; ++f) {
      barcode::gpu::launch_yuv420_to_rgb_tile(s, barcode::YuvMatrix::kBt709,
                                              barcode::YuvRange::kLimited,
                                              static_cast<uint8_t*>(rgb), kTileW, kTileH, stream);
    }
    CUDA_CHECK(cudaEventRecord(stop, stream));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    if (run > 0) rates.push_back(frames / (ms / 1000.0));
  }
  CUDA_CHECK(cudaEventDestroy(start));
  CUDA_CHECK(cudaEventDestroy(stop));
  CUDA_CHECK(cudaStreamDestroy(stream));
  CUDA_CHECK(cudaFree(luma));
  CUDA_CHECK(cudaFree(chroma));
  CUDA_CHECK(cudaFree(rgb));
  return median(rates);
}

int run(const Options& opt) {
  if (barcode::gpu::device_count() == 0) {
    std::printf("gpu_kmeans_bench: no CUDA device; nothing to measure\n");
    return 0;
  }
  CUDA_CHECK(cudaSetDevice(0));
  KmeansParams params;
  params.k = 8;
  params.restarts = 4;
  params.max_iter = 30;
  params.tol = 0.1f;
  params.seed = 1;
  const int max_batch = opt.max_batch;

  // Distinct tiles, shuffled into kInputSets device buffers of max_batch tiles each.
  const int unique = std::min(max_batch, 4096);
  std::vector<uint8_t> tiles(size_t(unique) * kTileBytes);
  const auto gen_start = Clock::now();
  parallel_for(unique, [&](int i) { film_like_tile(uint64_t(i), &tiles[size_t(i) * kTileBytes]); });
  std::printf("generated %d distinct %dx%d tiles in %.1f s\n", unique, kTileW, kTileH,
              seconds_since(gen_start));
  auto tile_of = [&](int set, int i) {
    return (i * 7 + set * 1013) % unique;  // set s, frame i -> which distinct tile
  };
  std::vector<uint8_t*> sets(kInputSets);
  std::vector<uint8_t> staging(size_t(max_batch) * kTileBytes);
  for (int s = 0; s < kInputSets; ++s) {
    for (int i = 0; i < max_batch; ++i) {
      std::memcpy(&staging[size_t(i) * kTileBytes], &tiles[size_t(tile_of(s, i)) * kTileBytes],
                  kTileBytes);
    }
    void* p = nullptr;
    CUDA_CHECK(cudaMalloc(&p, staging.size()));
    CUDA_CHECK(cudaMemcpy(p, staging.data(), staging.size(), cudaMemcpyHostToDevice));
    sets[size_t(s)] = static_cast<uint8_t*>(p);
  }
  std::vector<int64_t> frame_indices(static_cast<size_t>(max_batch));
  for (int i = 0; i < max_batch; ++i) frame_indices[size_t(i)] = i;

  // CPU reference rate on all cores, on a subset of set 0.
  const int cpu_frames = std::min(opt.cpu_frames, max_batch);
  const auto cpu_start = Clock::now();
  parallel_for(cpu_frames, [&](int i) {
    (void)barcode::kmeans_tile(&tiles[size_t(tile_of(0, i)) * kTileBytes], kTilePixels, params,
                               frame_indices[size_t(i)]);
  });
  const double cpu_fps = cpu_frames / seconds_since(cpu_start);

  // CPU results for the verification subset (set 0, the first frames).
  const int verify = std::min(opt.verify_frames, max_batch);
  std::vector<KmeansResult> reference(static_cast<size_t>(verify));
  parallel_for(verify, [&](int i) {
    reference[size_t(i)] = barcode::kmeans_tile(&tiles[size_t(tile_of(0, i)) * kTileBytes],
                                                kTilePixels, params, frame_indices[size_t(i)]);
  });

  barcode::gpu::BatchedKmeans gpu(0, max_batch, kTilePixels, params);
  uint8_t* pinned = gpu.pinned_input();
  std::memcpy(pinned, staging.data(), staging.size());  // set kInputSets-1, for end-to-end runs

  std::printf("\n%s; CPU reference: %u threads\n", barcode::gpu::device_description(0).c_str(),
              std::max(1u, std::thread::hardware_concurrency()));
  std::printf("160x90 tiles, k=%d, restarts=%d, max_iter=%d, tol=%g; peak %.1f TFLOP/s\n\n",
              params.k, params.restarts, params.max_iter, static_cast<double>(params.tol),
              opt.peak_tflops);
  std::printf(
      "| batch | kernel frames/s | mean iterations | GFLOP/s | of peak | end-to-end "
      "frames/s | CPU frames/s | GPU/CPU (kernel) | verified | mismatches |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");

  int total_mismatches = 0;
  for (int batch : {256, 1024, 4096, 16384}) {
    if (batch > max_batch) continue;
    std::vector<double> rates, gflops, iterations;
    int mismatches = 0, checked = 0;
    for (int run_no = 0; run_no < opt.runs + 1; ++run_no) {  // run 0 warms up
      const int set = run_no % kInputSets;
      gpu.run_device(sets[size_t(set)], batch, frame_indices.data());
      const barcode::gpu::BatchResults r = gpu.wait();
      if (set == 0) {  // set 0 holds the verified frames
        for (int i = 0; i < std::min(batch, verify); ++i) {
          mismatches += !same_result(r.kmeans[size_t(i)], reference[size_t(i)]);
          ++checked;
        }
      }
      if (run_no == 0) continue;
      const double seconds = r.kernel_ms / 1000.0;
      const double flops =
          static_cast<double>(r.iterations_all_restarts) * kTilePixels * params.k * 9.0;
      rates.push_back(batch / seconds);
      gflops.push_back(flops / seconds / 1e9);
      iterations.push_back(static_cast<double>(r.iterations_all_restarts) /
                           (double(batch) * params.restarts));
    }
    // End to end: pinned host tiles -> device -> k-means -> results on the host.
    std::vector<double> e2e;
    for (int run_no = 0; run_no < opt.runs + 1; ++run_no) {
      const auto start = Clock::now();
      gpu.run_host(pinned, batch, frame_indices.data());
      (void)gpu.wait();
      if (run_no > 0) e2e.push_back(batch / seconds_since(start));
    }
    total_mismatches += mismatches;
    const double kernel_fps = median(rates);
    const double gf = median(gflops);
    std::printf("| %d | %.0f | %.2f | %.0f | %.1f%% | %.0f | %.0f | %.1fx | %d | %d |\n", batch,
                kernel_fps, median(iterations), gf, 100.0 * gf / (opt.peak_tflops * 1000.0),
                median(e2e), cpu_fps, kernel_fps / cpu_fps, checked, mismatches);
  }

  const double nv12_fps = nv12_frames_per_second(opt.runs);
  std::printf("\n| conversion | frames/s |\n|---|---:|\n");
  std::printf("| NV12 1920x1080 -> 160x90 RGB (one launch per frame) | %.0f |\n", nv12_fps);
  std::printf("\nGPU results that differ from the CPU reference: %d\n", total_mismatches);

  for (uint8_t* p : sets) CUDA_CHECK(cudaFree(p));
  return total_mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_kmeans_bench: %s\n", e.what());
    return 1;
  }
}
