// Outputs that exist only whole: each is written to a temporary file of its own beside it,
// PATH.partial-PID-N, and renamed over PATH when complete. The temporary is created with
// O_CREAT | O_EXCL | O_NOFOLLOW, so that it never takes over a file already there nor writes
// through a symbolic link planted under its name, and it is removed when writing fails. Shared
// by the PNG writer and the text files (exports, gallery pages).
//
// The temporaries alive are recorded, so that barcode_render can remove them when a signal
// stops it (remove_partial_files_on_signals).
#pragma once

#include <cstdio>
#include <string>

namespace barcode {

class PartialFile {
 public:
  // Creates the temporary beside `path`. `what` names the kind of file in messages ("PNG",
  // "CSV"). Throws Error naming `path` and the cause.
  PartialFile(std::string path, const char* what);
  // Not committed (an error is on its way): closes and removes the temporary.
  ~PartialFile();
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  FILE* stream() const { return file_; }
  const std::string& temporary() const { return temporary_; }

  // Throws Error "PATH: cannot write WHAT: <strerror(error)>"; the destructor removes the
  // temporary as the error leaves.
  [[noreturn]] void fail(int error) const;

  // Closes the temporary and renames it to the path: over a file there when `replace`, else
  // only where none is (another run may have written the path since this one checked it). On
  // failure removes it and throws Error naming the path and the cause.
  void commit(bool replace = true);

 private:
  void discard();

  std::string path_;
  const char* what_;
  std::string temporary_;
  FILE* file_ = nullptr;
  int slot_ = -1;  // in the record of live temporaries
};

// For barcode_render (barcode_mpi has its own checkpointing handlers): on SIGINT, SIGTERM,
// SIGUSR1 or SIGUSR2 every temporary still being written is removed, a line says so on stderr,
// and the process exits with kExitInterrupted (4). Outputs already renamed into place stay.
void remove_partial_files_on_signals();

}  // namespace barcode
