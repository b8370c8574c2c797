#include "plan/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include "base/error.h"
#include "base/input_file.h"
#include "base/output_lock.h"
#include "base/output_path.h"
#include "plan/toml_config.h"
#include "render/styles.h"

namespace barcode {
namespace {

// The options given as names, as CLI11 reads and checks them (its messages name the accepted
// values) and as the recorded TOML shows them; parse_options turns them into Options' enums.
struct NamedOptions {
  std::string space = "rgb";
  std::vector<std::string> styles{"dominant"};
  std::string gpu = "auto";
  std::string balance = "on";
  std::string split_movies = "auto";
  // As text: CLI11 reads an unsigned integer with strtoull, which takes "-1" for 2^64-1 and
  // saturates a number too large, both without a word.
  std::string seed = "0";
};

void bind(CLI::App& app, Options& o, NamedOptions& named) {
  app.add_option("input", o.input, "Movie file to read (any container and codec FFmpeg reads)");
  app.add_option("--from-h5", o.from_h5,
                 "Instead of a movie, re-cluster the tiles stored in FILE.h5 by a --keep-thumbs "
                 "run (new --clusters, --restarts, --space, ...) without decoding; sampling "
                 "options do not apply")
      ->option_text("FILE.h5");
  app.add_option("--manifest", o.manifest,
                 "Instead of one movie, every movie listed in LIST (one path per line): -o is "
                 "then a directory receiving <name>.h5 and <name>.png per movie (<name>: file "
                 "stem and a hash of the line, as slurm/archive.sbatch names them). Movies "
                 "already complete with these options are skipped (complete with others: a "
                 "failure, until --overwrite), interrupted ones resumed, failed ones recorded "
                 "in DIR/failed/ while the rest go on; ranks take whole movies from a queue, "
                 "and make the last, long ones together (--split-movies)")
      ->option_text("LIST");
  app.add_option("--movies-at-once", o.movies_at_once,
                 "With --manifest: movies each rank works on at the same time, its decoders and "
                 "cores shared out among them, so that one movie's start and finish overlap "
                 "the others' decoding (0: one per decoder of the rank, at most half the movies "
                 "per rank; 1 where the movies are long enough that their start costs a tenth "
                 "of their time or less)");
  app.add_option("--split-movies", named.split_movies,
                 "With --manifest: how many movies all ranks make together, one after another "
                 "(each rank decoding a part, as for a single film), after the queue that gives "
                 "the other movies whole to ranks: the shortest ones, whose time the queue would "
                 "leave other ranks idle for. auto: as many as make the run end soonest, "
                 "estimated from the movies' lengths (5 two-hour films on 4 GPU ranks: the fifth; "
                 "short clips: none; the default); all: every movie; or a number")
      ->option_text("auto|all|N");
  app.add_option("-o,--output", o.output_h5,
                 "HDF5 file for per-frame results (written as OUT.partial, renamed when done); "
                 "with --manifest, the output directory")
      ->required();
  app.add_option("--png", o.output_png, "Barcode image to write (PNG); none when not given");
  app.add_flag("--overwrite", o.overwrite, "Replace existing output files");
  app.add_flag("--resume", o.resume,
               "Continue an interrupted run from OUT.partial (rows marked done are kept); "
               "without OUT.partial, start afresh");

  // One sampling rule of --every, --fps and --columns: checked after parsing (see
  // one_sampling_rule), where a rule on the command line can replace a config file's.
  app.add_option("--every", o.every,
                 "Sample every Nth frame (default: every frame); one of --every, --fps, "
                 "--columns, the command line's replacing a config file's")
      // First: the range's own check said "Value 1.5 not in range 1 to ..." of a value in it.
      ->check(CLI::Validator(
          [](std::string& text) {
            int64_t value = 0;
            return CLI::detail::lexical_cast(text, value) ? std::string()
                                                          : text + " is not a whole number";
          },
          "", "whole number"))
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--fps", o.fps,
                 "Sample F frames per second of film time (the frame on screen at each sample "
                 "time)");
  app.add_option("--columns", o.columns,
                 "Sample W frames evenly spaced over the range (W columns)");
  app.add_flag("--keyframes", o.keyframes,
               "Decode key frames only (a fast preview); sampling rules then apply to key frames");
  // Range checks here as well as in validate_options: --end's default (-1, "to the end") must
  // not be reachable by giving a negative value.
  app.add_option("--start", o.start, "Start of the range to process, seconds")
      ->check(CLI::Range(0.0, kMaxSeconds));
  app.add_option("--end", o.end, "End of the range to process, seconds (default: end of film)")
      ->check(CLI::Range(0.0, kMaxSeconds));

