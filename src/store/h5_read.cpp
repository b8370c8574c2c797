#include "store/h5_read.h"

#include <array>

#include "error.h"
#include "store/h5_check.h"

namespace barcode {
namespace {

template <typename T>
std::vector<T> read_dataset(hid_t file, const std::string& path, const char* name, hid_t mem_type,
                            size_t expected) {
  H5Handle d(static_cast<hid_t>(
      h5_check(H5Dopen2(file, name, H5P_DEFAULT), path, (std::string("open ") + name).c_str())));
  H5Handle space(static_cast<hid_t>(h5_check(H5Dget_space(d.get()), path, "H5Dget_space")));
  const auto elements = static_cast<size_t>(H5Sget_simple_extent_npoints(space.get()));
  if (elements != expected) {
    throw Error(path + ": dataset " + name + " has " + std::to_string(elements) +
                " elements, expected " + std::to_string(expected));
  }
  std::vector<T> values(elements);
  if (elements > 0) {
    h5_check(H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
             (std::string("read ") + name).c_str());
  }
  return values;
}

}  // namespace

StoredColors read_colors(const std::string& path) {
  h5_silence_errors();
  H5Handle file(static_cast<hid_t>(
      h5_check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path, "open")));
  StoredColors out;
  {
    H5Handle d(static_cast<hid_t>(h5_check(H5Dopen2(file.get(), "/color/palette", H5P_DEFAULT),
                                           path, "open /color/palette")));
    H5Handle space(static_cast<hid_t>(h5_check(H5Dget_space(d.get()), path, "H5Dget_space")));
    std::array<hsize_t, 3> dims{};
    if (H5Sget_simple_extent_ndims(space.get()) != 3) {
      throw Error(path + ": /color/palette is not N x k x 3: not a barcode_mpi file");
    }
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    out.samples = static_cast<int64_t>(dims[0]);
    out.k = static_cast<int>(dims[1]);
  }
  const auto n = static_cast<size_t>(out.samples);
  out.done = read_dataset<uint8_t>(file.get(), path, "/frames/done", H5T_NATIVE_UINT8, n);
  out.dominant =
      read_dataset<uint8_t>(file.get(), path, "/color/dominant", H5T_NATIVE_UINT8, n * 3);
  out.mean = read_dataset<uint8_t>(file.get(), path, "/color/mean", H5T_NATIVE_UINT8, n * 3);
  out.time = read_dataset<double>(file.get(), path, "/frames/time", H5T_NATIVE_DOUBLE, n);
  return out;
}

}  // namespace barcode
