// The distinct-colour table both k-means paths cluster (kmeans_detail::fill_colour_table): one
// entry per distinct colour in key order with its pixel count and count-weighted sums, padding of
// zero-count black up to the multiple, and a table reused for a smaller tile holds nothing of
// the larger one before it (its arrays only grow).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "color/kmeans_detail.h"

namespace barcode {
namespace {

using kmeans_detail::ColourTable;

std::vector<uint32_t> sorted_keys(int64_t n, uint32_t distinct, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<uint32_t> palette(distinct);
  for (auto& key : palette) key = gen() & 0xFFFFFF;
  std::vector<uint32_t> keys(static_cast<size_t>(n));
  for (auto& key : keys) key = palette[gen() % distinct];
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The table the definition asks for, entry by entry, against what fill_colour_table made.
void expect_table_of(const std::vector<uint32_t>& keys, int64_t multiple, const ColourTable& t) {
  std::map<uint32_t, int32_t> counts;
  for (uint32_t key : keys) ++counts[key];
  ASSERT_EQ(static_cast<int64_t>(counts.size()), t.size);
  EXPECT_EQ((t.size + multiple - 1) / multiple * multiple, t.padded);
  ASSERT_GE(static_cast<int64_t>(t.r.size()), t.padded);
  int64_t at = 0;
  for (const auto& [key, count] : counts) {
    const auto r = static_cast<int32_t>(key >> 16), g = static_cast<int32_t>((key >> 8) & 0xFF),
               b = static_cast<int32_t>(key & 0xFF);
    const auto i = static_cast<size_t>(at++);
    EXPECT_EQ(static_cast<float>(r), t.r[i]);
    EXPECT_EQ(static_cast<float>(g), t.g[i]);
    EXPECT_EQ(static_cast<float>(b), t.b[i]);
    EXPECT_EQ(count, t.count[i]);
    EXPECT_EQ(count * r, t.wr[i]);
    EXPECT_EQ(count * g, t.wg[i]);
    EXPECT_EQ(count * b, t.wb[i]);
    EXPECT_EQ(int64_t{count} * (r * r + g * g + b * b), t.w_sq[i]);
  }
  for (int64_t p = t.size; p < t.padded; ++p) {
    const auto i = static_cast<size_t>(p);
    EXPECT_EQ(0.0f, t.r[i]);
    EXPECT_EQ(0.0f, t.g[i]);
    EXPECT_EQ(0.0f, t.b[i]);
    EXPECT_EQ(0, t.count[i]);
    EXPECT_EQ(0, t.wr[i] | t.wg[i] | t.wb[i]);
    EXPECT_EQ(0, t.w_sq[i]);
  }
}

TEST(ColourTable, OneEntryPerDistinctColourWithExactSums) {
  ColourTable t;
  const auto keys = sorted_keys(14400, 6500, 1);
  kmeans_detail::fill_colour_table(keys.data(), 14400, 8, t);
  expect_table_of(keys, 8, t);
}

TEST(ColourTable, ReusedForSmallerTilesKeepsNothingOfTheLargerOne) {
  ColourTable t;
  for (const auto& [n, distinct, multiple] : std::vector<std::tuple<int64_t, uint32_t, int64_t>>{
           {14400, 9000, 8}, {851, 13, 8}, {1, 1, 256}, {3000, 2999, 256}, {7, 3, 8}}) {
    const auto keys = sorted_keys(n, distinct, static_cast<uint32_t>(n));
    kmeans_detail::fill_colour_table(keys.data(), n, multiple, t);
    expect_table_of(keys, multiple, t);
  }
}

TEST(ColourTable, AllPixelsOneColour) {
  ColourTable t;
  const std::vector<uint32_t> keys(100, 0x102030);
  kmeans_detail::fill_colour_table(keys.data(), 100, 8, t);
  expect_table_of(keys, 8, t);
  EXPECT_EQ(1, t.size);
}

}  // namespace
}  // namespace barcode
