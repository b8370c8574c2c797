#include "render/partial_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace barcode {
namespace {

// The record of live temporaries, read by the signal handler: fixed storage and lock-free
// atomics only, as a handler may touch nothing else. Changes happen with the stop signals
// blocked, so that the handler never sees a name whose file is not (or no longer) ours.
struct Slot {
  std::atomic<bool> used{false};
  char path[PATH_MAX] = {};
};
std::array<Slot, 32> g_slots;
static_assert(std::atomic<bool>::is_always_lock_free, "read from a signal handler");

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2};

// Blocks the stop signals in this thread for its lifetime.
class StopSignalsBlocked {
 public:
  StopSignalsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kStopSignals) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~StopSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

// Called with the stop signals blocked. -1 when the record is full: the file is written all the
// same, only a signal would leave it behind.
int record(const std::string& temporary) {
  if (temporary.size() >= PATH_MAX) return -1;
  for (size_t i = 0; i < g_slots.size(); ++i) {
    Slot& slot = g_slots[i];
    bool expected = false;
    if (!slot.used.load() && slot.used.compare_exchange_strong(expected, true)) {
      std::memcpy(slot.path, temporary.c_str(), temporary.size() + 1);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void forget(int slot) {
  if (slot >= 0) g_slots[static_cast<size_t>(slot)].used.store(false);
}

extern "C" void on_stop_signal(int) {
  for (Slot& slot : g_slots) {
    if (slot.used.load()) ::unlink(slot.path);
  }
  static const char message[] =
      "barcode_render: interrupted by a signal: its unfinished outputs were removed\n";
  const ssize_t written = ::write(STDERR_FILENO, message, sizeof message - 1);
  static_cast<void>(written);  // nothing more a handler can do about stderr
  ::_exit(kExitInterrupted);
}

// Renames `from` to `to` unless `to` exists, in one step (renameat2 with RENAME_NOREPLACE; where
// the file system lacks it, a hard link, which fails on an existing name too). False when `to`
// exists; throws Error for any other failure.
bool rename_unless_taken(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  int error = errno;
  if (error == EINVAL || error == ENOSYS) {
    if (link(from.c_str(), to.c_str()) == 0) {
      unlink(from.c_str());
      return true;
    }
    error = errno;
  }
  if (error == EEXIST) return false;
  throw Error(to + ": cannot rename " + from + " to it: " + std::strerror(error));
}

}  // namespace

PartialFile::PartialFile(std::string path, const char* what) : path_(std::move(path)), what_(what) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string candidate =
        path_ + ".partial-" + std::to_string(getpid()) + "-" + std::to_string(attempt);
    const StopSignalsBlocked blocked;
    const int fd =
        ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) continue;  // not ours: left alone, another name is tried
    if (fd < 0) {
      throw Error(path_ + ": cannot write " + what_ + ": cannot create " + candidate + ": " +
                  std::strerror(errno));
    }
    file_ = ::fdopen(fd, "wb");
    if (!file_) {
      const int error = errno;
      ::close(fd);
      ::unlink(candidate.c_str());
      throw Error(path_ + ": cannot write " + what_ + ": " + std::strerror(error));
    }
    temporary_ = std::move(candidate);
    slot_ = record(temporary_);
    return;
  }
  throw Error(path_ + ": cannot write " + what_ +
              ": no free name for its temporary file beside it (" + path_ + ".partial-" +
              std::to_string(getpid()) + "-N all exist)");
}

PartialFile::~PartialFile() {
  discard();
}

void PartialFile::discard() {
  if (temporary_.empty()) return;
  const StopSignalsBlocked blocked;
  if (file_) std::fclose(file_);  // being thrown away: its close status does not matter
  file_ = nullptr;
  ::unlink(temporary_.c_str());
  temporary_.clear();
  forget(slot_);
  slot_ = -1;
}

void PartialFile::fail(int error) const {
  throw Error(path_ + ": cannot write " + what_ + ": " + std::strerror(error));
}

void PartialFile::commit(bool replace) {
  FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0) {
    const int error = errno;
    discard();
    fail(error);
  }
  const StopSignalsBlocked blocked;
  if (!replace && !rename_unless_taken(temporary_, path_)) {
    discard();
    throw Error(path_ + ": appeared while this run wrote it (another run writing the same " +
                "file?): that file is kept; pass --overwrite to replace it");
  }
  if (replace && std::rename(temporary_.c_str(), path_.c_str()) != 0) {
    const int error = errno;
    const std::string temporary = temporary_;
    discard();
    throw Error(path_ + ": cannot rename " + temporary + " to it: " + std::strerror(error));
  }
  temporary_.clear();
  forget(slot_);
  slot_ = -1;
}

void remove_partial_files_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int s : kStopSignals) sigaddset(&action.sa_mask, s);  // one handler run at a time
  for (int s : kStopSignals) {
    if (sigaction(s, &action, nullptr) != 0) {
      throw Error(std::string("cannot handle signal ") + std::to_string(s) + ": " +
                  std::strerror(errno));
    }
  }
}

}  // namespace barcode
