// barcode_render: re-renders a barcode HDF5 file written by barcode_mpi, in one or more styles,
// and exports its per-frame data as CSV or JSON. It reads colours only (no decoding) in one
// process: it links the render layer, whose base links MPI, but never initialises MPI.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/output_path.h"
#include "render/export.h"
#include "render/gallery.h"
#include "render/input_status.h"
#include "render/partial_file.h"
#include "render/png_writer.h"
#include "render/styles.h"
#include "store/h5_read.h"

namespace barcode {
namespace {

struct RenderOptions {
  std::string input;
  std::vector<std::string> styles{"dominant"};
  std::string output;                // PNG path, or a pattern with {style}
  int width = kDefaultBarcodeWidth;  // 0: one column per frame
  int height = 360;
  std::string csv;
  std::string json;
  std::string gallery;  // an archive's output directory: write its web pages instead
  bool overwrite = false;
  int verbosity = 1;
};

// Run before a numeric range check: CLI11's range check reads "1e3" or "12px" as out of range,
// which sends the user looking for a smaller number rather than for an integer.
CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
        if (text.size() > sign && text.find_first_not_of("0123456789", sign) == text.npos) {
          return "";
        }
        return "'" + text + "' is not an integer: a whole number is expected";
      },
      "");
}

void bind(CLI::App& app, RenderOptions& o) {
  app.add_option("input", o.input, "Barcode HDF5 file written by barcode_mpi");
  app.add_option("-s,--style", o.styles,
                 "Style to draw: dominant (dominant colour per frame), mean (mean colour), "
                 "palette (stacked clusters by weight), circular (a ring, clockwise from 12 "
                 "o'clock), movie-palette (each frame in its colour of the movie palette), "
                 "smooth (each frame squeezed to one pixel wide). Repeat it, or separate names "
                 "by commas, for several images")
      ->check(CLI::IsMember(style_names()))
      ->delimiter(',')
      ->allow_extra_args(false);
  app.add_option("-o,--output", o.output,
                 "PNG to write; with several styles {style} in it is replaced by each style's "
                 "name (out-{style}.png), and without it OUT-STYLE.png is written");
  app.add_option("--width", o.width,
                 "Image width: the frames are area-resampled to it in linear light (widened "
                 "when there are fewer); 0: one column per frame. circular: the side of the "
                 "square image (0: 1024)")
      ->check(whole_number())
      ->check(CLI::Range(0, kMaxImageWidth));
  app.add_option("--height", o.height,
                 "Image height; circular: the ring's thickness (a full disc when at least "
                 "half the side)")
      ->check(whole_number())
      ->check(CLI::Range(1, kMaxImageHeight));
  app.add_option("--csv", o.csv,
                 "Write every frame's index, pts, time, done, colours, palette "
                 "and weights to this CSV file");
  app.add_option("--json", o.json,
                 "Write the same per-frame data and the file's root "
                 "attributes to this JSON file");
  app.add_option("--gallery", o.gallery,
                 "Instead of one file: write DIR/index.html and DIR/gallery/, static web pages "
                 "with every movie of an archive run's output directory DIR")
      ->excludes("input");
  app.add_flag("--overwrite", o.overwrite, "Replace existing output files");
  app.add_option("-v,--verbosity", o.verbosity, "0 quiet, 1 list the files written, 2 timings")
      ->check(whole_number())
      ->check(CLI::Range(0, 2));
}

void say(const RenderOptions& o, int level, const std::string& message) {
  if (o.verbosity >= level) std::fprintf(stderr, "barcode_render: %s\n", message.c_str());
}

// An output path fit to write, or a usage error saying why not (before anything is read).
struct Plan {
  std::vector<Style> styles;
  std::vector<std::string> pngs;  // one per style, or none without -o
};

Plan plan_outputs(const RenderOptions& o) {
  Plan plan;
  for (const std::string& name : o.styles) {
    const Style style = parse_style(name);
    // A style named twice is drawn once.
    if (std::find(plan.styles.begin(), plan.styles.end(), style) == plan.styles.end()) {
      plan.styles.push_back(style);
    }
  }
  if (o.output.empty() && o.csv.empty() && o.json.empty()) {
    throw usage_error("nothing to do: give -o for a PNG, --csv or --json");
  }
  if (!o.output.empty()) {
    plan.pngs = style_output_paths(o.output, plan.styles);
  }
  std::vector<std::string> all = plan.pngs;
  if (!o.csv.empty()) all.push_back(o.csv);
  if (!o.json.empty()) all.push_back(o.json);
  // Before any output is looked at: "y.png" and "./y.png" must not pass as two outputs.
  check_distinct_outputs(all, o.input);
  for (const std::string& path : all) check_output_path(path, o.overwrite, o.input);
  return plan;
}

