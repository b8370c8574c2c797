#include "app/resume_check.h"

#include <gtest/gtest.h>

namespace barcode {
namespace {

TEST(ResumeCheck, SameOptionsGiveNoReason) {
  EXPECT_EQ(describe_options_difference("source_size=10 k=8 tol=0.1", "source_size=10 k=8 tol=0.1"),
            "");
}

TEST(ResumeCheck, NamesTheOptionAndBothValues) {
  EXPECT_EQ(describe_options_difference("source_size=10 k=8 max_iter=50 seed=0",
                                        "source_size=10 k=5 max_iter=50 seed=0"),
            "--clusters differs (8 in the file, 5 now)");
  EXPECT_EQ(describe_options_difference("every=1 tile_width=160", "every=1 tile_width=96"),
            "--tile-width differs (160 in the file, 96 now)");
}

TEST(ResumeCheck, AChangedInputComesFirst) {
  EXPECT_EQ(describe_options_difference("source_size=10 source_mtime=5 seed=0",
                                        "source_size=12 source_mtime=5 seed=3"),
            "the input changed: source_size (10 in the file, 12 now); --seed differs (0 in the "
            "file, 3 now)");
}

TEST(ResumeCheck, AChangedContentFingerprintIsTheInput) {
  EXPECT_EQ(describe_options_difference("source=abc k=8", "source=abd k=8"),
            "the input changed: source (abc in the file, abd now)");
}

TEST(ResumeCheck, ExactFloatsAreShownInDecimal) {
  // result_options keeps floats in C's hexadecimal notation; the message shows what was typed.
  EXPECT_EQ(describe_options_difference("end=-0x1p+0 tol=0x0p+0",
                                        "end=0x1.2bfeb851eb852p+9 tol=0x1.999999999999ap-4"),
            "--end differs (-1 in the file, 599.99 now), --tol differs (0 in the file, 0.1 now)");
}

TEST(ResumeCheck, AKeyOnlyOneSideHas) {
  EXPECT_EQ(describe_options_difference("k=8", "k=8 space=lab"),
            "--space differs (nothing in the file, lab now)");
}

}  // namespace
}  // namespace barcode
