// One writer per output file. A run holds an exclusive lock (flock) on FILE.lock from before it
// creates or opens FILE (an OUT.h5.partial) until it ends, so that a second run given the same
// -o is refused instead of truncating the first one's file. A separate lock file, not FILE
// itself: MPI-IO takes byte-range locks on FILE on some filesystems, which a lock of ours on
// the same file could block. The lock file is removed when the lock is released; one left by
// a killed run is harmless (the kernel dropped its lock) and is reused.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>

namespace barcode {

class OutputLock {
 public:
  // Takes the lock of `file`. Throws usage_error naming the file when another run holds it,
  // Error when the lock file cannot be made. On a filesystem without locks (Lustre mounted
  // without -o flock) it warns once and holds nothing.
  explicit OutputLock(const std::string& file);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // Whether another process holds the lock of `file` now.
  static bool held_elsewhere(const std::string& file);

  static std::string lock_path(const std::string& file) { return file + ".lock"; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Collective. Rank 0 of `comm` takes the lock of `file` and every rank learns the outcome, so
// that all throw the same error (usage_error when another run holds it) before any of them
// touches `file`. Rank 0 gets the lock, the others nullptr.
std::unique_ptr<OutputLock> lock_output(MPI_Comm comm, const std::string& file);

}  // namespace barcode
