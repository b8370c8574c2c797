#include "store/h5_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "base/log.h"
#include "store/row_checksum.h"
#include "store/schema.h"

namespace barcode {

namespace {

// A dataset of the file: its name, type and extent.
struct Shape {
  const char* name;
  hid_t type;
  std::array<hsize_t, 4> dims;
  int rank;
};

// The datasets a file of `layout` holds (the /movie ones only with a movie palette,
// /frames/thumbs only when kept).
std::vector<Shape> dataset_shapes(const StoreLayout& layout) {
  const hsize_t n = static_cast<hsize_t>(layout.samples);
  const hsize_t kk = static_cast<hsize_t>(layout.k);
  const hsize_t mk = static_cast<hsize_t>(layout.movie_k);
  const hsize_t th = static_cast<hsize_t>(layout.tile_height);
  const hsize_t tw = static_cast<hsize_t>(layout.tile_width);
  const std::vector<Shape> all = {
      {"/frames/index", H5T_STD_I64LE, {n, 0, 0}, 1},
      {"/frames/pts", H5T_STD_I64LE, {n, 0, 0}, 1},
      {"/frames/time", H5T_IEEE_F64LE, {n, 0, 0}, 1},
      {"/frames/done", H5T_STD_U8LE, {n, 0, 0}, 1},
      {"/frames/checksum", H5T_STD_U64LE, {n, 0, 0}, 1},
      {"/color/dominant", H5T_STD_U8LE, {n, 3, 0}, 2},
      {"/color/mean", H5T_STD_U8LE, {n, 3, 0}, 2},
      {"/color/palette", H5T_IEEE_F32LE, {n, kk, 3}, 3},
      {"/color/weights", H5T_IEEE_F32LE, {n, kk, 0}, 2},
      {"/color/inertia", H5T_IEEE_F64LE, {n, 0, 0}, 1},
      {"/color/iterations", H5T_STD_I32LE, {n, 0, 0}, 1},
      {"/color/column", H5T_STD_U8LE, {n, th, 3}, 3},
      {"/movie/palette", H5T_IEEE_F32LE, {mk, 3}, 2},
      {"/movie/weights", H5T_IEEE_F64LE, {mk}, 1},
      {"/movie/labels", H5T_STD_U8LE, {n, kk}, 2},
      {"/frames/thumbs", H5T_STD_U8LE, {n, th, tw, 3}, 4},
  };
  std::vector<Shape> shapes;
  for (const Shape& s : all) {
    const std::string name(s.name);
    if (layout.movie_k == 0 && name.rfind("/movie/", 0) == 0) continue;
    if (name == "/frames/thumbs" && !layout.thumbs) continue;
    shapes.push_back(s);
  }
  return shapes;
}

}  // namespace

int64_t store_bytes(const StoreLayout& layout) {
  // HDF5 calls (the types' sizes), and a --manifest rank's other movies use HDF5 in threads of
  // their own: without the lock, its shared state was corrupted now and then (a crash in
  // another movie's H5Acreate2, one run in five with movies at once).
  const H5Lock lock;
  int64_t bytes = int64_t{1} << 18;  // metadata
  for (const Shape& s : dataset_shapes(layout)) {
    int64_t values = 1;
    for (int d = 0; d < s.rank; ++d) values *= static_cast<int64_t>(s.dims[static_cast<size_t>(d)]);
    bytes += values * static_cast<int64_t>(H5Tget_size(s.type));
  }
  return bytes;
}

namespace {

// The per-frame colour datasets of a block of rows as column arrays, in the order they are
// transferred: /frames/done last, so that a row marked done always has its colours on disk. One
// spare element per array: a rank with no rows still passes valid buffers.
struct ColorColumns {
  size_t k;
  size_t column_bytes;  // tile height * 3
  std::vector<uint8_t> done, dominant, mean, column;
  std::vector<float> palette, weights;
  std::vector<double> inertia;
  std::vector<int32_t> iterations;
  std::vector<uint64_t> checksum;  // of the row's colours and its position (row_checksum)
  // With stored tiles (/frames/thumbs): each row's tile_digest, which its checksum covers.
  bool thumbs;
  std::vector<uint64_t> thumb_digest;

