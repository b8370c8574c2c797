// HDF5 return-code checking: every call's result goes through h5_check, which turns a failure
// into barcode::Error naming the file, the operation and HDF5's innermost reason.
#pragma once

#include <hdf5.h>

#include <mutex>
#include <string>

namespace barcode {

// HDF5 built for MPI-IO is not thread-safe, and a --manifest rank writes several movies' files
// from threads of its own: every entry point of src/store that calls HDF5 holds this
// process-wide lock for its whole call (it is recursive, as they call each other).
class H5Lock {
 public:
  H5Lock();

 private:
  std::lock_guard<std::recursive_mutex> guard_;
};

// Turns off HDF5's own printing of its error stack; we report errors ourselves.
void h5_silence_errors();

// The innermost description on HDF5's error stack (the actual cause), or "" when empty.
std::string h5_error_text();

// Throws Error("PATH: HDF5 WHAT failed: CAUSE") when `rc` is negative; returns rc otherwise.
int64_t h5_check(int64_t rc, const std::string& path, const char* what);

// Checks an HDF5 call, naming it (as CUDA_CHECK does): H5_CHECK(path, H5Fflush(f, scope)).
#define H5_CHECK(path, call) ::barcode::h5_check((call), (path), #call)
// The identifier an HDF5 call returns, checked: H5Handle space(H5_ID(path, H5Dget_space(d))).
#define H5_ID(path, call) static_cast<hid_t>(H5_CHECK(path, call))
// The same, owned: transfer_ = H5_HANDLE(path, H5Pcreate(H5P_DATASET_XFER)).
#define H5_HANDLE(path, call) ::barcode::H5Handle(H5_ID(path, call))

// An hid_t closed on scope exit with the matching H5?close.
class H5Handle {
 public:
  H5Handle() = default;
  explicit H5Handle(hid_t id) : id_(id) {}
  ~H5Handle() { reset(); }
  H5Handle(H5Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  H5Handle& operator=(H5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      other.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  hid_t get() const { return id_; }
  void reset();
  // Gives up ownership without closing (for closes whose result must be checked).
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

}  // namespace barcode
