#include "base/output_path.h"

#include <unistd.h>

#include <filesystem>

#include "base/error.h"

namespace barcode {

void check_work_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || status.type() == fs::file_type::not_found) return;
  if (fs::is_directory(status)) throw usage_error(path + ": is a directory");
  if (!fs::is_regular_file(status)) {
    throw usage_error(path + ": exists and is not a regular file (a device, FIFO or socket); " +
                      "outputs are only written as regular files");
  }
}

void check_output_path(const std::string& path, bool overwrite, const std::string& input) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    check_work_file(path);
    if (!overwrite) throw usage_error(path + ": exists; pass --overwrite to replace it");
    if (!input.empty() && fs::equivalent(path, input, ec)) {
      throw usage_error(path + ": is the input file");
    }
  }
  const fs::path parent = fs::path(path).parent_path();
  const fs::path dir = parent.empty() ? fs::path(".") : parent;
  if (!fs::is_directory(dir, ec)) {
    throw usage_error(path + ": cannot write: directory " + dir.string() + " does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw usage_error(path + ": cannot write: directory " + dir.string() + " is not writable");
  }
}

}  // namespace barcode
