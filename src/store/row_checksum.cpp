#include "store/row_checksum.h"

#include <cstring>

namespace barcode {

void Fnv1a::add(const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    hash_ ^= p[i];
    hash_ *= 0x100000001b3ULL;
  }
}

uint64_t tile_digest(const uint8_t* data, size_t bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, data + i, 8);
    hash ^= word;
    hash *= 0x100000001b3ULL;
  }
  for (; i < bytes; ++i) {
    hash ^= data[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

Fnv1a row_colours_hash(const RowColours& row) {
  Fnv1a h;
  h.add(&row.position, sizeof row.position);
  h.add(row.dominant, 3);
  h.add(row.mean, 3);
  h.add(row.palette, row.k * 3 * sizeof(float));
  h.add(row.weights, row.k * sizeof(float));
  h.add(&row.inertia, sizeof row.inertia);
  h.add(&row.iterations, sizeof row.iterations);
  h.add(row.column, row.column_bytes);
  return h;
}

}  // namespace barcode