// The image's size follows from the options and the number of done rows; refuse what cannot
// be written before spending time on it.
void check_size(const BarcodeFile& file, Style style, const RenderOptions& o) {
  int64_t width = o.width;
  if (width == 0 && style == Style::kCircular) width = kCircularDefaultSide;
  if (width == 0) width = static_cast<int64_t>(file.done_rows().size());
  const int64_t height = style == Style::kCircular ? width : o.height;
  if (width > kMaxImageWidth || width * height > kMaxImagePixels) {
    throw usage_error(file.path + ": a " + style_name(style) + " image of " +
                      std::to_string(width) + " x " + std::to_string(height) +
                      " pixels is too large; choose a smaller --width or --height");
  }
}

// Whatever keeps the input from being read is a problem of the input: unusable input, exit 2
// (README). A truncated or damaged file fails inside HDF5 ("truncated file", "not a dataset"),
// which the reader reports as a failure of the job (exit 1).
BarcodeFile read_input(const std::string& path) {
  try {
    return read_barcode_file(path);
  } catch (const Error& e) {
    if (e.exit_code() != kExitFailure) throw;
    throw usage_error(std::string(e.what()) +
                      " (unusable input: the file is damaged, truncated or not a barcode file)");
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(const RenderOptions& o) {
  if (!o.gallery.empty()) {
    if (!o.output.empty() || !o.csv.empty() || !o.json.empty()) {
      throw usage_error("--gallery writes its own pages: it takes no -o, --csv or --json");
    }
    for (const std::string& path : write_gallery(o.gallery, o.overwrite))
      say(o, 2, "wrote " + path);
    say(o, 1, "wrote " + (std::filesystem::path(o.gallery) / "index.html").string());
    return kExitOk;
  }
  if (o.input.empty()) throw usage_error("no input: give a barcode HDF5 file (or --gallery DIR)");
  const Plan plan = plan_outputs(o);
  auto clock = std::chrono::steady_clock::now();
  BarcodeFile file = read_input(o.input);
  // Rows damaged on disk are left out like rows never done, and said.
  const int64_t damaged_rows = leave_out_damaged_rows(file);
  say(o, 2,
      "read " + o.input + ": " + std::to_string(file.samples) + " rows, k=" +
          std::to_string(file.k) + " in " + std::to_string(seconds_since(clock)) + " s");
  // Every image is checked before the first is written: a refused style leaves nothing behind.
  for (size_t s = 0; s < plan.pngs.size(); ++s) {
    check_drawable(plan.styles[s], file);
    check_size(file, plan.styles[s], o);
  }
  // Drawn and exported as it is, but said (even with -v 0), and exit 3 as for barcode_mpi.
  const std::string incomplete = incomplete_input_warning(file, damaged_rows);
  if (!incomplete.empty()) say(o, 0, "warning: " + incomplete);
  for (size_t s = 0; s < plan.pngs.size(); ++s) {
    const Style style = plan.styles[s];
    clock = std::chrono::steady_clock::now();
    const Image image = render_style(style, file, o.width, o.height);
    const double render_s = seconds_since(clock);
    clock = std::chrono::steady_clock::now();
    write_png(plan.pngs[s], image, o.overwrite);
    say(o, 1,
        "wrote " + plan.pngs[s] + " (" + style_name(style) + ", " + std::to_string(image.width) +
            "x" + std::to_string(image.height) + ")");
    say(o, 2,
        style_name(style) + ": render " + std::to_string(render_s) + " s, PNG " +
            std::to_string(seconds_since(clock)) + " s");
  }
  if (!o.csv.empty()) {
    clock = std::chrono::steady_clock::now();
    write_csv(o.csv, file);
    say(o, 1, "wrote " + o.csv);
    say(o, 2, "CSV in " + std::to_string(seconds_since(clock)) + " s");
  }
  if (!o.json.empty()) {
    clock = std::chrono::steady_clock::now();
    write_json(o.json, file);
    say(o, 1, "wrote " + o.json);
    say(o, 2, "JSON in " + std::to_string(seconds_since(clock)) + " s");
  }
  return incomplete.empty() ? kExitOk : kExitIncomplete;
}

}  // namespace
}  // namespace barcode

int main(int argc, char** argv) {
  using namespace barcode;
  RenderOptions options;
  CLI::App app{
      "barcode_render: draws a barcode HDF5 file written by barcode_mpi in one or more styles, "
      "and exports its per-frame colours as CSV or JSON. No decoding, no MPI.",
      "barcode_render"};
  app.option_defaults()->always_capture_default();  // --help shows every default
  bind(app, options);
  app.set_version_flag("--version", std::string("barcode_render ") + BARCODE_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help or --version
    // Named like every other message of the tool, so that it stands out in a job's log.
    std::fprintf(stderr, "barcode_render: error: %s\nRun barcode_render --help for the options.\n",
                 e.what());
    return kExitUsage;
  }
  try {
    // Ctrl-C or a job's end: no temporary (OUT.png.partial-PID-N) is left behind; exit 4.
    remove_partial_files_on_signals();
    return run(options);
  } catch (const Error& e) {
    std::fprintf(stderr, "barcode_render: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "barcode_render: error: out of memory\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "barcode_render: error: unexpected failure: %s\n", e.what());
    return kExitFailure;
  }
}
