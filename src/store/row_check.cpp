#include "store/row_check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "store/row_checksum.h"

namespace barcode {

ThumbReader::ThumbReader(const std::string& path, const StoredThumbs& thumbs)
    : path_(path), thumbs_(thumbs), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) throw Error(path + ": cannot open for reading tiles: " + std::strerror(errno));
}

ThumbReader::~ThumbReader() {
  ::close(fd_);
}

void ThumbReader::read(int64_t row, uint8_t* tile) const {
  const auto bytes = static_cast<size_t>(thumbs_.tile_bytes());
  const auto offset = static_cast<off_t>(thumbs_.offset + row * thumbs_.tile_bytes());
  size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::pread(fd_, tile + got, bytes - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw Error(path_ + ": reading the tile of row " + std::to_string(row) +
                  " failed: " + (n < 0 ? std::strerror(errno) : "file too short"));
    }
    got += static_cast<size_t>(n);
  }
}

uint64_t stored_colours_hash(const BarcodeFile& file, size_t row) {
  const auto k = static_cast<size_t>(file.k);
  const size_t column_bytes = static_cast<size_t>(file.column_height) * 3;
  return row_colours_hash(
             RowColours{static_cast<int64_t>(row), &file.dominant[row * 3], &file.mean[row * 3],
                        &file.palette[row * k * 3], &file.weights[row * k], k, file.inertia[row],
                        file.iterations[row], &file.column[row * column_bytes], column_bytes})
      .value();
}

bool checksum_holds_with_tile(uint64_t colours_hash, const uint8_t* tile, size_t tile_bytes,
                              uint64_t checksum) {
  Fnv1a hash(colours_hash);
  const uint64_t digest = tile_digest(tile, tile_bytes);
  hash.add(&digest, sizeof digest);
  return hash.value() == checksum;
}

std::vector<int64_t> rows_failing_checksum(const BarcodeFile& file) {
  std::vector<int64_t> failing;
  if (file.checksum.empty() || file.column.empty()) return failing;
  if (!file.checksum_covers_thumbs) {
    for (size_t r = 0; r < file.done.size(); ++r) {
      if (file.done[r] && stored_colours_hash(file, r) != file.checksum[r]) {
        failing.push_back(static_cast<int64_t>(r));
      }
    }
    return failing;
  }
  const StoredThumbs thumbs = locate_thumbs(file.path);
  if (thumbs.rows != file.samples) {
    throw usage_error(file.path + ": /frames/thumbs has " + std::to_string(thumbs.rows) +
                      " rows, /color/palette " + std::to_string(file.samples));
  }
  const ThumbReader reader(file.path, thumbs);
  std::vector<uint8_t> tile(static_cast<size_t>(thumbs.tile_bytes()));
  for (size_t r = 0; r < file.done.size(); ++r) {
    if (!file.done[r]) continue;
    reader.read(static_cast<int64_t>(r), tile.data());
    if (!checksum_holds_with_tile(stored_colours_hash(file, r), tile.data(), tile.size(),
                                  file.checksum[r])) {
      failing.push_back(static_cast<int64_t>(r));
    }
  }
  return failing;
}

}  // namespace barcode
