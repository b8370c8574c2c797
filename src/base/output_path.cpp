#include "base/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace barcode {
namespace {

// One file as the system sees it, whatever its spelling.
struct ResolvedPath {
  std::string given;
  std::string resolved;  // absolute, links followed as far as the path exists
  bool exists = false;   // then dev and ino identify it
  dev_t dev = 0;
  ino_t ino = 0;

  bool same_file(const ResolvedPath& other) const {
    return resolved == other.resolved ||
           (exists && other.exists && dev == other.dev && ino == other.ino);
  }
};

ResolvedPath resolve(const std::string& path) {
  namespace fs = std::filesystem;
  ResolvedPath r;
  r.given = path;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = fs::path(path);
  const fs::path canonical = fs::weakly_canonical(absolute, ec);
  // Where the path cannot be resolved (a directory not searchable), its lexical form still
  // catches "./y.png" against "y.png".
  r.resolved = (ec ? absolute.lexically_normal() : canonical).string();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    r.exists = true;
    r.dev = st.st_dev;
    r.ino = st.st_ino;
  }
  return r;
}

}  // namespace

void check_distinct_outputs(const std::vector<std::string>& outputs, const std::string& input) {
  std::vector<ResolvedPath> seen;
  if (!input.empty()) seen.push_back(resolve(input));
  for (const std::string& output : outputs) {
    const ResolvedPath here = resolve(output);
    for (size_t i = 0; i < seen.size(); ++i) {
      if (!here.same_file(seen[i])) continue;
      if (!input.empty() && i == 0) {
        throw usage_error(output + ": is the input file " + input + " (" + here.resolved +
                          "); write the outputs elsewhere");
      }
      throw usage_error(output + ": names the same file as the output " + seen[i].given + " (" +
                        here.resolved + "); give each output its own name");
    }
    seen.push_back(here);
  }
}

bool names_same_file(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && resolve(a).same_file(resolve(b));
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
  // The files made beside an output (OUT.partial.lock, OUT.partial-PID-N) lengthen its name:
  // a name the file system takes could fail as theirs after all the work.
  constexpr size_t kLongestSuffix = 20;  // ".partial-" + PID (7 digits) + "-" + N (3 digits)
  const size_t length = fs::path(path).filename().string().size();
  const long name_max = pathconf(dir.c_str(), _PC_NAME_MAX);
  if (name_max > 0 && length + kLongestSuffix > static_cast<size_t>(name_max)) {
    throw usage_error(path + ": its name is too long: " + std::to_string(length) +
                      " bytes, and the files made beside it while it is written add up to " +
                      std::to_string(kLongestSuffix) + " to it, over the file system's " +
                      std::to_string(name_max) + "; choose a shorter name");
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
