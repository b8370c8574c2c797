// Linux CPU lists, as cgroups and /proc write them.
#include "base/cpu_cores.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace barcode {
namespace {

TEST(CpuList, RangesAndSingles) {
  cpu_set_t set;
  ASSERT_TRUE(parse_cpu_list("0-3,8,10-11\n", &set));
  EXPECT_EQ(CPU_COUNT(&set), 7);
  EXPECT_TRUE(CPU_ISSET(3, &set));
  EXPECT_FALSE(CPU_ISSET(4, &set));
  EXPECT_TRUE(CPU_ISSET(11, &set));
}

TEST(CpuList, MalformedOrEmptyIsRefused) {
  cpu_set_t set;
  EXPECT_FALSE(parse_cpu_list("", &set));
  EXPECT_FALSE(parse_cpu_list("3-1", &set));
  EXPECT_FALSE(parse_cpu_list("a-b", &set));
  EXPECT_FALSE(parse_cpu_list("1-2x", &set));
}

TEST(CpuList, TheAllowedCoresIncludeOurOwn) {
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  cpu_set_t allowed = cores_allowed();
  cpu_set_t both;
  CPU_AND(&both, &mine, &allowed);
  EXPECT_EQ(CPU_COUNT(&both), CPU_COUNT(&mine));
}

TEST(CpuList, TextIsTheParsersInverse) {
  cpu_set_t set;
  ASSERT_TRUE(parse_cpu_list("0-3,8,10-11", &set));
  EXPECT_EQ(cpu_list_text(set), "0-3,8,10-11");
  CPU_ZERO(&set);
  EXPECT_EQ(cpu_list_text(set), "");
}

TEST(CpuSlice, ConsecutiveSharesCoverTheSetOnce) {
  cpu_set_t set;
  ASSERT_TRUE(parse_cpu_list("0-6,16-18", &set));  // 10 cores
  // No topology to read: cores in number order.
  const std::string none = "/nonexistent";
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 0, 2, none)), "0-4");
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 1, 2, none)), "5-6,16-18");
  // Three parts of ten: shares of 3, 3 and 4, disjoint and covering the set.
  cpu_set_t all;
  CPU_ZERO(&all);
  int total = 0;
  for (int part = 0; part < 3; ++part) {
    const cpu_set_t slice = cpu_slice(set, part, 3, none);
    EXPECT_GE(CPU_COUNT(&slice), 3);
    EXPECT_LE(CPU_COUNT(&slice), 4);
    total += CPU_COUNT(&slice);
    CPU_OR(&all, &all, &slice);
  }
  EXPECT_EQ(total, 10);
  EXPECT_TRUE(CPU_EQUAL(&all, &set));
  // More parts than cores, or a part out of range: empty.
  const cpu_set_t too_many = cpu_slice(set, 0, 11), out_of_range = cpu_slice(set, 2, 2);
  EXPECT_EQ(CPU_COUNT(&too_many), 0);
  EXPECT_EQ(CPU_COUNT(&out_of_range), 0);
}

// A two-package machine with two threads per core, numbered as Linux numbers Intel's: cpus 0-3
// are the first threads of the four cores (package 0: cores 0-1, package 1: cores 0-1), cpus 4-7
// their second threads.
class FakeTopology : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("cpu_topology_" + std::to_string(::getpid()));
    for (int cpu = 0; cpu < 8; ++cpu) {
      const auto dir = root_ / ("cpu" + std::to_string(cpu)) / "topology";
      std::filesystem::create_directories(dir);
      std::ofstream(dir / "physical_package_id") << (cpu % 4) / 2 << "\n";
      std::ofstream(dir / "core_id") << cpu % 2 << "\n";
    }
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

TEST_F(FakeTopology, OrderKeepsTheThreadsOfACoreAndTheCoresOfAPackageTogether) {
  cpu_set_t set;
  ASSERT_TRUE(parse_cpu_list("0-7", &set));
  EXPECT_EQ(cpus_in_topology_order(set, root_.string()),
            (std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7}));
}

TEST_F(FakeTopology, TwoRanksTakeAPackageEachFourRanksACoreEach) {
  cpu_set_t set;
  ASSERT_TRUE(parse_cpu_list("0-7", &set));
  const std::string sysfs = root_.string();
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 0, 2, sysfs)), "0-1,4-5");
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 1, 2, sysfs)), "2-3,6-7");
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 0, 4, sysfs)), "0,4");
  EXPECT_EQ(cpu_list_text(cpu_slice(set, 3, 4, sysfs)), "3,7");
  // Unreadable topology for a core: it comes after the cores whose topology is known.
  std::filesystem::remove_all(root_ / "cpu0");
  EXPECT_EQ(cpus_in_topology_order(set, sysfs), (std::vector<int>{4, 1, 5, 2, 6, 3, 7, 0}));
}

}  // namespace
}  // namespace barcode
