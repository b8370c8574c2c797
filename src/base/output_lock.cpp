#include "base/output_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/log.h"
#include "base/mpi_env.h"

namespace barcode {
namespace {

// How long a busy lock is retried before the run is refused: covers another process's
// held_elsewhere() check, which holds a shared lock for an instant.
constexpr int kBusyTries = 20;
constexpr auto kBusyWait = std::chrono::milliseconds(25);

bool same_file(int fd, const std::string& path) {
  struct stat open_file {};
  struct stat named {};
  return fstat(fd, &open_file) == 0 && stat(path.c_str(), &named) == 0 &&
         open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

OutputLock::OutputLock(const std::string& file) : path_(lock_path(file)) {
  for (int busy = 0;;) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
      throw Error(path_ + ": cannot create the lock file of " + file + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw usage_error(path_ + ": exists and is not a regular file");
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      // The holder before us removes the file as it lets go: if it did so after we opened it,
      // we hold a lock on a file nobody else will see; try again on the new one.
      if (same_file(fd, path_)) {
        fd_ = fd;
        return;
      }
      ::close(fd);
      continue;
    }
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK || error == EINTR) {
      if (++busy < kBusyTries) {
        std::this_thread::sleep_for(kBusyWait);
        continue;
      }
      throw usage_error(file + ": another run is writing this file (it holds " + path_ +
                        "); wait for it to finish or stop it, or choose another -o");
    }
    // ENOLCK, ENOSYS, EOPNOTSUPP: the filesystem keeps no locks.
    log::warn(path_ + ": cannot lock (" + std::strerror(error) +
              "): nothing stops two runs from writing " + file + " at once");
    ::unlink(path_.c_str());
    return;
  }
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked: see the constructor
  ::close(fd_);
}

bool OutputLock::held_elsewhere(const std::string& file) {
  const std::string path = lock_path(file);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the shared lock, if taken
  return held;
}

std::unique_ptr<OutputLock> lock_output(MPI_Comm comm, const std::string& file) {
  int rank = 0;
  mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  std::unique_ptr<OutputLock> lock;
  int code = 0;
  std::string message;
  if (rank == 0) {
    try {
      lock = std::make_unique<OutputLock>(file);
    } catch (const Error& e) {
      code = e.exit_code();
      message = e.what();
    }
  }
  mpi_check(MPI_Bcast(&code, 1, MPI_INT, 0, comm), "MPI_Bcast(output lock)");
  if (code != 0) throw Error(rank == 0 ? message : file + ": locked by another run", code);
  return lock;
}

}  // namespace barcode
