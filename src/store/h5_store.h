// The HDF5 file every rank writes into, collectively (parallel HDF5 over MPI-IO).
//
// Layout (N sampled frames, k clusters):
//   /frames/index    int64 [N]      frame number within the processed range (frame table order)
//   /frames/pts      int64 [N]      presentation timestamp, stream time base
//   /frames/time     float64 [N]    seconds from the stream's start
//   /frames/done     uint8 [N]      1 once the row's colours are written (resume, completeness)
//   /frames/checksum uint64 [N]     FNV-1a of the row's colours and row number, checked on resume
//   /color/dominant  uint8 [N,3]    sRGB centroid of the largest cluster
//   /color/mean      uint8 [N,3]    sRGB of the mean in linear light
//   /color/palette   float32 [N,k,3] centroids, 0..255 sRGB, sorted by weight
//   /color/weights   float32 [N,k]  fraction of the tile's pixels per cluster
//   /color/inertia   float64 [N]    within-cluster sum of squares (sRGB or CIELAB units)
//   /color/iterations int32 [N]     Lloyd iterations of the winning restart
//   /color/column    uint8 [N,H,3]  each tile row's mean in linear light (`smooth` style)
//   /frames/thumbs   uint8 [N,H,W,3] the sRGB tiles (--keep-thumbs only), for --from-h5
//   /movie/palette   float32 [K,3]  movie-wide palette (when K > 0), sorted by weight
//   /movie/weights   float64 [K]    fraction of all frames' pixels per movie colour
//   /movie/labels    uint8 [N,k]    index into /movie/palette of each frame palette colour
// plus root attributes describing the source, the options and the run, and on every dataset
// its description, units and colour space (store/schema.h, which also says how layout 1
// differed).
//
// Every dataset is contiguous and allocated at creation, and the metadata is flushed before the
// first row is written: afterwards writes touch only raw data, so a killed job leaves a readable
// file whose /frames/done says what is finished. /frames/thumbs is the one dataset not filled
// with zeros at creation (it can be gigabytes); rows not done hold whatever the disk held.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "color/frame_summary.h"
#include "store/h5_check.h"

namespace barcode {

// What a user can do with an OUT.partial that cannot be resumed: the end of every such message.
// (A --manifest run makes such a movie afresh by itself: Options::remake_unresumable.)
constexpr const char* kCannotResumeAdvice = "remove it or run without --resume";

// The shape of a file's datasets.
struct StoreLayout {
  int64_t samples = 0;  // N
  int k = 0;            // clusters per frame
  int movie_k = 0;      // movie palette colours; 0: no /movie datasets
  int tile_width = 0;   // W
  int tile_height = 0;  // H
  bool thumbs = false;  // /frames/thumbs
};

// About how many bytes a file of `layout` takes on disk (its datasets, allocated at creation,
// and 256 KiB for metadata): what a job asks its file system for before it makes one.
int64_t store_bytes(const StoreLayout& layout);

class H5Store {
 public:
  // Collective. Creates (truncates) `path` with the datasets of `layout`. The caller holds the
  // lock of `path` (output_lock.h) for as long as it writes it.
  H5Store(const std::string& path, MPI_Comm comm, const StoreLayout& layout);

  // Collective. Opens an existing file of an interrupted run to finish it (--resume). Throws
  // usage_error when its shape differs from `layout`.
  static std::unique_ptr<H5Store> open_existing(const std::string& path, MPI_Comm comm,
                                                const StoreLayout& layout);

  // Collective. This rank's rows [first, first + count): their timestamps (to check that the
  // file belongs to this plan) and the rows marked done, with their colours. Rows marked done
  // whose /frames/checksum does not match their colours are left out (to be made again) and
  // listed in `damaged`.
  std::vector<int64_t> read_pts(int64_t first, int64_t count);
  std::vector<FrameColors> read_done_rows(int64_t first, int64_t count,
                                          std::vector<int64_t>& damaged);

  // Collective; every rank passes the same name. "" when the attribute is absent.
  std::string get_text_attribute(const std::string& name);
  // Collective, likewise; `absent` when the attribute is absent or not an integer.
  int64_t get_int_attribute(const std::string& name, int64_t absent);
  ~H5Store();
  H5Store(const H5Store&) = delete;
  H5Store& operator=(const H5Store&) = delete;

  // Collective; every rank passes the same name and value.
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, int64_t value);
  void set_attribute(const std::string& name, double value);
  // Collective: a boolean (h5py reads it as bool; see store/schema.h).
  void set_flag(const std::string& name, bool value);
  // Collective: description, units and colour space on every dataset (store/schema.h).
  void describe_datasets(ColorSpace space);

  // Collective. Each rank writes its own contiguous rows [first, first + index.size()) of the
  // frame table columns (a rank with no rows passes empty vectors).
  void write_frames(int64_t first, const std::vector<int64_t>& index,
                    const std::vector<int64_t>& pts, const std::vector<double>& time);

  // Collective. Each rank writes the rows it passes (any rows, in increasing order of
  // FrameColors::position; none is fine) and marks them done; other rows are left as they are.
  // Thumbs are written for the rows that carry one.
  void write_colors(const std::vector<FrameColors>& rows);

  // Collective. The movie palette (the same on every rank; rank 0 writes it) and this rank's
  // rows [first, first + labels.size()/k) of /movie/labels.
  void write_movie_palette(const std::vector<float>& colors, const std::vector<double>& weights,
                           int64_t first, const std::vector<uint8_t>& labels);

  // Collective: metadata to disk (after creation and attributes).
  void flush();
  // Collective: close the file (also done by the destructor).
  void close();

  const std::string& path() const { return path_; }

 private:
  struct Opened {};
  H5Store(Opened, const std::string& path, MPI_Comm comm, const StoreLayout& layout);
  // The thumbs of `rows` (those that carry one), all within [first, first + span).
  void write_thumbs(int64_t first, size_t span, const std::vector<FrameColors>& rows);
  // Writes the rows [first, first + pick.size()) whose pick is set, packed in `data`.
  void write_picked(const char* name, hid_t mem_type, const void* data, int64_t first,
                    const std::vector<uint8_t>& pick);
  void log_collective_fallback();
  hid_t file_access(MPI_Comm comm) const;
  void read_rows(const char* name, hid_t mem_type, void* data, int64_t first, int64_t count);
  // Selects rows [first, first + count) of `file_space` (none when count is 0) and returns the
  // matching memory dataspace.
  hid_t select_rows(hid_t file_space, int64_t first, int64_t count) const;
  // Rows [first, first + count) whose `pick[row - first]` is set, as one selection.
  hid_t select_picked_rows(hid_t file_space, int64_t first, const std::vector<uint8_t>& pick) const;
  hid_t dataset(const char* name) const;
  void write_rows(const char* name, hid_t mem_type, const void* data, int64_t first, int64_t count);
  // The one way rows move between memory and dataset `name`: `select` picks them in the file's
  // dataspace and returns the matching memory dataspace; reads into `into`, or writes `from`.
  void transfer_rows(const char* name, hid_t mem_type, void* into, const void* from,
                     const std::function<hid_t(hid_t file_space)>& select);

  std::string path_;
  StoreLayout layout_;
  int rank_ = 0;
  H5Handle file_;
  H5Handle transfer_;  // collective data transfer property list
  bool logged_no_collective_ = false;
};

}  // namespace barcode
