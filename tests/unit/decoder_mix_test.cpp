// The decoders a rank uses by default, from its cores and whether it has NVDEC.
#include "pipeline/decoder_mix.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

TEST(DecoderMix, GpuNodeOfSixteenCores) {
  const DecoderMix mix = default_decoder_mix(16, true, 1);
  EXPECT_EQ(mix.nvdec_sessions, 8);
  EXPECT_EQ(mix.software_decoders, 12);  // the measured best end to end (docs/benchmarks.md)
  EXPECT_EQ(mix.threads_per_software_decoder, 1);
}

TEST(DecoderMix, HevcIsLeftToNvdec) {
  const DecoderMix mix = default_decoder_mix(16, true, 1, {"hevc", false});
  EXPECT_EQ(mix.nvdec_sessions, 8);
  EXPECT_EQ(mix.software_decoders, 0);
}

TEST(DecoderMix, ArchivesGetFewerFasterSoftwareDecoders) {
  const DecoderMix mix = default_decoder_mix(16, true, 1, {"", true});
  EXPECT_EQ(mix.nvdec_sessions, 8);
  EXPECT_EQ(mix.software_decoders, 5);
  EXPECT_EQ(mix.threads_per_software_decoder, 2);
}

TEST(DecoderMix, RanksSharingAGpuShareItsSessions) {
  const DecoderMix mix = default_decoder_mix(8, true, 4);
  EXPECT_EQ(mix.nvdec_sessions, 2);
  EXPECT_EQ(mix.software_decoders, 7);
}

TEST(DecoderMix, FewCoresBesideNvdecGetNoSoftwareDecoder) {
  EXPECT_EQ(default_decoder_mix(1, true, 1).software_decoders, 0);
  EXPECT_EQ(default_decoder_mix(4, true, 1).software_decoders, 0);
}

TEST(DecoderMix, CpuOnlyRanksSplitTheirCores) {
  const DecoderMix sixteen = default_decoder_mix(16, false, 1);
  EXPECT_EQ(sixteen.nvdec_sessions, 0);
  EXPECT_EQ(sixteen.software_decoders, 16);
  EXPECT_EQ(sixteen.threads_per_software_decoder, 1);
  const DecoderMix one = default_decoder_mix(1, false, 1);
  EXPECT_EQ(one.software_decoders, 1);
  EXPECT_EQ(one.threads_per_software_decoder, 1);
}

}  // namespace
}  // namespace barcode
