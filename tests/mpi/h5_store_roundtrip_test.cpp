// H5Store and the reader agree: rows written with H5Store (parallel HDF5 over MPI_COMM_SELF)
// read back equal with read_barcode_file (the renderer's reader), with locate_thumbs + pread
// (--from-h5's reader) and with H5Store::read_done_rows (--resume's reader). Rows not written
// stay not done.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/h5_read.h"
#include "store/h5_store.h"

namespace barcode {
namespace {

constexpr int64_t kSamples = 6;
constexpr int kK = 2;
constexpr int kMovieK = 3;
constexpr int kTileWidth = 4;
constexpr int kTileHeight = 3;

StoreLayout test_layout() {
  StoreLayout layout;
  layout.samples = kSamples;
  layout.k = kK;
  layout.movie_k = kMovieK;
  layout.tile_width = kTileWidth;
  layout.tile_height = kTileHeight;
  layout.thumbs = true;
  return layout;
}

// Row `r`'s colours: every field different from row to row and from field to field.
FrameColors row_colors(int64_t r) {
  FrameColors row;
  row.position = r;
  const auto b = static_cast<uint8_t>(10 * r);
  row.dominant = {b, static_cast<uint8_t>(b + 1), static_cast<uint8_t>(b + 2)};
  row.mean = {static_cast<uint8_t>(b + 3), static_cast<uint8_t>(b + 4),
              static_cast<uint8_t>(b + 5)};
  for (int i = 0; i < kK * 3; ++i)
    row.palette.push_back(static_cast<float>(r) + 0.25f * static_cast<float>(i));
  row.weights = {0.75f, 0.25f};
  row.inertia = 1234.5 + static_cast<double>(r);
  row.iterations = 3 + static_cast<int>(r);
  for (int i = 0; i < kTileHeight * 3; ++i) row.column.push_back(static_cast<uint8_t>(b + 7 + i));
  for (int i = 0; i < kTileWidth * kTileHeight * 3; ++i) {
    row.thumb.push_back(static_cast<uint8_t>(b + 100 + i));
  }
  return row;
}

class H5StoreRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("h5_store_roundtrip_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "out.h5").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(H5StoreRoundTrip, WrittenRowsReadBackEqual) {
  std::vector<int64_t> index, pts;
  std::vector<double> time;
  for (int64_t r = 0; r < kSamples; ++r) {
    index.push_back(3 * r + 1);
    pts.push_back(1000 * r + 7);
    time.push_back(0.5 * static_cast<double>(r));
  }
  const std::vector<int64_t> written = {0, 2, 3, 5};  // rows 1 and 4 never come
  std::vector<FrameColors> rows;
  for (int64_t r : written) rows.push_back(row_colors(r));
  const std::vector<float> movie_colors = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<double> movie_weights = {0.5, 0.3, 0.2};
  std::vector<uint8_t> labels;
  for (int64_t i = 0; i < kSamples * kK; ++i) labels.push_back(static_cast<uint8_t>(i % kMovieK));
  {
    H5Store store(path_, MPI_COMM_SELF, test_layout());
    store.write_frames(0, index, pts, time);
    // Two write rounds, as the job makes them.
    store.write_colors({rows[0], rows[1]});
    store.write_colors({rows[2], rows[3]});
    store.write_movie_palette(movie_colors, movie_weights, 0, labels);
    store.close();
  }

  const BarcodeFile file = read_barcode_file(path_);
  EXPECT_EQ(file.samples, kSamples);
  EXPECT_EQ(file.k, kK);
  EXPECT_EQ(file.index, index);
  EXPECT_EQ(file.pts, pts);
  EXPECT_EQ(file.time, time);
  EXPECT_EQ(file.done, (std::vector<uint8_t>{1, 0, 1, 1, 0, 1}));
  EXPECT_EQ(file.done_rows(), written);
  EXPECT_EQ(file.movie_palette, movie_colors);
  EXPECT_EQ(file.movie_weights, movie_weights);
  EXPECT_EQ(file.movie_labels, labels);
  ASSERT_EQ(file.column_height, kTileHeight);
  for (const FrameColors& want : rows) {
    const auto r = static_cast<size_t>(want.position);
    SCOPED_TRACE("row " + std::to_string(r));
    EXPECT_EQ(
        std::vector<uint8_t>(file.dominant.begin() + 3 * r, file.dominant.begin() + 3 * r + 3),
        std::vector<uint8_t>(want.dominant.begin(), want.dominant.end()));
    EXPECT_EQ(std::vector<uint8_t>(file.mean.begin() + 3 * r, file.mean.begin() + 3 * r + 3),
              std::vector<uint8_t>(want.mean.begin(), want.mean.end()));
    EXPECT_EQ(std::vector<float>(file.palette.begin() + kK * 3 * r,
                                 file.palette.begin() + kK * 3 * (r + 1)),
              want.palette);
    EXPECT_EQ(
        std::vector<float>(file.weights.begin() + kK * r, file.weights.begin() + kK * (r + 1)),
        want.weights);
    EXPECT_EQ(file.inertia[r], want.inertia);
    EXPECT_EQ(std::vector<uint8_t>(file.column.begin() + kTileHeight * 3 * r,
                                   file.column.begin() + kTileHeight * 3 * (r + 1)),
              want.column);
  }

  // The stored tiles, where --from-h5 reads them.
  const StoredThumbs thumbs = locate_thumbs(path_);
  EXPECT_EQ(thumbs.rows, kSamples);
  EXPECT_EQ(thumbs.width, kTileWidth);
  EXPECT_EQ(thumbs.height, kTileHeight);
  const int fd = ::open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  for (const FrameColors& want : rows) {
    std::vector<uint8_t> tile(static_cast<size_t>(thumbs.tile_bytes()));
    const off_t at = static_cast<off_t>(thumbs.offset + want.position * thumbs.tile_bytes());
    EXPECT_EQ(::pread(fd, tile.data(), tile.size(), at), static_cast<ssize_t>(tile.size()));
    EXPECT_EQ(tile, want.thumb) << "row " << want.position;
  }
  ::close(fd);

  // What --resume keeps of the file: the done rows, their checksums intact.
  std::unique_ptr<H5Store> again = H5Store::open_existing(path_, MPI_COMM_SELF, test_layout());
  EXPECT_EQ(again->read_pts(0, kSamples), pts);
  std::vector<int64_t> damaged;
  const std::vector<FrameColors> kept = again->read_done_rows(0, kSamples, damaged);
  EXPECT_TRUE(damaged.empty());
  ASSERT_EQ(kept.size(), rows.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].position, rows[i].position);
    EXPECT_EQ(kept[i].dominant, rows[i].dominant);
    EXPECT_EQ(kept[i].mean, rows[i].mean);
    EXPECT_EQ(kept[i].palette, rows[i].palette);
    EXPECT_EQ(kept[i].weights, rows[i].weights);
    EXPECT_EQ(kept[i].inertia, rows[i].inertia);
    EXPECT_EQ(kept[i].iterations, rows[i].iterations);
    EXPECT_EQ(kept[i].column, rows[i].column);
  }
  again->close();
}

}  // namespace
}  // namespace barcode

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  MPI_Finalize();
  return rc;
}
