// What /frames/checksum holds for a row, shared by the writer (which stores it and checks it
// on --resume) and the readers that check rows before using them (--from-h5's stored tiles).
#pragma once

#include <cstddef>
#include <cstdint>

namespace barcode {

// FNV-1a, 64 bits: enough to notice flipped bytes in a row (not an adversary's). Its state is
// the hash so far, so a hash can be carried over and finished later (with a tile read later).
class Fnv1a {
 public:
  Fnv1a() = default;
  explicit Fnv1a(uint64_t state) : hash_(state) {}
  void add(const void* data, size_t bytes);
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// A stored tile's digest: FNV-1a over its 64-bit words (read in the machine's byte order,
// little-endian on x86-64 and ARM), then its last bytes. A tile is tens of kilobytes: byte by
// byte, hashing every written tile would cost the writer eight times more.
uint64_t tile_digest(const uint8_t* data, size_t bytes);

// One row's stored colour values, each pointing at that row's values in its dataset.
struct RowColours {
  int64_t position;         // the file row: a row of zeros (never written) must not match
  const uint8_t* dominant;  // 3
  const uint8_t* mean;      // 3
  const float* palette;     // k * 3
  const float* weights;     // k
  size_t k;
  double inertia;
  int32_t iterations;
  const uint8_t* column;  // column_bytes
  size_t column_bytes;
};

// The checksum's hash of a row's position and colours, in their stored bytes: /frames/checksum
// is this value, or, where the checksums cover the stored tiles, this hash with the row's
// tile_digest added (Fnv1a::add of its 8 bytes).
Fnv1a row_colours_hash(const RowColours& row);

}  // namespace barcode
