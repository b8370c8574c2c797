#include "base/output_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace barcode {

bool names_same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  if (a.empty() || b.empty()) return false;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  const fs::path resolved_a = fs::weakly_canonical(fs::absolute(a, ec), ec);
  if (ec) return a == b;
  const fs::path resolved_b = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return ec ? a == b : resolved_a == resolved_b;
}

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
    if (names_same_file(path, input)) throw usage_error(path + ": is the input file");
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

void check_room_for(const std::string& path, int64_t bytes) {
  if (bytes <= 0) return;
  const std::string scratch = path + ".room";
  const int fd = ::open(scratch.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;  // the file's own creation reports what is wrong with the place
  // fallocate(2), not posix_fallocate: where the file system cannot reserve, the latter would
  // write every block instead (gigabytes with --keep-thumbs).
  const int rc = ::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) == 0 ? 0 : errno;
  ::close(fd);
  ::unlink(scratch.c_str());
  if (rc == ENOSPC || rc == EDQUOT) {
    throw Error(path + ": no room for it: its file system (or your quota there) lacks the " +
                std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB it needs (" +
                std::strerror(rc) + ")");
  }
}

}  // namespace barcode
