// Every option of barcode_mpi in one struct, its command-line and config-file binding (CLI11;
// config files use CLI11's TOML format) and the checks that do not need the input file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "color/frame_summary.h"
#include "color/kmeans.h"
#include "render/barcode_image.h"
#include "render/styles.h"

namespace barcode {

// Limits of the numeric options (validate_options; README's options table).
constexpr double kMaxSeconds = 1e7;                      // --start, --end: 115 days
constexpr double kMaxFps = 1000;                         // --fps
constexpr int64_t kMaxColumns = (int64_t{1} << 31) - 1;  // --columns: the frame table's limit
constexpr int kMaxThreads = 1024;                        // --threads
// --width, --height and their product: kMaxImageWidth, kMaxImageHeight, kMaxImagePixels
// (render/barcode_image.h, shared with barcode_render).

// --split-movies auto and all.
constexpr int64_t kSplitMoviesAuto = -1;
constexpr int64_t kSplitMoviesAll = INT64_MAX;

// --gpu: use a GPU when one is found, require one, or never use one.
enum class GpuMode { kAuto, kOn, kOff };

struct Options {
  // Input and outputs: a movie, or (--from-h5) the file of a --keep-thumbs run.
  std::string input;
  std::string from_h5;
  std::string manifest;  // a list of movies; output_h5 is then the output directory
  std::string output_h5;
  std::string output_png;
  bool overwrite = false;
  bool resume = false;  // continue OUT.partial of an interrupted run
  // With resume: an OUT.partial that cannot be resumed (other options, not readable) is made
  // afresh instead of refused. A --manifest run sets it for its movies, which it resumes
  // without being asked; no flag sets it.
  bool remake_unresumable = false;

  // Sampling: at most one of every / fps / columns; keyframes restricts the candidates.
  int64_t every = 1;
  double fps = 0.0;     // 0: not used
  int64_t columns = 0;  // 0: not used
  bool keyframes = false;
  double start = 0.0;  // seconds from the stream's start
  double end = -1.0;   // seconds; < 0: to the end

  // Tile and clustering.
  int tile_width = 160;
  std::string crop = "auto";  // auto | none | W:H:X:Y: the picture inside black bars
  KmeansParams kmeans;
  ColorSpace space = ColorSpace::kRgb;  // --space rgb | lab: the space frames are clustered in
  bool keep_thumbs = false;             // store each tile in /frames/thumbs (for --from-h5)
  int threads = 0;                      // 0: the cores this rank may use
  int batch = 64;                       // frames per collective write round

  int movie_clusters = 16;  // colours of the movie-wide palette; 0: none

  // Rendering.
  std::vector<Style> styles{Style::kDominant};  // one PNG per style (see render/styles.h)
  int width = kDefaultBarcodeWidth;             // 0: one column per sample
  int height = 360;

  GpuMode gpu = GpuMode::kAuto;  // --gpu auto | on | off
  int decoders = 0;        // NVDEC sessions per GPU rank; 0: a default that keeps engines busy
  int cpu_decoders = -1;   // software decoders per rank; -1: 1 without a GPU, 0 with one
  int gpu_batch = 512;     // tiles per GPU k-means launch
  bool balance = true;     // --balance on | off: rows move between the ranks of a movie
  int movies_at_once = 0;  // --manifest: movies a rank works on at the same time; 0: automatic
  // --manifest: how many movies (the shortest, made after the queue of the others) all ranks
  // make together; kSplitMoviesAuto: chosen from the movies' lengths (app/archive_schedule.h).
  int64_t split_movies = kSplitMoviesAuto;
  int verbosity = 1;
  bool decode_only = false;  // benchmark: decode the sampled frames, discard them, write nothing

  // The options as TOML text, for the HDF5 file's attributes and for reproducing a run.
  std::string as_toml;

  // The input named in messages: the movie or the --from-h5 file.
  const std::string& source() const {
    return !from_h5.empty() ? from_h5 : !manifest.empty() ? manifest : input;
  }
};

// Result of parsing: either options to run with, or an exit code (help printed, or an error
// already reported on rank 0).
struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
};

// Parses argv; style, colour space and GPU mode names become enums here, once. Only `print_rank0`
// decides whether help and errors are printed, so that N ranks print one copy. Throws nothing:
// usage errors come back as exit code 2.
ParseResult parse_options(int argc, char** argv, bool print_rank0);

// Checks that need no input file (ranges, combinations, output paths). Throws usage_error.
void validate_options(const Options& options);

}  // namespace barcode