  ColorColumns(int64_t count, const StoreLayout& layout)
      : k(static_cast<size_t>(layout.k)),
        column_bytes(static_cast<size_t>(layout.tile_height) * 3),
        done(static_cast<size_t>(count) + 1, 0),
        dominant(static_cast<size_t>(count) * 3 + 3, 0),
        mean(static_cast<size_t>(count) * 3 + 3, 0),
        column(static_cast<size_t>(count) * column_bytes + 1, 0),
        palette(static_cast<size_t>(count) * k * 3 + 1, 0.0f),
        weights(static_cast<size_t>(count) * k + 1, 0.0f),
        inertia(static_cast<size_t>(count) + 1, 0.0),
        iterations(static_cast<size_t>(count) + 1, 0),
        checksum(static_cast<size_t>(count) + 1, 0),
        thumbs(layout.thumbs),
        thumb_digest(thumbs ? static_cast<size_t>(count) : 0, 0) {}

  // What /frames/checksum holds for row r (file row `position`): a hash of every colour
  // dataset's values in that row, in their stored bytes, and of the row number, so that a
  // row of zeros (never written) does not match a checksum of 0. With stored tiles, of the
  // row's tile too (its digest), so that a damaged tile is not kept by --resume either.
  uint64_t row_checksum(size_t r, int64_t position) const {
    Fnv1a h = row_colours_hash(
        RowColours{position, &dominant[r * 3], &mean[r * 3], &palette[r * k * 3], &weights[r * k],
                   k, inertia[r], iterations[r], column.data() + r * column_bytes, column_bytes});
    if (thumbs) h.add(&thumb_digest[r], sizeof(uint64_t));
    return h.value();
  }

  template <typename Fn>
  void for_each(Fn fn) {
    fn("/color/dominant", H5T_NATIVE_UINT8, dominant.data());
    fn("/color/mean", H5T_NATIVE_UINT8, mean.data());
    fn("/color/palette", H5T_NATIVE_FLOAT, palette.data());
    fn("/color/weights", H5T_NATIVE_FLOAT, weights.data());
    fn("/color/inertia", H5T_NATIVE_DOUBLE, inertia.data());
    fn("/color/iterations", H5T_NATIVE_INT32, iterations.data());
    fn("/color/column", H5T_NATIVE_UINT8, column.data());
    fn("/frames/checksum", H5T_NATIVE_UINT64, checksum.data());
    fn("/frames/done", H5T_NATIVE_UINT8, done.data());
  }

  void set(size_t r, const FrameColors& row) {
    done[r] = 1;
    for (size_t c = 0; c < 3; ++c) {
      dominant[r * 3 + c] = row.dominant[c];
      mean[r * 3 + c] = row.mean[c];
    }
    std::copy(row.palette.begin(), row.palette.end(),
              palette.begin() + static_cast<long>(r * k * 3));
    std::copy(row.weights.begin(), row.weights.end(), weights.begin() + static_cast<long>(r * k));
    inertia[r] = row.inertia;
    iterations[r] = row.iterations;
    if (row.column.size() != column_bytes) {
      throw Error("internal error: row " + std::to_string(row.position) + " has a column of " +
                  std::to_string(row.column.size()) + " bytes, expected " +
                  std::to_string(column_bytes));
    }
    std::copy(row.column.begin(), row.column.end(),
              column.begin() + static_cast<long>(r * column_bytes));
    if (thumbs) thumb_digest[r] = tile_digest(row.thumb.data(), row.thumb.size());
    checksum[r] = row_checksum(r, row.position);
  }

