// The check every output path gets before any work starts (barcode_mpi and barcode_render).
#pragma once

#include <string>

namespace barcode {

// Throws usage_error naming `path` unless it can be written: its directory exists and is
// writable, it is not a directory, and it does not exist already unless `overwrite` (and then
// it is not the file `input`).
void check_output_path(const std::string& path, bool overwrite, const std::string& input = "");

}  // namespace barcode
