#include "store/h5_check.h"

#include "base/error.h"

namespace barcode {

namespace {

std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

}  // namespace

H5Lock::H5Lock() : guard_(h5_mutex()) {}

void h5_silence_errors() {
  const H5Lock lock;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

herr_t keep_innermost(unsigned, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  // The walk goes from the innermost call outwards; the first entry is the root cause.
  if (text->empty() && error->desc) *text = error->desc;
  return 0;
}

}  // namespace

std::string h5_error_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &text);
  return text;
}

int64_t h5_check(int64_t rc, const std::string& path, const char* what) {
  if (rc >= 0) return rc;
  std::string cause = h5_error_text();
  H5Eclear2(H5E_DEFAULT);
  throw Error(path + ": HDF5 " + what + " failed" + (cause.empty() ? "" : ": " + cause));
}

void H5Handle::reset() {
  const H5Lock lock;
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      break;
  }
  id_ = H5I_INVALID_HID;
}

}  // namespace barcode
