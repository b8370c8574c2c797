#include "video/jpeg_end.h"

#include <gtest/gtest.h>

#include <vector>

namespace barcode {
namespace {

bool cut(const std::vector<uint8_t>& bytes) {
  return jpeg_is_cut(bytes.data(), static_cast<int64_t>(bytes.size()));
}

// Start of image, a scan with stuffed 0xFF bytes and a restart marker, end of image.
const std::vector<uint8_t> kWhole = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF,
                                     0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9};

TEST(JpegEnd, AWholePictureIsNotCut) {
  EXPECT_FALSE(cut(kWhole));
  std::vector<uint8_t> padded = kWhole;
  padded.insert(padded.end(), {0x00, 0x00, 0x00});  // AVI chunks padded after the end
  EXPECT_FALSE(cut(padded));
}

TEST(JpegEnd, APictureCutAnywhereInItsScanIsCut) {
  for (size_t keep = 4; keep < kWhole.size(); ++keep) {
    const std::vector<uint8_t> part(kWhole.begin(), kWhole.begin() + static_cast<long>(keep));
    EXPECT_TRUE(cut(part)) << keep << " bytes";
  }
}

TEST(JpegEnd, AThumbnailsEndBeforeTheScanDoesNotCount) {
  // An APP1 segment holding a thumbnail (with its own scan and end), then the picture's scan,
  // cut short.
  const std::vector<uint8_t> with_thumbnail = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08,
                                               0xFF, 0xDA, 0x01, 0xFF, 0xD9, 0x00,
                                               0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34};
  EXPECT_TRUE(cut(with_thumbnail));
  std::vector<uint8_t> whole = with_thumbnail;
  whole.insert(whole.end(), {0xFF, 0xD9});
  EXPECT_FALSE(cut(whole));
}

TEST(JpegEnd, NoScanAtAllIsCut) {
  EXPECT_TRUE(cut({}));
  EXPECT_TRUE(cut({0xFF, 0xD8}));
}

}  // namespace
}  // namespace barcode