  // The rows marked done whose checksum holds; the file rows of those whose checksum fails go
  // to `damaged`.
  std::vector<FrameColors> done_rows(int64_t first, std::vector<int64_t>& damaged) const {
    std::vector<FrameColors> rows;
    for (size_t r = 0; r + 1 < done.size(); ++r) {
      if (!done[r]) continue;
      if (checksum[r] != row_checksum(r, first + static_cast<int64_t>(r))) {
        damaged.push_back(first + static_cast<int64_t>(r));
        continue;
      }
      FrameColors row;
      row.position = first + static_cast<int64_t>(r);
      for (size_t c = 0; c < 3; ++c) {
        row.dominant[c] = dominant[r * 3 + c];
        row.mean[c] = mean[r * 3 + c];
      }
      row.palette.assign(palette.begin() + static_cast<long>(r * k * 3),
                         palette.begin() + static_cast<long>((r + 1) * k * 3));
      row.weights.assign(weights.begin() + static_cast<long>(r * k),
                         weights.begin() + static_cast<long>((r + 1) * k));
      row.inertia = inertia[r];
      row.iterations = iterations[r];
      row.column.assign(column.begin() + static_cast<long>(r * column_bytes),
                        column.begin() + static_cast<long>((r + 1) * column_bytes));
      rows.push_back(std::move(row));
    }
    return rows;
  }
};

// The digests of the stored tiles of the rows marked done in `columns` (file rows from
// `first`), read straight from the file: /frames/thumbs is contiguous, and a rank's share of it
// can be gigabytes. Collective (the dataset's metadata). A file whose checksums do not cover the
// tiles (made before they did) is refused: its tiles could not be checked.
void read_tile_digests(hid_t file, const std::string& path, const StoreLayout& layout,
                       int64_t first, ColorColumns& columns) {
  H5Handle checksum(
      static_cast<hid_t>(H5_CHECK(path, H5Dopen2(file, "/frames/checksum", H5P_DEFAULT))));
  if (read_flag_attribute(checksum.get(), kChecksumCoversThumbs) != 1) {
    throw usage_error(path +
                      ": cannot resume: an earlier version made it, whose row checksums do not "
                      "cover the stored tiles (/frames/thumbs); " +
                      kCannotResumeAdvice);
  }
  H5Handle thumbs(
      static_cast<hid_t>(H5_CHECK(path, H5Dopen2(file, "/frames/thumbs", H5P_DEFAULT))));
  const haddr_t offset = H5Dget_offset(thumbs.get());
  if (offset == HADDR_UNDEF) throw Error(path + ": /frames/thumbs has no place in the file");
  const size_t bytes =
      static_cast<size_t>(layout.tile_width) * static_cast<size_t>(layout.tile_height) * 3;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open to check stored tiles: " + std::strerror(errno));
  std::vector<uint8_t> tile(bytes);
  for (size_t r = 0; r < columns.thumb_digest.size(); ++r) {
    if (!columns.done[r]) continue;
    const auto at = static_cast<off_t>(offset + (static_cast<size_t>(first) + r) * bytes);
    size_t got = 0;
    while (got < bytes) {
      const ssize_t n = ::pread(fd, tile.data() + got, bytes - got, at + static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = n < 0 ? std::strerror(errno) : "file too short";
        ::close(fd);
        throw Error(path + ": reading the stored tile of row " +
                    std::to_string(first + static_cast<int64_t>(r)) + " failed: " + why);
      }
      got += static_cast<size_t>(n);
    }
    columns.thumb_digest[r] = tile_digest(tile.data(), bytes);
  }
  ::close(fd);
}

}  // namespace
H5Store::H5Store(const std::string& path, MPI_Comm comm, const StoreLayout& layout)
    : path_(path), layout_(layout) {
  const H5Lock lock;
  MPI_Comm_rank(comm, &rank_);
  h5_silence_errors();
  H5Handle fapl(file_access(comm));
  file_ = H5Handle(static_cast<hid_t>(
      h5_check(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), path_,
               "H5Fcreate (is the directory on a filesystem that supports MPI-IO?)")));

  transfer_ = H5_HANDLE(path_, H5Pcreate(H5P_DATASET_XFER));
  H5_CHECK(path_, H5Pset_dxpl_mpio(transfer_.get(), H5FD_MPIO_COLLECTIVE));

