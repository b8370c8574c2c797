// Named ranges on a profiler's timeline, named after the stages of the run's summary so that a
// profile (Nsight Systems: nsys profile --trace=cuda,nvtx) reads like it: "scan", "decode",
// "convert", "cluster", "write", "palette", "render". Until a profiler interface is installed a
// mark costs a test of one pointer; the GPU layer installs NVTX (install_profiler_marks in
// pipeline/gpu_backend.h), a build without CUDA has none.
#pragma once

namespace barcode {

struct StageMarker {
  void (*push)(const char* name) = nullptr;  // opens a range on the calling thread
  void (*pop)() = nullptr;                   // closes the calling thread's innermost range
};

// Once, before the run starts its threads.
void install_stage_marker(StageMarker marker);

// Pushes `name` (a string literal) on this thread's range stack for the object's lifetime.
class StageMark {
 public:
  explicit StageMark(const char* name);
  ~StageMark();
  StageMark(const StageMark&) = delete;
  StageMark& operator=(const StageMark&) = delete;

 private:
  StageMarker marker_;  // the one it pushed with, so that it pops with the same
};

}  // namespace barcode
