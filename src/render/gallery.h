// The gallery: a static web page over an archive run's output directory (barcode_mpi
// --manifest, or slurm/archive.sbatch), to look at every movie's barcode without a server.
//
//   DIR/index.html            every movie: barcode, name, duration, frames, status (done, failed
//                             with the reason, incomplete), movie palette; filter and sort by name
//   DIR/gallery/NAME.html     one movie: the pointer over a column shows its time code and that
//                             frame's palette
//   DIR/gallery/NAME.png      its barcode (dominant style), NAME-palette.png (palette style)
//
// Movies are found from DIR/NAME.h5, DIR/NAME.h5.partial, DIR/failed/NAME.txt and the lines of
// DIR/manifest-summary.tsv. Pages hold their data inline and reference images relatively, so the
// directory can be copied anywhere and opened from the file system; nothing is downloaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barcode {

enum class MovieStatus { kDone, kFailed, kIncomplete };

// What the gallery knows of one movie.
struct GalleryMovie {
  std::string name;    // output name: DIR/NAME.h5
  std::string source;  // the movie's path (source_path attribute or the manifest line)
  MovieStatus status = MovieStatus::kIncomplete;
  std::string reason;                  // why failed or incomplete; empty when done
  double duration = 0;                 // seconds of film (0: unknown)
  int64_t frames_done = 0;             // rows written
  int64_t frames = 0;                  // rows planned (0: unknown)
  std::vector<uint8_t> movie_palette;  // K sRGB triples by weight, descending (may be empty)
  std::string h5;                      // the file read ("" when there is none)
};

const char* status_name(MovieStatus status);

// Every movie of an output directory, sorted by name. Reads each HDF5 file's colours; a file
// that cannot be read makes its movie failed with the reason, never an exception.
std::vector<GalleryMovie> scan_archive(const std::string& dir);

// Writes DIR/index.html and DIR/gallery/ (the pages and barcode images) and returns the paths
// written. Existing pages are an error (usage error naming the file) without `overwrite`.
// Throws a usage error when DIR is not a directory.
std::vector<std::string> write_gallery(const std::string& dir, bool overwrite);

}  // namespace barcode
