// ThreadCpuClock counts the CPU time of the calling thread only: a thread that sleeps (or waits
// for a core, as the CPU sink's threads do beside the decoders) adds nothing, which a wall clock
// would count; a thread that computes adds its work, never more than the wall time.
#include "base/thread_cpu_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/stopwatch.h"

namespace barcode {
namespace {

TEST(ThreadCpuClock, SleepingAddsNoCpuTime) {
  const Stopwatch wall;
  const ThreadCpuClock cpu;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GE(wall.seconds(), 0.3);
  EXPECT_LT(cpu.seconds(), 0.05);
}

TEST(ThreadCpuClock, ComputingAddsCpuTimeUpToTheWallTime) {
  const Stopwatch wall;
  const ThreadCpuClock cpu;
  volatile uint64_t sink = 0;
  while (cpu.seconds() < 0.02 && wall.seconds() < 30) {
    for (int i = 0; i < 10000; ++i) sink = sink + static_cast<uint64_t>(i);
  }
  const double cpu_s = cpu.seconds();
  EXPECT_GE(cpu_s, 0.02);
  EXPECT_LE(cpu_s, wall.seconds());
}

TEST(ThreadCpuClock, OtherThreadsWorkIsNotCounted) {
  const ThreadCpuClock cpu;
  std::thread worker([] {
    const ThreadCpuClock own;
    volatile uint64_t sink = 0;
    while (own.seconds() < 0.05) {
      for (int i = 0; i < 10000; ++i) sink = sink + static_cast<uint64_t>(i);
    }
  });
  worker.join();
  EXPECT_LT(cpu.seconds(), 0.02);
}

}  // namespace
}  // namespace barcode
