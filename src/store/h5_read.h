// Reading a barcode HDF5 file back (one process, no MPI): for rendering and for tools.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barcode {

struct StoredColors {
  int64_t samples = 0;
  int k = 0;
  std::vector<uint8_t> done;      // [N]
  std::vector<uint8_t> dominant;  // [N*3]
  std::vector<uint8_t> mean;      // [N*3]
  std::vector<double> time;       // [N]
};

// Throws Error naming the file when it is not a barcode HDF5 file.
StoredColors read_colors(const std::string& path);

}  // namespace barcode