  app.add_option("--tile-width", o.tile_width,
                 "Width in pixels each frame is area-downscaled to before clustering (height "
                 "keeps the aspect ratio), of the picture as shown: a phone clip whose header "
                 "turns it is tiled turned");
  app.add_option("--crop", o.crop,
                 "Black bars (default auto): auto (found once from frames spread over the movie, "
                 "the same on "
                 "every rank and decoder), none (the whole frame), or W:H:X:Y (the picture "
                 "rectangle in pixels of the frame as stored, X and Y even); tiles are made "
                 "from the cropped picture")
      ->option_text("auto|none|W:H:X:Y");
  app.add_option("-k,--clusters", o.kmeans.k, "Colours per frame (k of k-means), 1..32");
  app.add_option("--restarts", o.kmeans.restarts,
                 "k-means++ restarts per frame; the lowest inertia wins");
  app.add_option("--max-iter", o.kmeans.max_iter, "Lloyd iterations per restart at most");
  app.add_option("--tol", o.kmeans.tol,
                 "Stop iterating when no centroid moves farther than this (RGB units 0..255)");
  app.add_option("--seed", named.seed,
                 "Seed for k-means++ (0 to 2^64-1); combined with each frame's index so results "
                 "never depend on ranks or threads")
      ->type_name("INT");
  app.add_option("--space", named.space,
                 "Colour space frames are clustered in: rgb (sRGB codes) or lab (CIELAB, "
                 "distances follow perceived difference); palettes are stored as sRGB either way")
      ->check(CLI::IsMember({"rgb", "lab"}));
  app.add_flag("--keep-thumbs", o.keep_thumbs,
               "Store each sampled frame's tile in the HDF5 file (/frames/thumbs, tile width x "
               "height x 3 bytes per frame), so that --from-h5 can re-cluster without decoding");
  app.add_option("--movie-clusters", o.movie_clusters,
                 "Colours of the movie-wide palette (a weighted k-means over every frame's "
                 "palette, stored in /movie); 0: none");
  app.add_option("--threads", o.threads,
                 "Threads per rank for decoding and clustering (0: the cores this rank may use)");
  app.add_option("--batch", o.batch, "Frames per collective HDF5 write (and per GPU batch)");

  app.add_option("--style", named.styles,
                 "Barcode style(s), repeatable or comma-separated: dominant, mean, palette, "
                 "circular, movie-palette, smooth; with several, {style} in --png is replaced by "
                 "each name (without it: OUT-STYLE.png)")
      ->delimiter(',')
      ->check(CLI::IsMember(style_names()));
  app.add_option("--width", o.width,
                 "Barcode width in pixels: the samples are area-resampled to it in linear light "
                 "(widened when there are fewer); 0: one column per sample. circular: the side "
                 "of the square image (0: 1024)");
  app.add_option("--height", o.height, "Barcode height in pixels");