  for (const char* group : {"/frames", "/color", "/movie"}) {
    H5Handle g(static_cast<hid_t>(
        H5_CHECK(path_, H5Gcreate2(file_.get(), group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT))));
  }
  H5Handle dcpl(H5_ID(path_, H5Pcreate(H5P_DATASET_CREATE)));
  // Allocated now and filled with zeros: /frames/done starts all 0, and later writes never
  // change the metadata (see the header).
  H5_CHECK(path_, H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY));
  H5_CHECK(path_, H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC));
  // The thumbs are only allocated: filling gigabytes with zeros would cost a whole write.
  H5Handle unfilled(H5_ID(path_, H5Pcopy(dcpl.get())));
  H5_CHECK(path_, H5Pset_fill_time(unfilled.get(), H5D_FILL_TIME_NEVER));
  for (const Shape& s : dataset_shapes(layout_)) {
    const bool thumbs = std::string(s.name) == "/frames/thumbs";
    H5Handle space(
        static_cast<hid_t>(H5_CHECK(path_, H5Screate_simple(s.rank, s.dims.data(), nullptr))));
    H5Handle d(static_cast<hid_t>(
        H5_CHECK(path_, H5Dcreate2(file_.get(), s.name, s.type, space.get(), H5P_DEFAULT,
                                   thumbs ? unfilled.get() : dcpl.get(), H5P_DEFAULT))));
  }
  // The rows' checksums cover their tiles (ColorColumns): said where they are made, so that
  // every file this class writes can be resumed, described or not.
  if (layout_.thumbs) {
    H5Handle checksum(static_cast<hid_t>(
        H5_CHECK(path_, H5Dopen2(file_.get(), "/frames/checksum", H5P_DEFAULT))));
    write_flag_attribute(checksum.get(), path_, kChecksumCoversThumbs, true);
  }
}

hid_t H5Store::file_access(MPI_Comm comm) const {
  H5Handle fapl(H5_ID(path_, H5Pcreate(H5P_FILE_ACCESS)));
  H5_CHECK(path_, H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL));
  // Metadata reads and writes collective too: one rank touches the disk, the others get a copy.
  H5_CHECK(path_, H5Pset_all_coll_metadata_ops(fapl.get(), true));
  H5_CHECK(path_, H5Pset_coll_metadata_write(fapl.get(), true));
  return fapl.release();
}

H5Store::H5Store(Opened, const std::string& path, MPI_Comm comm, const StoreLayout& layout)
    : path_(path), layout_(layout) {
  const H5Lock lock;
  MPI_Comm_rank(comm, &rank_);
  h5_silence_errors();
  // Checked before opening it for writing: HDF5 opened an empty file and wrote a superblock
  // into it, and a file cut short failed as an I/O error (exit 1) instead of as bad input.
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path_, ec);
#if H5_VERSION_GE(1, 12, 0)
  const htri_t hdf5 = H5Fis_accessible(path_.c_str(), H5P_DEFAULT);
#else
  const htri_t hdf5 = H5Fis_hdf5(path_.c_str());
#endif
  if (ec || bytes == 0 || hdf5 <= 0) {
    throw usage_error(path_ + ": cannot resume: not an HDF5 file" +
                      (ec ? "" : " (" + std::to_string(bytes) + " bytes)") + "; " +
                      kCannotResumeAdvice);
  }
  H5Handle fapl(file_access(comm));
  const hid_t file = H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get());
  if (file < 0) {
    throw usage_error(path_ + ": cannot resume: HDF5 cannot open it (" + h5_error_text() + "); " +
                      kCannotResumeAdvice);
  }
  file_ = H5Handle(file);
  transfer_ = H5_HANDLE(path_, H5Pcreate(H5P_DATASET_XFER));
  H5_CHECK(path_, H5Pset_dxpl_mpio(transfer_.get(), H5FD_MPIO_COLLECTIVE));
}

