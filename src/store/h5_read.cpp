#include "store/h5_read.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>

#include "base/error.h"
#include "store/h5_check.h"
#include "store/schema.h"

namespace barcode {
namespace {

// A file may declare far more rows than it holds: chunks never written read back as the fill
// value, so a file of a few kilobytes can declare 2^31 rows and have a reader allocate tens of
// gigabytes. A read needing more memory than this allowance must be backed by at least
// 1/kMaxExpansion of it on disk (compression of colours comes nowhere near that ratio).
constexpr uint64_t kReadAllowance = uint64_t{64} << 20;
constexpr uint64_t kMaxExpansion = 1024;

void check_backed_by_storage(hid_t dataset, const std::string& path, const char* name,
                             size_t elements, size_t element_size) {
  const uint64_t needed = elements > SIZE_MAX / element_size
                              ? UINT64_MAX
                              : static_cast<uint64_t>(elements) * element_size;
  if (needed <= kReadAllowance) return;
  // 0 when nothing is allocated (and on failure, which is then treated the same way).
  const uint64_t stored = H5Dget_storage_size(dataset);
  if (needed / kMaxExpansion <= stored) return;
  throw usage_error(path + ": unusable input: dataset " + name + " declares " +
                    std::to_string(elements) + " elements (" + std::to_string(needed >> 20) +
                    " MiB to read) but holds only " + std::to_string(stored) +
                    " bytes in the file: its rows were never written");
}

template <typename T>
std::vector<T> read_dataset(hid_t file, const std::string& path, const char* name, hid_t mem_type,
                            size_t expected) {
  H5Handle d(static_cast<hid_t>(
      h5_check(H5Dopen2(file, name, H5P_DEFAULT), path, (std::string("open ") + name).c_str())));
  H5Handle space(H5_ID(path, H5Dget_space(d.get())));
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  h5_check(points, path, (std::string("size of ") + name).c_str());
  const auto elements = static_cast<size_t>(points);
  if (elements != expected) {
    throw Error(path + ": dataset " + name + " has " + std::to_string(elements) +
                " elements, expected " + std::to_string(expected));
  }
  check_backed_by_storage(d.get(), path, name, elements, sizeof(T));
  std::vector<T> values(elements);
  if (elements > 0) {
    h5_check(H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
             (std::string("read ") + name).c_str());
  }
  return values;
}

// --- read_barcode_file: input problems are usage errors, so each check names what is wrong.

[[noreturn]] void not_barcode(const std::string& path, const std::string& why) {
  throw usage_error(path + ": not a barcode_mpi file: " + why);
}

bool link_exists(hid_t file, const char* name) {
  // H5Lexists fails (rather than answering no) when a parent group is missing: test each level.
  const std::string full(name);
  for (size_t slash = full.find('/', 1);; slash = full.find('/', slash + 1)) {
    const std::string prefix = full.substr(0, slash);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
  }
}

// The dataset's dimensions; a missing dataset is reported as such rather than as an HDF5 error.
std::vector<hsize_t> dataset_dims(hid_t file, const std::string& path, const char* name) {
  if (!link_exists(file, name)) not_barcode(path, std::string("dataset ") + name + " is missing");
  H5Handle d(static_cast<hid_t>(
      h5_check(H5Dopen2(file, name, H5P_DEFAULT), path, (std::string("open ") + name).c_str())));
  H5Handle space(H5_ID(path, H5Dget_space(d.get())));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) not_barcode(path, std::string(name) + " is not a simple dataset");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

// Checks the shape first (so a wrong one is named), then reads with conversion to T.
template <typename T>
std::vector<T> read_shaped(hid_t file, const std::string& path, const char* name, hid_t mem_type,
                           const std::vector<hsize_t>& want) {
  const std::vector<hsize_t> dims = dataset_dims(file, path, name);
  if (dims != want) {
    not_barcode(path, std::string("dataset ") + name + " has shape " + dims_text(dims) +
                          ", expected " + dims_text(want));
  }
  size_t elements = 1;
  for (hsize_t d : want) {
    if (d != 0 && elements > SIZE_MAX / d) {
      not_barcode(path, std::string("dataset ") + name + " of shape " + dims_text(dims) +
                            " has more elements than can be counted");
    }
    elements *= static_cast<size_t>(d);
  }
  return read_dataset<T>(file, path, name, mem_type, elements);
}

// --- Root attributes.

struct AttributeWalk {
  const std::string* path;
  std::vector<StoredAttribute>* out;
  std::string error;  // an exception cannot cross HDF5's C callback: carried out by hand
};

StoredAttribute read_attribute(hid_t attr, const std::string& path, const char* name) {
  StoredAttribute a;
  a.name = name;
  H5Handle type(H5_ID(path, H5Aget_type(attr)));
  H5Handle space(H5_ID(path, H5Aget_space(attr)));
  const auto count = static_cast<size_t>(H5Sget_simple_extent_npoints(space.get()));
  if (is_boolean_type(type.get())) {
    a.kind = StoredAttribute::Kind::kInteger;
    a.boolean = true;
    std::vector<int8_t> flags(count);
    if (count) H5_CHECK(path, H5Aread(attr, type.get(), flags.data()));
    a.integers.assign(flags.begin(), flags.end());
    return a;
  }
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      a.kind = StoredAttribute::Kind::kInteger;
      a.integers.resize(count);
      if (count) H5_CHECK(path, H5Aread(attr, H5T_NATIVE_INT64, a.integers.data()));
      break;
    case H5T_FLOAT:
      a.kind = StoredAttribute::Kind::kFloat;
      a.floats.resize(count);
      if (count) H5_CHECK(path, H5Aread(attr, H5T_NATIVE_DOUBLE, a.floats.data()));
      break;
    case H5T_STRING: {
      if (count != 1) break;  // arrays of strings: not written by barcode_mpi, left as kOther
      a.kind = StoredAttribute::Kind::kText;
      if (H5Tis_variable_str(type.get()) > 0) {
        char* text = nullptr;
        H5_CHECK(path, H5Aread(attr, type.get(), &text));
        if (text) a.text = text;
        H5free_memory(text);
      } else {
        std::string buffer(H5Tget_size(type.get()), '\0');
        H5_CHECK(path, H5Aread(attr, type.get(), buffer.data()));
        a.text = buffer.substr(0, buffer.find('\0'));  // null-padded or null-terminated
      }
      break;
    }
    default:
      break;
  }
  return a;
}

herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* walk = static_cast<AttributeWalk*>(data);
  try {
    H5Handle attr(H5_ID(*walk->path, H5Aopen(location, name, H5P_DEFAULT)));
    walk->out->push_back(read_attribute(attr.get(), *walk->path, name));
    return 0;
  } catch (const std::exception& e) {
    walk->error = e.what();
    return -1;
  }
}

