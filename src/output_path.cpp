#include "output_path.h"

#include <unistd.h>

#include <filesystem>

#include "error.h"

namespace barcode {

void check_output_path(const std::string& path, bool overwrite, const std::string& input) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (fs::is_directory(path, ec)) throw usage_error(path + ": is a directory");
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