std::unique_ptr<H5Store> H5Store::open_existing(const std::string& path, MPI_Comm comm,
                                                const StoreLayout& layout) {
  const H5Lock lock;
  std::unique_ptr<H5Store> store(new H5Store(Opened{}, path, comm, layout));
  const hid_t file = store->file_.get();
  auto extent = [&](const char* group, const char* name, int axis) -> int64_t {
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0 || H5Lexists(file, name, H5P_DEFAULT) <= 0) {
      return -1;
    }
    H5Handle d(store->dataset(name));
    H5Handle space(H5_ID(path, H5Dget_space(d.get())));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank <= axis || rank > H5S_MAX_RANK) return -1;
    std::array<hsize_t, H5S_MAX_RANK> dims{};
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return static_cast<int64_t>(dims[static_cast<size_t>(axis)]);
  };
  if (extent("/color", "/color/palette", 0) != layout.samples ||
      extent("/color", "/color/palette", 1) != layout.k ||
      extent("/color", "/color/column", 1) != layout.tile_height ||
      extent("/frames", "/frames/checksum", 0) != layout.samples ||
      (extent("/frames", "/frames/thumbs", 0) >= 0) != layout.thumbs ||
      (layout.movie_k > 0 && extent("/movie", "/movie/palette", 0) != layout.movie_k)) {
    throw usage_error(path +
                      ": cannot resume: the file's rows, clusters, tile height, stored tiles or "
                      "movie palette differ from this run's (or an older version made it); " +
                      kCannotResumeAdvice);
  }
  return store;
}

void H5Store::read_rows(const char* name, hid_t mem_type, void* data, int64_t first,
                        int64_t count) {
  transfer_rows(name, mem_type, data, nullptr,
                [&](hid_t file_space) { return select_rows(file_space, first, count); });
}

void H5Store::transfer_rows(const char* name, hid_t mem_type, void* into, const void* from,
                            const std::function<hid_t(hid_t file_space)>& select) {
  H5Handle d(dataset(name));
  H5Handle file_space(H5_ID(path_, H5Dget_space(d.get())));
  H5Handle mem_space(select(file_space.get()));
  if (into) {
    h5_check(H5Dread(d.get(), mem_type, mem_space.get(), file_space.get(), transfer_.get(), into),
             path_, (std::string("H5Dread ") + name).c_str());
    return;
  }
  h5_check(H5Dwrite(d.get(), mem_type, mem_space.get(), file_space.get(), transfer_.get(), from),
           path_, (std::string("H5Dwrite ") + name).c_str());
  log_collective_fallback();
}

std::vector<int64_t> H5Store::read_pts(int64_t first, int64_t count) {
  const H5Lock lock;
  std::vector<int64_t> pts(static_cast<size_t>(count) + 1);  // never empty: a valid buffer
  read_rows("/frames/pts", H5T_NATIVE_INT64, pts.data(), first, count);
  pts.resize(static_cast<size_t>(count));
  return pts;
}

std::vector<FrameColors> H5Store::read_done_rows(int64_t first, int64_t count,
                                                 std::vector<int64_t>& damaged) {
  const H5Lock lock;
  ColorColumns columns(count, layout_);
  columns.for_each(
      [&](const char* name, hid_t type, void* data) { read_rows(name, type, data, first, count); });
  if (layout_.thumbs) read_tile_digests(file_.get(), path_, layout_, first, columns);
  return columns.done_rows(first, damaged);
}

std::string H5Store::get_text_attribute(const std::string& name) {
  const H5Lock lock;
  return read_text_attribute(file_.get(), path_, name);
}

int64_t H5Store::get_int_attribute(const std::string& name, int64_t absent) {
  const H5Lock lock;
  return read_int_attribute(file_.get(), name.c_str(), absent);
}

H5Store::~H5Store() {
  const H5Lock lock;
  try {
    close();
  } catch (const Error& e) {
    log::error(e.what());
  }
}

void H5Store::close() {
  const H5Lock lock;
  if (file_.get() < 0) return;
  transfer_.reset();
  H5_CHECK(path_, H5Fclose(file_.release()));
}

void H5Store::flush() {
  const H5Lock lock;
  H5_CHECK(path_, H5Fflush(file_.get(), H5F_SCOPE_GLOBAL));
}

hid_t H5Store::dataset(const char* name) const {
  return H5_ID(path_, H5Dopen2(file_.get(), name, H5P_DEFAULT));
}

