// Reading a barcode HDF5 file back (one process, no MPI): for rendering and for tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barcode {

// One root attribute. barcode_mpi writes scalars (int64, float64, booleans, strings); other
// writers may store arrays, so numbers are kept as lists (a scalar is a list of one).
struct StoredAttribute {
  enum class Kind { kInteger, kFloat, kText, kOther };
  std::string name;
  Kind kind = Kind::kOther;
  std::vector<int64_t> integers;  // kInteger
  bool boolean = false;           // kInteger holding flags (0/1), stored as booleans or in
                                  // layout 1 as integers (store/schema.h)
  std::vector<double> floats;     // kFloat
  std::string text;               // kText
};

// Everything a renderer or an exporter needs from a barcode file: N rows, k clusters each.
struct BarcodeFile {
  std::string path;
  int64_t samples = 0;
  int k = 0;
  std::vector<int64_t> index;         // [N]   /frames/index
  std::vector<int64_t> pts;           // [N]   /frames/pts
  std::vector<double> time;           // [N]   /frames/time
  std::vector<uint8_t> done;          // [N]   /frames/done
  std::vector<uint8_t> dominant;      // [N*3] /color/dominant
  std::vector<uint8_t> mean;          // [N*3] /color/mean
  std::vector<float> palette;         // [N*k*3] /color/palette, sRGB 0..255, by weight descending
  std::vector<float> weights;         // [N*k] /color/weights
  std::vector<double> inertia;        // [N]   /color/inertia
  std::vector<float> movie_palette;   // [K*3] /movie/palette, empty when the file has none
  std::vector<double> movie_weights;  // [K]   /movie/weights, empty when the file has none
  std::vector<uint8_t> movie_labels;  // [N*k] /movie/labels, empty when the file has none
  // /movie is there but was never computed: every /movie/weights is 0 (a run stops before its
  // movie palette; its datasets hold zeros). movie_palette, movie_weights and movie_labels are
  // then left empty, so that nothing draws or exports those zeros as colours.
  bool movie_palette_pending = false;
  int column_height = 0;        // H of /color/column; 0 when the file has none
  std::vector<uint8_t> column;  // [N*H*3] /color/column, empty when the file has none
  // /color/iterations and /frames/checksum (see store/row_checksum.h), empty when the file has
  // none; whether the checksums cover the stored tiles too.
  std::vector<int32_t> iterations;  // [N]
  std::vector<uint64_t> checksum;   // [N]
  bool checksum_covers_thumbs = false;
  // Root attributes, in HDF5's name order. Files of layout 1 (store/schema.h) are read as
  // layout 2: the source's facts under their new names, flags marked boolean.
  std::vector<StoredAttribute> attributes;

  // Rows whose colours were written (/frames/done != 0), in file order.
  std::vector<int64_t> done_rows() const;

  // The root attribute `name`, or nullptr.
  const StoredAttribute* attribute(const std::string& name) const;
};

// Whether `path` is a barcode file of a finished run (root attribute complete == 1); false for
// anything else, without an exception.
bool is_complete_barcode_file(const std::string& path);

// The fixed-length text root attribute `name` of an HDF5 file; "" when it is absent or not
// such text. Usage error when the file cannot be opened as HDF5.
std::string read_text_attribute(const std::string& path, const std::string& name);

// Where a file's /frames/thumbs (--keep-thumbs) lie: a contiguous uint8 dataset [N, H, W, 3]
// whose bytes start at `offset` in the file, so that threads can read tiles with pread()
// (the HDF5 library is not thread-safe).
struct StoredThumbs {
  int64_t offset = 0;
  int64_t rows = 0;
  int height = 0;
  int width = 0;
  int64_t tile_bytes() const { return int64_t{width} * height * 3; }
};

// Usage error when the file has no such dataset (made without --keep-thumbs) or it is stored
// some other way.
StoredThumbs locate_thumbs(const std::string& path);

// Reads the whole file. Every problem with the input (missing, not HDF5, not a barcode file: a
// dataset absent or of the wrong shape) throws a usage error (exit code 2) naming the file and
// the cause; a failing read of a well-formed file throws Error (exit code 1).
BarcodeFile read_barcode_file(const std::string& path);

}  // namespace barcode
