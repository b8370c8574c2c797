// Wall-clock seconds since construction: the timer of every stage (decoders, sinks, plan, write
// rounds). Its own header so that timing a stage depends on nothing else (summary.h, which
// reduces the times over ranks, needs MPI).
#pragma once

#include <chrono>

namespace barcode {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace barcode