std::vector<StoredAttribute> read_root_attributes(hid_t file, const std::string& path) {
  std::vector<StoredAttribute> out;
  AttributeWalk walk{&path, &out, {}};
  const herr_t rc =
      H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute, &walk);
  if (!walk.error.empty()) throw Error(walk.error);
  h5_check(rc, path, "H5Aiterate2");
  return out;
}

// Layout 1 (files without schema_version): the source's facts under their layout 2 names, and
// the flags, stored there as integers, marked boolean. Kept apart from the reading itself.
void upgrade_layout_1(std::vector<StoredAttribute>& attributes) {
  for (const StoredAttribute& a : attributes) {
    if (a.name == "schema_version") return;
  }
  for (StoredAttribute& a : attributes) {
    for (const auto& [old_name, new_name] : renamed_root_attributes()) {
      if (a.name == old_name) a.name = new_name;
    }
    for (const std::string& flag : flag_attributes()) {
      if (a.name == flag && a.kind == StoredAttribute::Kind::kInteger) a.boolean = true;
    }
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const StoredAttribute& x, const StoredAttribute& y) { return x.name < y.name; });
}

}  // namespace

std::vector<int64_t> BarcodeFile::done_rows() const {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < samples; ++i) {
    if (done[static_cast<size_t>(i)]) rows.push_back(i);
  }
  return rows;
}

