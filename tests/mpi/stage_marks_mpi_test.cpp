// A whole job (run_job, CPU path, a real clip) under a recording stage marker: each stage's
// profiler range covers its own stage, not the stages after it. Checks, on the thread that runs
// the job:
//  (a) "palette" and "render" are pushed with no range open around them;
//  (b) every range pushed is popped by the time the job returns.
// Needs BARCODE_MEDIA (the test clips). Exit code 0 when both hold; one summary line.
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/job.h"
#include "base/mpi_env.h"
#include "base/stage_mark.h"
#include "plan/options.h"

namespace {

std::mutex g_mutex;
std::map<std::thread::id, int> g_depth;      // open ranges per thread
std::map<std::string, int> g_depth_at_push;  // the job thread's depth when a stage was pushed
std::thread::id g_job_thread;

void push(const char* name) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  int& depth = g_depth[std::this_thread::get_id()];
  if (std::this_thread::get_id() == g_job_thread) g_depth_at_push.emplace(name, depth);
  ++depth;
}

void pop() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  --g_depth[std::this_thread::get_id()];
}

}  // namespace

int main(int argc, char** argv) {
  barcode::MpiEnv env(&argc, &argv);
  const char* media = std::getenv("BARCODE_MEDIA");
  if (!media) {
    std::printf("stage_marks_mpi_test: BARCODE_MEDIA is not set\n");
    return 1;
  }
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("stage_marks_" + std::to_string(::getpid()));
  std::filesystem::create_directories(out);
  const std::string clip = std::string(media) + "/busy_h264.mp4";
  const std::string h5 = (out / "marks.h5").string();
  std::vector<std::string> args = {"barcode_mpi", clip, "-o", h5, "--gpu", "off", "-v", "0"};
  std::vector<char*> argv_job;
  for (std::string& a : args) argv_job.push_back(a.data());
  const barcode::ParseResult parsed =
      barcode::parse_options(static_cast<int>(argv_job.size()), argv_job.data(), true);
  if (!parsed.options) return 1;
  g_job_thread = std::this_thread::get_id();
  barcode::install_stage_marker({push, pop});
  const int code = barcode::run_job(env, *parsed.options);
  barcode::install_stage_marker({});
  std::filesystem::remove_all(out);

  int failed = code == 0 ? 0 : 1;
  if (code != 0) std::printf("the job ended with exit code %d\n", code);
  for (const char* stage : {"palette", "render"}) {
    const auto at = g_depth_at_push.find(stage);
    if (at == g_depth_at_push.end()) {
      std::printf("no \"%s\" range was pushed\n", stage);
      failed = 1;
    } else if (at->second != 0) {
      std::printf("\"%s\" was pushed inside %d open range(s)\n", stage, at->second);
      failed = 1;
    }
  }
  for (const auto& [thread, depth] : g_depth) {
    if (depth != 0) {
      std::printf("a thread left %d range(s) open\n", depth);
      failed = 1;
    }
  }
  std::printf("stage_marks_mpi_test: %s\n", failed ? "FAILED" : "passed");
  return failed;
}
