// The project's one exception type and the exit codes the tool returns.
#pragma once

#include <stdexcept>
#include <string>

namespace barcode {

// Exit codes, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // the job could not go on (I/O, library or device failure)
  kExitUsage = 2,        // invalid options or unusable input: nothing was written
  kExitIncomplete = 3,   // finished, but some selected frames could not be decoded or the input
                         // was truncated: the HDF5 file marks what is missing
  kExitInterrupted = 4,  // stopped by a signal after writing what was finished (OUT.partial):
                         // rerun with --resume to continue
};

// An error with a message fit for the user: it names the file or option and the cause.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int exit_code = kExitFailure)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// An error in what the user gave us (options, input file): exit code 2.
inline Error usage_error(const std::string& what) {
  return Error(what, kExitUsage);
}

}  // namespace barcode