  app.add_option("--gpu", named.gpu, "Use a GPU: auto (when one is found), on (required), off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--decoders", o.decoders,
                 "NVDEC decode sessions per rank with a GPU (0: 8 per GPU, shared by the ranks "
                 "on it; one session keeps about one of the GPU's decode engines busy)");
  app.add_option("--cpu-decoders", o.cpu_decoders,
                 "Software decoders per rank, each on its own chunks of the segment (-1: chosen "
                 "from the rank's cores: one of one thread per core without a GPU (at most 16); "
                 "beside NVDEC one per "
                 "core its sessions leave, none for HEVC, fewer of two threads for --manifest)");
  app.add_option("--gpu-batch", o.gpu_batch, "Frames per GPU k-means launch");
  app.add_option("--balance", named.balance,
                 "Move work between the ranks of a movie (default on): a rank whose decoders "
                 "have nothing left takes the end of the rows of the rank expected to finish "
                 "last, so that a slower GPU or harder content does not hold the others up; "
                 "off: each rank decodes its own segment only")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_flag("--decode-only", o.decode_only,
               "Benchmark: decode the sampled frames with the chosen decoders and discard them; "
               "no output is written (still give -o)");
  app.add_option("-v,--verbosity", o.verbosity, "0 quiet, 1 progress and summary, 2 detail");
  app.set_config("--config", "", "Read options from a TOML file (same names as the long options)");
  // A misspelt key (clusterz = 5) must not run silently with the default.
  app.allow_config_extras(CLI::config_extras_mode::error);
}

// Whether `text` is decimal digits only (no sign, no blanks), at least one.
bool only_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A whole number from 0 to 2^64-1, in decimal digits only.
uint64_t parse_seed(const std::string& text) {
  const bool digits = only_digits(text);
  errno = 0;
  const unsigned long long value = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE) {
    throw usage_error("--seed " + text + ": must be a whole number from 0 to " +
                      std::to_string(std::numeric_limits<uint64_t>::max()));
  }
  return value;
}

// --split-movies: auto, all, or a whole number of movies.
int64_t parse_split_movies(const std::string& text) {
  if (text == "auto") return kSplitMoviesAuto;
  if (text == "all") return kSplitMoviesAll;
  if (!only_digits(text) || text.size() > 9) {
    throw usage_error("--split-movies " + text +
                      ": must be auto, all or a number of movies from 0 to 999999999");
  }
  return std::stoll(text);
}

void apply_names(const NamedOptions& named, Options& o) {
  o.kmeans.seed = parse_seed(named.seed);
  o.space = named.space == "lab" ? ColorSpace::kLab : ColorSpace::kRgb;
  o.styles.clear();
  for (const std::string& name : named.styles) {
    // A style named twice is drawn once (as barcode_render does): twice, its second image
    // found the first in its place and failed the run after all the work.
    const Style style = parse_style(name);
    if (std::find(o.styles.begin(), o.styles.end(), style) == o.styles.end()) {
      o.styles.push_back(style);
    }
  }
  o.gpu = named.gpu == "on" ? GpuMode::kOn : named.gpu == "off" ? GpuMode::kOff : GpuMode::kAuto;
  o.balance = named.balance == "on";
  o.split_movies = parse_split_movies(named.split_movies);
}

// The value of --config in argv, or "" (CLI11 reads the file during parsing; it is checked
// first so that a binary file or a TOML table gets a clear refusal).
std::string config_path(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) return argv[i + 1];
    if (arg.rfind("--config=", 0) == 0) return arg.substr(9);
  }
  return "";
}

// The option a message is about ("--clusters: ...", "Could not convert: --clusters = five"),
// or "" when it names none.
std::string option_in_message(const std::string& what) {
  const size_t at = what.find("--");
  if (at == std::string::npos) return "";
  size_t end = at + 2;
  while (end < what.size() &&
         (std::isalnum(static_cast<unsigned char>(what[end])) || what[end] == '-')) {
    ++end;
  }
  return what.substr(at, end - at);
}

// Whether option `name` (--long) was given on the command line, by its long or short name; if
// not, its value came from the config file.
bool on_command_line(const CLI::App& app, const std::string& name, int argc, char** argv) {
  std::vector<std::string> given{name};
  if (const CLI::Option* option = app.get_option_no_throw(name)) {
    for (const std::string& s : option->get_snames()) given.push_back("-" + s);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    for (const std::string& g : given) {
      if (arg == g || arg.rfind(g + "=", 0) == 0 || (g.size() == 2 && arg.rfind(g, 0) == 0)) {
        return true;
      }
    }
  }
  return false;
}

