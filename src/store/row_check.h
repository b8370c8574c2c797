// Checking the rows of a barcode file read back against /frames/checksum (store/row_checksum.h):
// its colours alone, or its colours and its stored tile where the checksums cover the tiles
// (--keep-thumbs). Shared by barcode_render, --resume of a finished file and --from-h5.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/h5_read.h"

namespace barcode {

// Reads single tiles of a file's /frames/thumbs with pread() straight from the file's bytes
// (see locate_thumbs), so threads may read at once: the HDF5 library is not thread-safe.
class ThumbReader {
 public:
  // Throws Error naming the file when it cannot be opened.
  ThumbReader(const std::string& path, const StoredThumbs& thumbs);
  ~ThumbReader();
  ThumbReader(const ThumbReader&) = delete;
  ThumbReader& operator=(const ThumbReader&) = delete;

  // Reads row `row`'s tile (thumbs.tile_bytes() bytes) into `tile`. Throws Error naming the
  // file, the row and the cause.
  void read(int64_t row, uint8_t* tile) const;

 private:
  std::string path_;
  StoredThumbs thumbs_;
  int fd_ = -1;
};

// The checksum's hash of row `row`'s colours as `file` holds them (Fnv1a state: the checksum
// itself where it covers the colours alone).
uint64_t stored_colours_hash(const BarcodeFile& file, size_t row);

// Whether a row's checksum holds for the hash of its colours and its stored tile.
bool checksum_holds_with_tile(uint64_t colours_hash, const uint8_t* tile, size_t tile_bytes,
                              uint64_t checksum);

// The done rows of `file` whose checksum fails, in file order: damaged on disk. Where the
// checksums cover the stored tiles, every done row's tile is read from file.path (the whole
// /frames/thumbs, once, a row at a time). Empty when the file has no checksums (older files)
// or no /color/column to check them with. Throws as locate_thumbs and ThumbReader do.
std::vector<int64_t> rows_failing_checksum(const BarcodeFile& file);

}  // namespace barcode
