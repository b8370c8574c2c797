#include "video/jpeg_end.h"

namespace barcode {

bool jpeg_is_cut(const uint8_t* data, int64_t size) {
  // From the end backwards, the end marker is normally found within the last few bytes.
  for (int64_t i = size - 2; i >= 0; --i) {
    if (data[i] != 0xFF) continue;
    if (data[i + 1] == 0xD9) return false;  // the end, after the last scan
    if (data[i + 1] == 0xDA) return true;   // the last scan, with no end after it
  }
  return true;  // no scan at all: not a picture's data
}

}  // namespace barcode