// Puts option `name` back to its default, as if not given: in `o` and in what the run records
// of its options (CLI11's results).
void forget_option(CLI::App& app, Options& o, const std::string& name) {
  const Options defaults;
  if (name == "--every") o.every = defaults.every;
  if (name == "--fps") o.fps = defaults.fps;
  if (name == "--columns") o.columns = defaults.columns;
  if (name == "--keyframes") o.keyframes = defaults.keyframes;
  if (name == "--start") o.start = defaults.start;
  if (name == "--end") o.end = defaults.end;
  if (name == "--tile-width") o.tile_width = defaults.tile_width;
  if (name == "--crop") o.crop = defaults.crop;
  if (name == "--decoders") o.decoders = defaults.decoders;
  if (name == "--cpu-decoders") o.cpu_decoders = defaults.cpu_decoders;
  if (name == "--decode-only") o.decode_only = defaults.decode_only;
  app.get_option(name)->clear();
}

// Which of the sampling rules (--every, --fps, --columns) applies: one given on the command line
// replaces any a config file gives (a preset's `every = 1` and --fps 1 were refused as
// exclusive); two on the command line, or two in the file with none there, are refused.
void one_sampling_rule(CLI::App& app, Options& o, int argc, char** argv) {
  std::vector<std::string> typed, from_file;
  for (const char* name : {"--every", "--fps", "--columns"}) {
    if (app.count(name) == 0) continue;
    (on_command_line(app, name, argc, argv) ? typed : from_file).push_back(name);
  }
  if (typed.size() > 1) {
    throw usage_error(typed[0] + " and " + typed[1] +
                      " exclude each other: give one sampling rule");
  }
  if (typed.empty() && from_file.size() > 1) {
    // (with_its_source names the file)
    throw usage_error(from_file[0] + " and " + from_file[1] +
                      " exclude each other: give one sampling rule");
  }
  // 0 stands for "not this rule" inside; given, it would sample every frame without a word.
  if (app.count("--columns") > 0 && o.columns == 0) {
    throw usage_error("--columns must be between 1 and " + std::to_string(kMaxColumns));
  }
  if (app.count("--fps") > 0 && o.fps == 0.0) throw usage_error("--fps must be positive");
  if (typed.empty()) return;
  for (const std::string& name : from_file) forget_option(app, o, name);
}

// A parse error's message, prefixed with the config file when the option it is about came
// from there.
std::string with_its_source(const CLI::App& app, const std::string& what, int argc, char** argv) {
  const std::string config = config_path(argc, argv);
  const std::string name = option_in_message(what);
  if (config.empty() || name.empty() || on_command_line(app, name, argc, argv)) return what;
  return config + ": " + what;
}

// Throws usage_error unless `path` is a readable text file (TomlConfig reads its lines).
void check_config_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw usage_error(path + ": --config must name a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot read the config file");
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string where = path + ": line " + std::to_string(number) + ": ";
    if (!is_text_line(line)) throw usage_error(where + "not text (a TOML file is expected)");
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) {
      throw usage_error(where +
                        "starts with a byte order mark (U+FEFF), which hides the first "
                        "name: save the file as UTF-8 without it");
    }
  }
}

}  // namespace

