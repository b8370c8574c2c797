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

TEST(CpuList, TextIsTheParsersInverse) {
  cpu_set_t set;
  ASSERT_TRUE(barcode::parse_cpu_list("0-3,8,10-11", &set));
  EXPECT_EQ(barcode::cpu_list_text(set), "0-3,8,10-11");
  CPU_ZERO(&set);
  EXPECT_EQ(barcode::cpu_list_text(set), "");
}

TEST(CpuSlice, ConsecutiveSharesCoverTheSetOnce) {
  cpu_set_t set;
  ASSERT_TRUE(barcode::parse_cpu_list("0-6,16-18", &set));  // 10 cores
  EXPECT_EQ(barcode::cpu_list_text(barcode::cpu_slice(set, 0, 2)), "0-4");
  EXPECT_EQ(barcode::cpu_list_text(barcode::cpu_slice(set, 1, 2)), "5-6,16-18");
  // Three parts of ten: shares of 3, 3 and 4, disjoint and covering the set.
  cpu_set_t all;
  CPU_ZERO(&all);
  int total = 0;
  for (int part = 0; part < 3; ++part) {
    const cpu_set_t slice = barcode::cpu_slice(set, part, 3);
    EXPECT_GE(CPU_COUNT(&slice), 3);
    EXPECT_LE(CPU_COUNT(&slice), 4);
    total += CPU_COUNT(&slice);
    CPU_OR(&all, &all, &slice);
  }
  EXPECT_EQ(total, 10);
  EXPECT_TRUE(CPU_EQUAL(&all, &set));
  // More parts than cores, or a part out of range: empty.
  const cpu_set_t too_many = barcode::cpu_slice(set, 0, 11),
                  out_of_range = barcode::cpu_slice(set, 2, 2);
  EXPECT_EQ(CPU_COUNT(&too_many), 0);
  EXPECT_EQ(CPU_COUNT(&out_of_range), 0);
}
