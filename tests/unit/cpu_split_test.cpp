// The default decoder split of a CPU-only rank (pipeline/cpu_split.h).
#include "pipeline/cpu_split.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

TEST(CpuSplit, OneDecoderOfTwoThreadsPerTwoCores) {
  // One core (mpirun --bind-to core): one decoder, one thread.
  EXPECT_EQ(1, default_cpu_decoders(1));
  EXPECT_EQ(1, threads_per_decoder(1, default_cpu_decoders(1)));
  // Two cores: one decoder with both; three: one decoder with three.
  EXPECT_EQ(1, default_cpu_decoders(2));
  EXPECT_EQ(2, threads_per_decoder(2, default_cpu_decoders(2)));
  EXPECT_EQ(3, threads_per_decoder(3, default_cpu_decoders(3)));
  for (int cores : {4, 8, 16, 32}) {
    EXPECT_EQ(cores / 2, default_cpu_decoders(cores)) << cores;
    EXPECT_EQ(2, threads_per_decoder(cores, default_cpu_decoders(cores))) << cores;
  }
}

TEST(CpuSplit, LargeRanksGiveDecodersMoreThreads) {
  EXPECT_EQ(kMaxCpuDecoders, default_cpu_decoders(64));
  EXPECT_EQ(4, threads_per_decoder(64, default_cpu_decoders(64)));
  EXPECT_EQ(3, threads_per_decoder(48, default_cpu_decoders(48)));
}

TEST(CpuSplit, NeverZero) {
  EXPECT_EQ(1, default_cpu_decoders(0));
  EXPECT_EQ(1, threads_per_decoder(0, 0));
  EXPECT_EQ(1, threads_per_decoder(3, 8));  // more decoders than threads: one each
}

}  // namespace
}  // namespace barcode