ParseResult parse_options(int argc, char** argv, bool print_rank0) {
  Options o;
  NamedOptions named;
  CLI::App app{
      "barcode_mpi: make a movie barcode. Each sampled frame is decoded, area-downscaled to a "
      "tile and clustered with k-means; per-frame colours and palettes go into one HDF5 file "
      "(written in parallel by all MPI ranks) and rank 0 renders the barcode PNG.\n\n"
      "  mpirun -np N barcode_mpi INPUT -o OUT.h5 --png OUT.png [options]\n"};
  app.option_defaults()->always_capture_default();  // --help shows every default
  app.set_version_flag("--version", std::string("barcode_mpi ") + BARCODE_VERSION);
  bind(app, o, named);
  try {
    const std::string config = config_path(argc, argv);
    if (!config.empty()) check_config_file(config);
    app.config_formatter(std::make_shared<TomlConfig>(app, config));
    app.parse(argc, argv);
    apply_names(named, o);
    one_sampling_rule(app, o, argc, argv);
  } catch (const Error& e) {
    if (print_rank0) {
      std::fprintf(stderr, "barcode_mpi: error: %s\n",
                   with_its_source(app, e.what(), argc, argv).c_str());
    }
    return ParseResult{std::nullopt, e.exit_code()};
  } catch (const CLI::ParseError& e) {
    ParseResult result;
    if (e.get_exit_code() == 0) {  // --help or --version
      if (print_rank0) app.exit(e);
      return result;
    }
    if (print_rank0) {
      std::string what = e.what();
      // CLI11 says "INI was not able to parse clusterz" for an unknown config key.
      const std::string extras = "INI was not able to parse ";
      if (what.rfind(extras, 0) == 0) {
        what = config_path(argc, argv) +
               ": unknown option in the config file: " + what.substr(extras.size());
      } else {
        what = with_its_source(app, what, argc, argv);
      }
      std::fprintf(stderr, "barcode_mpi: error: %s (barcode_mpi --help lists the options)\n",
                   what.c_str());
    }
    result.exit_code = kExitUsage;
    return result;
  }
  // What a --from-h5 run cannot change: the frames and their tiles come from the file. Given
  // on the command line, refused; from a config file (a preset, or the options recorded in a
  // file), left out.
  for (const char* name :
       {"--every", "--fps", "--columns", "--keyframes", "--start", "--end", "--tile-width",
        "--crop", "--decoders", "--cpu-decoders", "--decode-only"}) {
    if (o.from_h5.empty() || app.count(name) == 0) continue;
    if (!on_command_line(app, name, argc, argv)) {
      forget_option(app, o, name);
      continue;
    }
    if (print_rank0) {
      std::fprintf(stderr,
                   "barcode_mpi: error: %s does not apply to --from-h5 (the stored tiles fix the "
                   "frames and their size)\n",
                   name);
    }
    return ParseResult{std::nullopt, kExitUsage};
  }
  o.as_toml = app.config_to_str(true, false);
  // Options given but with nothing to act on: said, not ignored. (Checked here, on what was
  // given, because each movie of a manifest runs with the manifest's options.)
  const char* refusal = nullptr;
  if (app.count("--png") > 0 && o.output_png.empty()) {
    refusal = "--png needs a file name";
  } else if (o.manifest.empty() && on_command_line(app, "--movies-at-once", argc, argv)) {
    // (From a config file it may be a site's archive preset, used for one film too.)
    refusal = "--movies-at-once applies to --manifest only";
  } else if (o.manifest.empty() && on_command_line(app, "--split-movies", argc, argv)) {
    refusal = "--split-movies applies to --manifest only";
  }
  if (refusal) {
    if (print_rank0) std::fprintf(stderr, "barcode_mpi: error: %s\n", refusal);
    return ParseResult{std::nullopt, kExitUsage};
  }
  return ParseResult{o, 0};
}

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw usage_error(message);
}

}  // namespace

