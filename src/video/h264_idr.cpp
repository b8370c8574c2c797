#include "video/h264_idr.h"

namespace barcode {
namespace {

constexpr int kNalTypeMask = 0x1F;
constexpr int kNonIdrSlice = 1;  // types 1-4: slices and slice data partitions
constexpr int kIdrSlice = 5;

// What the first NAL unit with a slice says: 1 an IDR slice, 0 another slice, -1 not a slice.
int slice_kind(uint8_t header) {
  const int type = header & kNalTypeMask;
  if (type == kIdrSlice) return 1;
  if (type >= kNonIdrSlice && type < kIdrSlice) return 0;
  return -1;
}

bool annex_b_is_idr(const uint8_t* data, int64_t size) {
  // A unit starts after each 00 00 01 (a four-byte start code ends with the same three bytes).
  for (int64_t i = 0; i + 3 < size; ++i) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    const int kind = slice_kind(data[i + 3]);
    if (kind >= 0) return kind == 1;
    i += 2;
  }
  return false;
}

bool length_prefixed_is_idr(const uint8_t* data, int64_t size, int length_size) {
  int64_t at = 0;
  while (at + length_size < size) {
    int64_t length = 0;
    for (int b = 0; b < length_size; ++b) length = (length << 8) | data[at + b];
    at += length_size;
    if (length <= 0 || length > size - at) return false;  // cut short or not this format
    const int kind = slice_kind(data[at]);
    if (kind >= 0) return kind == 1;
    at += length;
  }
  return false;
}

}  // namespace

int h264_nal_length_size(const uint8_t* extradata, int size) {
  // avcC: configurationVersion 1, profile, compatibility, level, then 6 reserved bits and
  // lengthSizeMinusOne in the low two bits (3 is not a valid size).
  if (extradata == nullptr || size < 7 || extradata[0] != 1) return 0;
  const int length_size = (extradata[4] & 3) + 1;
  return length_size == 3 ? -1 : length_size;
}

bool h264_access_unit_is_idr(const uint8_t* data, int64_t size, int nal_length_size) {
  if (data == nullptr || size <= 0 || nal_length_size < 0) return false;
  return nal_length_size == 0 ? annex_b_is_idr(data, size)
                              : length_prefixed_is_idr(data, size, nal_length_size);
}

}  // namespace barcode
