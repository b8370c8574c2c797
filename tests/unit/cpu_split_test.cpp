// The default decoder split of a CPU-only rank (pipeline/cpu_split.h).
#include "pipeline/cpu_split.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

TEST(CpuSplit, OneDecoderOfOneThreadPerCore) {
  // One core (mpirun --bind-to core): one decoder, one thread.
  EXPECT_EQ(1, default_cpu_decoders(1));
  EXPECT_EQ(1, threads_per_decoder(1, default_cpu_decoders(1)));
  for (int cores : {2, 3, 8, 16}) {
    EXPECT_EQ(cores, default_cpu_decoders(cores)) << cores;
    EXPECT_EQ(1, threads_per_decoder(cores, default_cpu_decoders(cores))) << cores;
  }
}

TEST(CpuSplit, LargeRanksGiveDecodersMoreThreads) {
  EXPECT_EQ(kMaxCpuDecoders, default_cpu_decoders(64));
  EXPECT_EQ(4, threads_per_decoder(64, default_cpu_decoders(64)));
  EXPECT_EQ(3, threads_per_decoder(48, default_cpu_decoders(48)));
  EXPECT_EQ(2, threads_per_decoder(32, default_cpu_decoders(32)));
}

TEST(CpuSplit, NeverZero) {
  EXPECT_EQ(1, default_cpu_decoders(0));
  EXPECT_EQ(1, threads_per_decoder(0, 0));
  EXPECT_EQ(1, threads_per_decoder(3, 8));  // more decoders than threads: one each
}

}  // namespace
}  // namespace barcode