void validate_options(const Options& o) {
  const auto& km = o.kmeans;
  require(km.k >= 1 && km.k <= 32,
          "--clusters must be between 1 and 32 (got " + std::to_string(km.k) + ")");
  require(km.restarts >= 1 && km.restarts <= 1000, "--restarts must be between 1 and 1000");
  require(km.max_iter >= 1 && km.max_iter <= 100000, "--max-iter must be between 1 and 100000");
  require(std::isfinite(km.tol) && km.tol >= 0 && km.tol <= 1000,
          "--tol must be a number between 0 and 1000");
  require(o.every >= 1, "--every must be at least 1");
  require(o.fps == 0.0 || (std::isfinite(o.fps) && o.fps > 0 && o.fps <= kMaxFps),
          "--fps must be positive and at most " + std::to_string(static_cast<int>(kMaxFps)));
  require(o.columns >= 0 && o.columns <= kMaxColumns,
          "--columns must be between 1 and " + std::to_string(kMaxColumns));
  const std::string max_seconds = std::to_string(static_cast<int64_t>(kMaxSeconds));
  require(std::isfinite(o.start) && o.start >= 0 && o.start <= kMaxSeconds,
          "--start must be between 0 and " + max_seconds + " seconds");
  // -1 is the default ("to the end"); --end itself only accepts 0..kMaxSeconds.
  require(o.end == -1.0 || (std::isfinite(o.end) && o.end <= kMaxSeconds),
          "--end must be between 0 and " + max_seconds + " seconds");
  require(o.end == -1.0 || o.end > o.start, "--end must be after --start");
  require(o.tile_width >= 1 && o.tile_width <= 4096, "--tile-width must be between 1 and 4096");
  require(o.threads >= 0 && o.threads <= kMaxThreads,
          "--threads must be between 0 and " + std::to_string(kMaxThreads));
  require(o.movie_clusters >= 0 && o.movie_clusters <= 64,
          "--movie-clusters must be between 0 and 64");
  // Refused now, not after all the work when the image is drawn.
  require(o.movie_clusters > 0 ||
              std::find(o.styles.begin(), o.styles.end(), Style::kMoviePalette) == o.styles.end(),
          "--style movie-palette draws the movie palette, which --movie-clusters 0 leaves out");
  require(o.batch >= 1 && o.batch <= 65536, "--batch must be between 1 and 65536");
  require(o.decoders >= 0 && o.decoders <= 64, "--decoders must be between 0 and 64");
  require(o.cpu_decoders >= -1 && o.cpu_decoders <= 256,
          "--cpu-decoders must be between -1 and 256");
  require(o.gpu_batch >= 1 && o.gpu_batch <= 65536, "--gpu-batch must be between 1 and 65536");
  require(o.movies_at_once >= 0 && o.movies_at_once <= 64,
          "--movies-at-once must be between 0 and 64");
  require(o.width >= 0 && o.width <= kMaxImageWidth,
          "--width must be between 0 and " + std::to_string(kMaxImageWidth));
  require(o.height >= 1 && o.height <= kMaxImageHeight,
          "--height must be between 1 and " + std::to_string(kMaxImageHeight));
  // The image is made after all the work: refuse a size that cannot be allocated now. (With
  // --width 0 the width is the number of samples, known only after planning.)
  const bool circular =
      std::find(o.styles.begin(), o.styles.end(), Style::kCircular) != o.styles.end();
  require(int64_t{o.width} * o.height <= kMaxImagePixels &&
              (!circular || int64_t{o.width} * o.width <= kMaxImagePixels),
          "--width " + std::to_string(o.width) + " and --height " + std::to_string(o.height) +
              " make an image of more than " + std::to_string(kMaxImagePixels) +
              " pixels; choose a smaller size");
  require(o.verbosity >= 0 && o.verbosity <= 2, "--verbosity must be 0, 1 or 2");
  for (const std::string* input : {&o.input, &o.from_h5, &o.manifest}) {
    if (!input->empty()) check_input_kind(*input);
  }
  const int inputs = !o.input.empty() + !o.from_h5.empty() + !o.manifest.empty();
  require(inputs > 0, "no input file given");
  require(inputs == 1, "give one of a movie, --from-h5 FILE.h5 or --manifest LIST, not several");
  require(!o.output_h5.empty(), "--output must not be empty");
  require(!names_same_file(o.output_h5, o.source()), "--output must not be the input file");
  if (!o.manifest.empty()) {
    // -o is a directory (made when missing); each movie's outputs are named after it.
    require(o.output_png.empty(),
            "--png does not apply to --manifest: each movie's image is DIR/<name>.png");
    require(!o.decode_only, "--decode-only does not apply to --manifest");
    require(!std::filesystem::exists(o.output_h5) || std::filesystem::is_directory(o.output_h5),
            o.output_h5 + ": with --manifest, -o must be a directory");
    return;
  }
  // OUT.partial holds the results until they are complete, beside its lock: neither may be the
  // input (a --from-h5 of an interrupted run's OUT.partial, made afresh, lost its tiles).
  const std::string partial = o.output_h5 + ".partial";
  const std::string lock = OutputLock::lock_path(partial);
  require(!names_same_file(partial, o.source()) && !names_same_file(lock, o.source()),
          o.source() + ": is --output's work file; choose another --output");
  // With --resume an existing OUT.h5 is a finished run, checked by the job (not replaced).
  check_output_path(o.output_h5, o.overwrite || o.resume, o.source());
  check_work_file(partial);
  if (!o.output_png.empty()) {
    for (const std::string& png : style_output_paths(o.output_png, o.styles)) {
      require(!names_same_file(png, o.output_h5), "--png must differ from --output");
      require(!names_same_file(png, partial) && !names_same_file(png, lock),
              "--png must not be the name of --output's work file " + partial);
      check_output_path(png, o.overwrite, o.source());
    }
  }
}

}  // namespace barcode
