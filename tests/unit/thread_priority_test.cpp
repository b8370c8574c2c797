// A thread sent to the background runs at nice 10; the others keep their priority.
#include "base/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace barcode {
namespace {

int my_priority() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

TEST(ThreadPriority, OnlyTheCallingThreadGoesToTheBackground) {
  const int before = my_priority();
  int inside = 0;
  bool lowered = false;
  std::thread worker([&] {
    lowered = run_in_background();
    inside = my_priority();
  });
  worker.join();
  ASSERT_TRUE(lowered);
  EXPECT_EQ(inside, 10 > before ? 10 : before);
  EXPECT_EQ(my_priority(), before);
}

}  // namespace
}  // namespace barcode
