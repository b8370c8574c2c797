// The check every output path gets before any work starts (barcode_mpi and barcode_render).
#pragma once

#include <string>

namespace barcode {

// Throws usage_error naming `path` unless it can be written: its directory exists and is
// writable, and `path` is absent or, with `overwrite`, a regular file other than `input`
// (never a directory, a device, a FIFO: renaming onto /dev/null would replace the node).
void check_output_path(const std::string& path, bool overwrite, const std::string& input = "");

// Throws usage_error unless `path`, a file the tool makes beside its output (OUT.partial,
// OUT.lock), is absent or a regular file.
void check_work_file(const std::string& path);

}  // namespace barcode