hid_t H5Store::select_rows(hid_t file_space, int64_t first, int64_t count) const {
  const int rank = H5Sget_simple_extent_ndims(file_space);
  std::array<hsize_t, 4> dims{};
  H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
  std::array<hsize_t, 4> start{static_cast<hsize_t>(first), 0, 0, 0};
  std::array<hsize_t, 4> extent = dims;
  extent[0] = static_cast<hsize_t>(count);
  H5Handle mem_space(
      static_cast<hid_t>(H5_CHECK(path_, H5Screate_simple(rank, extent.data(), nullptr))));
  if (count == 0) {
    // A rank with nothing to transfer still takes part in the collective call.
    H5_CHECK(path_, H5Sselect_none(file_space));
    H5_CHECK(path_, H5Sselect_none(mem_space.get()));
  } else {
    H5_CHECK(path_, H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr,
                                        extent.data(), nullptr));
  }
  return mem_space.release();
}

hid_t H5Store::select_picked_rows(hid_t file_space, int64_t first,
                                  const std::vector<uint8_t>& pick) const {
  const int rank = H5Sget_simple_extent_ndims(file_space);
  std::array<hsize_t, 4> dims{};
  H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
  H5_CHECK(path_, H5Sselect_none(file_space));
  hsize_t picked = 0;
  std::array<hsize_t, 4> start{0, 0, 0, 0};
  std::array<hsize_t, 4> extent = dims;
  // Runs of consecutive picked rows, each one hyperslab of the union.
  for (size_t r = 0; r < pick.size();) {
    if (!pick[r]) {
      ++r;
      continue;
    }
    size_t end = r;
    while (end < pick.size() && pick[end]) ++end;
    start[0] = static_cast<hsize_t>(first) + r;
    extent[0] = end - r;
    H5_CHECK(path_, H5Sselect_hyperslab(file_space, H5S_SELECT_OR, start.data(), nullptr,
                                        extent.data(), nullptr));
    picked += end - r;
    r = end;
  }
  extent[0] = std::max<hsize_t>(picked, 1);
  H5Handle mem_space(
      static_cast<hid_t>(H5_CHECK(path_, H5Screate_simple(rank, extent.data(), nullptr))));
  if (picked == 0) H5_CHECK(path_, H5Sselect_none(mem_space.get()));
  return mem_space.release();
}

void H5Store::write_rows(const char* name, hid_t mem_type, const void* data, int64_t first,
                         int64_t count) {
  transfer_rows(name, mem_type, nullptr, data,
                [&](hid_t file_space) { return select_rows(file_space, first, count); });
}

void H5Store::log_collective_fallback() {
  if (!logged_no_collective_ && log::verbosity() >= 2) {
    uint32_t local = 0, global = 0;
    if (H5Pget_mpio_no_collective_cause(transfer_.get(), &local, &global) >= 0 && global != 0) {
      log::detail(path_ + ": HDF5 fell back to independent I/O (cause bits " +
                  std::to_string(global) + ")");
    }
    logged_no_collective_ = true;
  }
}

void H5Store::write_frames(int64_t first, const std::vector<int64_t>& index,
                           const std::vector<int64_t>& pts, const std::vector<double>& time) {
  const H5Lock lock;
  const auto count = static_cast<int64_t>(index.size());
  write_rows("/frames/index", H5T_NATIVE_INT64, index.data(), first, count);
  write_rows("/frames/pts", H5T_NATIVE_INT64, pts.data(), first, count);
  write_rows("/frames/time", H5T_NATIVE_DOUBLE, time.data(), first, count);
}

