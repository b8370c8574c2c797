// FirstFailure: of the failures of threads working side by side, the first one captured is the
// one rethrown; none captured, nothing thrown.
#include "base/first_failure.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"

namespace barcode {
namespace {

TEST(FirstFailure, NothingCapturedNothingThrown) {
  FirstFailure failure;
  EXPECT_FALSE(failure.failed());
  EXPECT_NO_THROW(failure.rethrow_if_any());
}

TEST(FirstFailure, TheFirstCaptureWinsAndKeepsItsType) {
  FirstFailure failure;
  try {
    throw Error("first", kExitUsage);
  } catch (...) {
    failure.capture();
  }
  try {
    throw std::runtime_error("second");
  } catch (...) {
    failure.capture();
  }
  EXPECT_TRUE(failure.failed());
  try {
    failure.rethrow_if_any();
    FAIL() << "nothing rethrown";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "first");
    EXPECT_EQ(e.exit_code(), kExitUsage);
  }
  // Rethrowing does not forget it.
  EXPECT_THROW(failure.rethrow_if_any(), Error);
}

TEST(FirstFailure, OneOfManyThreadsFailuresIsKept) {
  FirstFailure failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        try {
          throw std::runtime_error("thread " + std::to_string(t));
        } catch (...) {
          failure.capture();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  try {
    failure.rethrow_if_any();
    FAIL() << "nothing rethrown";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("thread ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace barcode
