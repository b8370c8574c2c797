// CPU seconds the calling thread has run since construction (CLOCK_THREAD_CPUTIME_ID): the timer
// of CPU work done by threads that share their cores with others (the CPU sink's conversion and
// clustering). A wall clock there also counts the time the thread sat preempted while the
// decoders ran: on a 2-core machine with 1 decoder of 2 threads and 2 clustering threads the
// clustering's wall time was 2.2x its CPU time (docs/benchmarks.md, issue 12).
#pragma once

#include <time.h>

#include <cstdint>

namespace barcode {

class ThreadCpuClock {
 public:
  ThreadCpuClock() : start_ns_(now_ns()) {}
  double seconds() const { return static_cast<double>(now_ns() - start_ns_) * 1e-9; }

  // The calling thread's CPU time in nanoseconds; 0 where the clock cannot be read (it is a
  // measurement, never worth failing a run for: the summary then shows 0).
  static int64_t now_ns() {
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return 0;
    return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
  }

 private:
  int64_t start_ns_;
};

}  // namespace barcode
