// CpuSink: tiles handed to it come back as the reference summaries, each row once; when the
// clustering throws, every row is marked missing, finish() reports the first failure, and
// neither finish() nor the destructor waits forever on a queue that nobody drains.
#include "pipeline/cpu_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"

namespace barcode {
namespace {

TileAnalysis small_analysis(int k) {
  TileAnalysis analysis;
  analysis.width = 8;
  analysis.height = 6;
  analysis.kmeans.k = k;
  analysis.kmeans.restarts = 2;
  analysis.kmeans.seed = 5;
  return analysis;
}

// Tile `i`: a deterministic pattern of a few colours.
std::vector<uint8_t> tile_for(const TileAnalysis& analysis, int64_t i) {
  std::vector<uint8_t> rgb(static_cast<size_t>(analysis.tile_bytes()));
  for (size_t p = 0; p < rgb.size(); ++p) {
    rgb[p] = static_cast<uint8_t>((p * 37 + static_cast<size_t>(i) * 91) % 251 / 50 * 50);
  }
  return rgb;
}

std::vector<FrameColors> everything_in(ResultBook& book) {
  book.close();
  return book.take_ready(0, std::chrono::milliseconds(0));
}

TEST(CpuSink, RowsComeBackAsTheReferenceSummaries) {
  const TileAnalysis analysis = small_analysis(3);
  ResultBook book;
  constexpr int kRows = 30;
  {
    CpuSink sink(analysis, TileSource{}, 1, 3, book);
    for (int64_t row = 0; row < kRows; ++row) {
      sink.put_tile(tile_for(analysis, row).data(), row, 100 + row);
    }
    sink.finish();
  }
  const std::vector<FrameColors> rows = everything_in(book);
  EXPECT_EQ(book.missing(), 0);
  ASSERT_EQ(rows.size(), size_t{kRows});
  for (int64_t row = 0; row < kRows; ++row) {
    const FrameColors& got = rows[static_cast<size_t>(row)];
    const FrameColors want =
        summarize_tile_cpu(tile_for(analysis, row).data(), analysis, 100 + row, row);
    EXPECT_EQ(got.position, row);
    EXPECT_EQ(got.dominant, want.dominant) << "row " << row;
    EXPECT_EQ(got.mean, want.mean) << "row " << row;
    EXPECT_EQ(got.palette, want.palette) << "row " << row;
    EXPECT_EQ(got.weights, want.weights) << "row " << row;
    EXPECT_EQ(got.column, want.column) << "row " << row;
  }
}

// The message of the clustering's own failure on such a tile.
std::string clustering_failure(const TileAnalysis& analysis) {
  try {
    summarize_tile_cpu(tile_for(analysis, 0).data(), analysis, 0, 0);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CpuSink, AClusteringFailureMarksRowsMissingAndIsReportedByFinish) {
  const TileAnalysis analysis = small_analysis(0);  // k = 0: kmeans_tile refuses every tile
  const std::string expected = clustering_failure(analysis);
  ASSERT_FALSE(expected.empty());
  ResultBook book;
  // Many more tiles than the queue holds (4 * threads + 4): the threads must go on taking tiles
  // after failing, or put_tile() would wait forever.
  constexpr int kRows = 200;
  CpuSink sink(analysis, TileSource{}, 1, 2, book);
  for (int64_t row = 0; row < kRows; ++row) {
    sink.put_tile(tile_for(analysis, row).data(), row, row);
  }
  try {
    sink.finish();
    FAIL() << "finish() did not report the clustering failure";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
  EXPECT_EQ(book.missing(), kRows);
  EXPECT_TRUE(everything_in(book).empty());
}

TEST(CpuSink, DestroyedWithoutFinishAfterFailuresItStopsItsThreads) {
  const TileAnalysis analysis = small_analysis(0);
  ResultBook book;
  {
    CpuSink sink(analysis, TileSource{}, 1, 3, book);
    for (int64_t row = 0; row < 50; ++row) sink.put_tile(tile_for(analysis, row).data(), row, row);
  }  // the destructor closes the queue and joins; reaching the next line is the test
  EXPECT_EQ(book.missing(), 50);  // the queue is drained before the threads stop
  EXPECT_TRUE(everything_in(book).empty());
}

}  // namespace
}  // namespace barcode
