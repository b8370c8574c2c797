// Benchmark of the CPU k-means: clusters raw rgb24 tiles with a pool of threads across frames and
// prints one line of key=value pairs: ms_per_frame by the wall clock, cpu_ms_per_frame from the
// workers' thread CPU time (reading the file not included; the figure to compare on a shared
// machine).
//
//   kmeans_bench TILES.raw WIDTH HEIGHT [--k 8] [--restarts 20] [--max-iter N] [--tol T]
//                [--threads 2] [--frames F] [--seed S]
//
// TILES.raw holds frames of WIDTH*HEIGHT*3 bytes back to back, e.g. from
//   ffmpeg -i in.mp4 -vf scale=160:90:flags=area -pix_fmt rgb24 -f rawvideo tiles.raw
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_cpu_clock.h"
#include "color/kmeans.h"

namespace {

struct BenchOptions {
  std::string path;
  int64_t width = 0, height = 0;
  barcode::KmeansParams params{};
  int threads = 2;
  int64_t frames = -1;  // all frames in the file
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "kmeans_bench: %s\nusage: kmeans_bench TILES.raw WIDTH HEIGHT [--k 8] "
               "[--restarts 20] [--max-iter N] [--tol T] [--threads 2] [--frames F] [--seed S]\n",
               why.c_str());
  std::exit(2);
}

int64_t parse_int(const std::string& name, const char* text) {
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0') usage("bad integer for " + name + ": " + text);
  return value;
}

BenchOptions parse_args(int argc, char** argv) {
  if (argc < 4) usage("expected TILES.raw WIDTH HEIGHT");
  BenchOptions o;
  o.params.restarts = 20;  // the sklearn comparison's n_init
  o.path = argv[1];
  o.width = parse_int("WIDTH", argv[2]);
  o.height = parse_int("HEIGHT", argv[3]);
  if (o.width < 1 || o.height < 1) usage("WIDTH and HEIGHT must be positive");
  for (int i = 4; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value for " + flag);
    const char* value = argv[i + 1];
    if (flag == "--k") {
      o.params.k = static_cast<int>(parse_int(flag, value));
    } else if (flag == "--restarts") {
      o.params.restarts = static_cast<int>(parse_int(flag, value));
    } else if (flag == "--max-iter") {
      o.params.max_iter = static_cast<int>(parse_int(flag, value));
    } else if (flag == "--tol") {
      o.params.tol = std::strtof(value, nullptr);
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parse_int(flag, value));
    } else if (flag == "--frames") {
      o.frames = parse_int(flag, value);
    } else if (flag == "--seed") {
      o.params.seed = static_cast<uint64_t>(parse_int(flag, value));
    } else {
      usage("unknown option " + flag);
    }
  }
  if (o.threads < 1) usage("--threads must be at least 1");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const BenchOptions o = parse_args(argc, argv);
  std::ifstream in(o.path, std::ios::binary);
  if (!in) usage("cannot open " + o.path);
  const std::vector<uint8_t> data{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
  const int64_t pixels = o.width * o.height;
  const int64_t frame_bytes = pixels * 3;
  int64_t frames = static_cast<int64_t>(data.size()) / frame_bytes;
  if (o.frames >= 0) frames = std::min(frames, o.frames);
  if (frames < 1) usage("no whole frame of " + std::to_string(frame_bytes) + " bytes in " + o.path);

  // Each worker takes the next frame until none is left; results land in frame order.
  std::vector<double> inertia(frames);
  std::vector<int> iterations(frames);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int64_t> cpu_ns{0};  // the workers' CPU time: what a shared machine disturbs least
  const auto worker = [&] {
    const int64_t cpu_start = barcode::ThreadCpuClock::now_ns();
    try {
      for (int64_t f; (f = next++) < frames;) {
        const auto r = barcode::kmeans_tile(data.data() + f * frame_bytes, pixels, o.params, f);
        inertia[f] = r.inertia;
        iterations[f] = r.iterations;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kmeans_bench: %s\n", e.what());
      failed = true;
      next = frames;
    }
    cpu_ns += barcode::ThreadCpuClock::now_ns() - cpu_start;
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < o.threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) return 1;

  double inertia_sum = 0.0, iterations_sum = 0.0;
  for (int64_t f = 0; f < frames; ++f) {
    inertia_sum += inertia[f];
    iterations_sum += iterations[f];
  }
  const auto nf = static_cast<double>(frames);
  std::printf(
      "frames=%lld threads=%d k=%d restarts=%d total_s=%.4f ms_per_frame=%.3f fps=%.2f "
      "cpu_ms_per_frame=%.3f mean_inertia=%.6g mean_iterations=%.2f\n",
      static_cast<long long>(frames), o.threads, o.params.k, o.params.restarts, seconds,
      1000.0 * seconds / nf, nf / seconds, 1e-6 * static_cast<double>(cpu_ns.load()) / nf,
      inertia_sum / nf, iterations_sum / nf);
  return 0;
}
