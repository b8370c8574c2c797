// The check every output path gets before any work starts (barcode_mpi and barcode_render).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barcode {

// Throws usage_error naming `path` unless it can be written: its directory exists and is
// writable, and `path` is absent or, with `overwrite`, a regular file other than `input`
// (never a directory, a device, a FIFO: renaming onto /dev/null would replace the node).
void check_output_path(const std::string& path, bool overwrite, const std::string& input = "");

// Whether `a` and `b` name one file, however spelt (./x.h5 and x.h5, a path through a
// symbolic link to a directory, a hard link): their absolute paths with links resolved as far as
// they exist, or, where both exist, their device and inode.
bool names_same_file(const std::string& a, const std::string& b);

// Throws usage_error naming both spellings when two of `outputs`, or an output and `input` (when
// given), are the same file: compared as resolved absolute paths (symbolic links, "." and ".."
// followed: std::filesystem::weakly_canonical) and, where both exist, as device and inode (hard
// links). "y.png" and "./y.png" would otherwise overwrite each other.
void check_distinct_outputs(const std::vector<std::string>& outputs, const std::string& input = "");

// Throws usage_error unless `path`, a file the tool makes beside its output (OUT.partial,
// OUT.lock), is absent or a regular file.
void check_work_file(const std::string& path);

// Throws Error naming `path` unless its file system has room for `bytes` more, quotas
// included: it reserves that much in a scratch file beside `path` (fallocate) and gives
// it back at once. A collective file creation that runs out of room on one rank can leave the
// others waiting in parallel HDF5 forever, so a job asks before it makes its file. Where the
// file system cannot reserve room (no fallocate), it passes.
void check_room_for(const std::string& path, int64_t bytes);

}  // namespace barcode
