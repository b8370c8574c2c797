#include "base/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace barcode {

bool run_in_background() {
  // On Linux a thread id names one thread to setpriority: the other threads keep theirs.
  const auto thread = static_cast<id_t>(syscall(SYS_gettid));
  return setpriority(PRIO_PROCESS, thread, 10) == 0;
}

}  // namespace barcode
