// Linux CPU lists, as cgroups and /proc write them.
#include "base/cpu_cores.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace barcode
