// One writer per output: a second lock on the same file is refused while the first is held,
// held_elsewhere() sees it, and releasing removes the lock file so that the next run can take it.
#include "base/output_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "base/error.h"

namespace barcode {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

TEST(OutputLock, OneHolderAtATime) {
  char pattern[] = "/tmp/output-lock-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string file = std::string(pattern) + "/out.h5.partial";
  EXPECT_FALSE(OutputLock::held_elsewhere(file));
  {
    auto first = std::make_unique<OutputLock>(file);
    EXPECT_TRUE(exists(OutputLock::lock_path(file)));
    // Another open file description of this process stands for another run.
    EXPECT_TRUE(OutputLock::held_elsewhere(file));
    try {
      OutputLock second(file);
      ADD_FAILURE() << "a second lock was granted";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), kExitUsage);
      EXPECT_NE(std::string(e.what()).find("another run is writing"), std::string::npos);
    }
  }
  EXPECT_FALSE(exists(OutputLock::lock_path(file)));
  EXPECT_FALSE(OutputLock::held_elsewhere(file));
  { OutputLock again(file); }
  rmdir(pattern);
}

TEST(OutputLock, RefusesALockPathThatIsNotAFile) {
  char pattern[] = "/tmp/output-lock-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string file = std::string(pattern) + "/out.h5.partial";
  ASSERT_EQ(mkfifo(OutputLock::lock_path(file).c_str(), 0600), 0);
  EXPECT_THROW(OutputLock lock(file), Error);
  unlink(OutputLock::lock_path(file).c_str());
  rmdir(pattern);
}

}  // namespace
}  // namespace barcode