const StoredAttribute* BarcodeFile::attribute(const std::string& name) const {
  for (const StoredAttribute& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

bool is_complete_barcode_file(const std::string& path) {
  const H5Lock lock;
  h5_silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
#if H5_VERSION_GE(1, 12, 0)
  if (H5Fis_accessible(path.c_str(), H5P_DEFAULT) <= 0) return false;
#else
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
#endif
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return false;
  const int complete = read_flag_attribute(file, "complete");  // boolean, or 0/1 in layout 1
  H5Fclose(file);
  return complete == 1;
}

std::string read_text_attribute(const std::string& path, const std::string& name) {
  const H5Lock lock;
  h5_silence_errors();
  const hid_t opened = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (opened < 0) throw usage_error(path + ": cannot open as HDF5: " + h5_error_text());
  H5Handle file(opened);
  return read_text_attribute(file.get(), path, name);  // schema.h: variable or fixed length
}

StoredThumbs locate_thumbs(const std::string& path) {
  const H5Lock lock;
  h5_silence_errors();
  H5Handle file(static_cast<hid_t>(
      h5_check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "open")));
  const char* name = "/frames/thumbs";
  if (!link_exists(file.get(), name)) {
    throw usage_error(path +
                      ": has no stored tiles (/frames/thumbs): it was made without "
                      "--keep-thumbs; rerun barcode_mpi on the movie with --keep-thumbs");
  }
  const std::vector<hsize_t> dims = dataset_dims(file.get(), path, name);
  if (dims.size() != 4 || dims[3] != 3) {
    not_barcode(path, std::string("dataset ") + name + " has shape " + dims_text(dims) +
                          ", expected [N, H, W, 3]");
  }
  H5Handle d(static_cast<hid_t>(h5_check(H5Dopen2(file.get(), name, H5P_DEFAULT), path, name)));
  H5Handle type(H5_ID(path, H5Dget_type(d.get())));
  H5Handle plist(static_cast<hid_t>(h5_check(H5Dget_create_plist(d.get()), path, "plist")));
  const haddr_t offset = H5Dget_offset(d.get());
  if (H5Tget_class(type.get()) != H5T_INTEGER || H5Tget_size(type.get()) != 1 ||
      H5Pget_layout(plist.get()) != H5D_CONTIGUOUS || offset == HADDR_UNDEF) {
    not_barcode(path, std::string(name) +
                          " is not a contiguous, allocated dataset of bytes as barcode_mpi "
                          "writes it");
  }
  StoredThumbs thumbs;
  thumbs.offset = static_cast<int64_t>(offset);
  thumbs.rows = static_cast<int64_t>(dims[0]);
  thumbs.height = static_cast<int>(dims[1]);
  thumbs.width = static_cast<int>(dims[2]);
  return thumbs;
}

BarcodeFile read_barcode_file(const std::string& path) {
  const H5Lock lock;
  h5_silence_errors();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw usage_error(path + ": no such file");
  if (std::filesystem::is_directory(status)) throw usage_error(path + ": is a directory");
    // Both answer 0 for a readable file without an HDF5 signature (the first is 1.12's name).
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  if (is_hdf5 == 0) throw usage_error(path + ": not an HDF5 file");
  H5Handle file(static_cast<hid_t>(
      h5_check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "open")));

  BarcodeFile out;
  out.path = path;
  // The palette's shape fixes N and k; every other dataset must agree with it.
  const std::vector<hsize_t> palette_dims = dataset_dims(file.get(), path, "/color/palette");
  if (palette_dims.size() != 3 || palette_dims[2] != 3) {
    not_barcode(path, "dataset /color/palette has shape " + dims_text(palette_dims) +
                          ", expected [N, k, 3]");
  }
  const hsize_t n = palette_dims[0];
  const hsize_t k = palette_dims[1];
  if (k < 1) not_barcode(path, "dataset /color/palette has no clusters (k = 0)");
  out.samples = static_cast<int64_t>(n);
  out.k = static_cast<int>(k);
  const hid_t f = file.get();
  out.index = read_shaped<int64_t>(f, path, "/frames/index", H5T_NATIVE_INT64, {n});
  out.pts = read_shaped<int64_t>(f, path, "/frames/pts", H5T_NATIVE_INT64, {n});
  out.time = read_shaped<double>(f, path, "/frames/time", H5T_NATIVE_DOUBLE, {n});
  out.done = read_shaped<uint8_t>(f, path, "/frames/done", H5T_NATIVE_UINT8, {n});
  out.dominant = read_shaped<uint8_t>(f, path, "/color/dominant", H5T_NATIVE_UINT8, {n, 3});
  out.mean = read_shaped<uint8_t>(f, path, "/color/mean", H5T_NATIVE_UINT8, {n, 3});
  out.palette = read_shaped<float>(f, path, "/color/palette", H5T_NATIVE_FLOAT, {n, k, 3});
  out.weights = read_shaped<float>(f, path, "/color/weights", H5T_NATIVE_FLOAT, {n, k});
  out.inertia = read_shaped<double>(f, path, "/color/inertia", H5T_NATIVE_DOUBLE, {n});
  if (H5Lexists(f, "/movie", H5P_DEFAULT) > 0 && H5Lexists(f, "/movie/palette", H5P_DEFAULT) > 0) {
    H5Handle d(static_cast<hid_t>(
        h5_check(H5Dopen2(f, "/movie/palette", H5P_DEFAULT), path, "open /movie/palette")));
    H5Handle space(H5_ID(path, H5Dget_space(d.get())));
    const auto colours = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get()) / 3);
    out.movie_palette =
        read_shaped<float>(f, path, "/movie/palette", H5T_NATIVE_FLOAT, {colours, 3});
    out.movie_labels = read_shaped<uint8_t>(f, path, "/movie/labels", H5T_NATIVE_UINT8, {n, k});
    if (link_exists(f, "/movie/weights")) {
      out.movie_weights =
          read_shaped<double>(f, path, "/movie/weights", H5T_NATIVE_DOUBLE, {colours});
      // Shares of the film's pixels: a computed palette has some (they sum to 1).
      const bool computed = std::any_of(out.movie_weights.begin(), out.movie_weights.end(),
                                        [](double w) { return w > 0; });
      if (!computed) {
        out.movie_palette_pending = true;
        out.movie_palette.clear();
        out.movie_weights.clear();
        out.movie_labels.clear();
      }
    }
  }
  if (link_exists(f, "/color/column")) {  // files of older versions have none
    const std::vector<hsize_t> dims = dataset_dims(f, path, "/color/column");
    if (dims.size() != 3 || dims[0] != n || dims[2] != 3 || dims[1] < 1) {
      not_barcode(path,
                  "dataset /color/column has shape " + dims_text(dims) + ", expected [N, H, 3]");
    }
    out.column_height = static_cast<int>(dims[1]);
    out.column = read_shaped<uint8_t>(f, path, "/color/column", H5T_NATIVE_UINT8, dims);
  }
  // The row checksums and what they cover, where the file has them (files of older versions
  // have none), so that a reader can check a row before using it.
  if (link_exists(f, "/frames/checksum") && link_exists(f, "/color/iterations")) {
    out.iterations = read_shaped<int32_t>(f, path, "/color/iterations", H5T_NATIVE_INT32, {n});
    out.checksum = read_shaped<uint64_t>(f, path, "/frames/checksum", H5T_NATIVE_UINT64, {n});
    const H5Handle checksum(static_cast<hid_t>(
        h5_check(H5Dopen2(f, "/frames/checksum", H5P_DEFAULT), path, "open /frames/checksum")));
    out.checksum_covers_thumbs = read_flag_attribute(checksum.get(), kChecksumCoversThumbs) == 1;
  }
  out.attributes = read_root_attributes(f, path);
  upgrade_layout_1(out.attributes);
  return out;
}

}  // namespace barcode