void H5Store::write_thumbs(int64_t first, size_t span, const std::vector<FrameColors>& rows) {
  const size_t tile_bytes =
      static_cast<size_t>(layout_.tile_width) * static_cast<size_t>(layout_.tile_height) * 3;
  std::vector<uint8_t> pick(span, 0);
  std::vector<uint8_t> data;
  for (const FrameColors& row : rows) {  // in row order, as the selection runs
    if (row.thumb.empty()) continue;
    if (row.thumb.size() != tile_bytes) {
      throw Error(path_ + ": internal error: row " + std::to_string(row.position) +
                  " has a thumb of " + std::to_string(row.thumb.size()) + " bytes");
    }
    pick[static_cast<size_t>(row.position - first)] = 1;
    data.insert(data.end(), row.thumb.begin(), row.thumb.end());
  }
  data.resize(std::max(data.size(), size_t{1}));  // a valid buffer on a rank with none
  write_picked("/frames/thumbs", H5T_NATIVE_UINT8, data.data(), first, pick);
}

void H5Store::write_picked(const char* name, hid_t mem_type, const void* data, int64_t first,
                           const std::vector<uint8_t>& pick) {
  transfer_rows(name, mem_type, nullptr, data,
                [&](hid_t file_space) { return select_picked_rows(file_space, first, pick); });
}

void H5Store::write_colors(const std::vector<FrameColors>& rows) {
  const H5Lock lock;
  // The rows as one selection of runs, spanning [first, first + pick.size()).
  const int64_t first = rows.empty() ? 0 : rows.front().position;
  std::vector<uint8_t> pick(rows.empty() ? 0
                                         : static_cast<size_t>(rows.back().position - first) + 1);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i].position <= rows[i - 1].position) {
      throw Error(path_ + ": internal error: rows to write are not in increasing order");
    }
    pick[static_cast<size_t>(rows[i].position - first)] = 1;
  }
  // The thumbs first: /frames/done, written last, vouches for everything in its row.
  if (layout_.thumbs) write_thumbs(first, pick.size(), rows);
  ColorColumns columns(static_cast<int64_t>(rows.size()), layout_);
  for (size_t i = 0; i < rows.size(); ++i) columns.set(i, rows[i]);
  columns.for_each([&](const char* name, hid_t type, void* data) {
    write_picked(name, type, data, first, pick);
  });
}

void H5Store::write_movie_palette(const std::vector<float>& colors,
                                  const std::vector<double>& weights, int64_t first,
                                  const std::vector<uint8_t>& labels) {
  const H5Lock lock;
  const int64_t shared_rows = rank_ == 0 ? layout_.movie_k : 0;
  write_rows("/movie/palette", H5T_NATIVE_FLOAT, colors.data(), 0, shared_rows);
  write_rows("/movie/weights", H5T_NATIVE_DOUBLE, weights.data(), 0, shared_rows);
  write_rows("/movie/labels", H5T_NATIVE_UINT8, labels.data(), first,
             static_cast<int64_t>(labels.size()) / layout_.k);
}

namespace {

void write_attribute(hid_t file, const std::string& path, const std::string& name, hid_t type,
                     const void* value) {
  if (H5Aexists(file, name.c_str()) > 0) {
    H5_CHECK(path, H5Adelete(file, name.c_str()));
  }
  H5Handle space(H5_ID(path, H5Screate(H5S_SCALAR)));
  H5Handle attr(static_cast<hid_t>(
      H5_CHECK(path, H5Acreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT))));
  H5_CHECK(path, H5Awrite(attr.get(), type, value));
}

}  // namespace

void H5Store::set_attribute(const std::string& name, const std::string& value) {
  const H5Lock lock;
  write_text_attribute(file_.get(), path_, name, value);  // variable-length UTF-8
}

void H5Store::set_flag(const std::string& name, bool value) {
  const H5Lock lock;
  write_flag_attribute(file_.get(), path_, name, value);
}

void H5Store::describe_datasets(ColorSpace space) {
  const H5Lock lock;
  barcode::describe_datasets(file_.get(), path_, space);
}

void H5Store::set_attribute(const std::string& name, int64_t value) {
  const H5Lock lock;
  write_attribute(file_.get(), path_, name, H5T_NATIVE_INT64, &value);
}

void H5Store::set_attribute(const std::string& name, double value) {
  const H5Lock lock;
  write_attribute(file_.get(), path_, name, H5T_NATIVE_DOUBLE, &value);
}

}  // namespace barcode
