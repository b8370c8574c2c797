#include "render/gallery.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "base/error.h"
#include "base/tsv_fields.h"
#include "render/gallery_assets.h"
#include "render/png_writer.h"
#include "render/styles.h"
#include "render/text_file.h"
#include "store/h5_read.h"

namespace barcode {
namespace fs = std::filesystem;
namespace {

// Barcode images of the pages: at most this many columns (area-resampled), and the movie page
// holds the palette of at most this many frames (evenly spread over the done rows).
constexpr int kImageColumns = 1200;
constexpr int kDominantHeight = 64;
constexpr int kPaletteHeight = 120;
constexpr size_t kPageRows = 2000;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// `text` for an HTML page declared UTF-8: markup characters escaped, and a name's bytes that are
// no UTF-8 (a Latin-1 file name) shown as U+FFFD, as in the page's JSON.
std::string html(const std::string& text) {
  std::string out;
  for (const char c : valid_utf8(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A file name as a relative URL: every byte outside the unreserved set percent-encoded.
std::string url(const std::string& name) {
  std::string out;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

std::string hex(const uint8_t* rgb) {
  char text[8];
  std::snprintf(text, sizeof text, "%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return text;
}

uint8_t to_byte(float value) {
  if (!std::isfinite(value)) return 0;
  return static_cast<uint8_t>(std::lround(std::clamp(value, 0.0f, 255.0f)));
}

// H:MM:SS
std::string duration_text(double seconds) {
  if (!(seconds > 0)) return "duration unknown";
  const auto total = static_cast<int64_t>(std::lround(seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  return text;
}

// The first of `names` that the file has as a numeric root attribute.
double number_attribute(const BarcodeFile& file, std::initializer_list<const char*> names,
                        double otherwise) {
  for (const char* name : names) {
    const StoredAttribute* a = file.attribute(name);
    if (!a) continue;
    if (a->kind == StoredAttribute::Kind::kInteger && !a->integers.empty()) {
      return static_cast<double>(a->integers[0]);
    }
    if (a->kind == StoredAttribute::Kind::kFloat && !a->floats.empty()) return a->floats[0];
  }
  return otherwise;
}

std::string text_attribute(const BarcodeFile& file, const char* name) {
  const StoredAttribute* a = file.attribute(name);
  return a && a->kind == StoredAttribute::Kind::kText ? a->text : std::string();
}

const char* exit_code_meaning(int code) {
  switch (code) {
    case kExitFailure:
      return "the job could not go on (I/O, library or device failure)";
    case kExitUsage:
      return "invalid options or unusable input";
    case kExitIncomplete:
      return "the input is truncated or some frames did not decode";
    case kExitInterrupted:
      return "interrupted";
    default:
      return "failed";
  }
}

// The last error a tool log reports, without the "barcode_mpi: rank N: error: " prefix, or "".
std::string last_error_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, found;
  while (std::getline(in, line)) {
    const size_t at = line.find("error: ");
    if (at != std::string::npos) found = line.substr(at + 7);
  }
  if (found.size() > 400) found = found.substr(0, 400) + "...";
  return found;
}

// What an archive directory says about one movie, besides its HDF5 file.
struct Traces {
  std::string source;     // from the summary or the failure record
  int failure_code = -1;  // from failed/NAME.txt
  std::string summary;    // status word in manifest-summary.tsv
  bool partial = false;   // NAME.h5.partial exists
  bool h5 = false;        // NAME.h5 exists
};

std::map<std::string, Traces> find_movies(const fs::path& dir) {
  std::map<std::string, Traces> movies;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file(ec)) continue;
    if (ends_with(file, ".h5")) {
      movies[file.substr(0, file.size() - 3)].h5 = true;
    } else if (ends_with(file, ".h5.partial")) {
      movies[file.substr(0, file.size() - 11)].partial = true;
    }
  }
  if (ec) throw Error(dir.string() + ": cannot list the directory: " + ec.message());
  for (const fs::directory_entry& entry : fs::directory_iterator(dir / "failed", ec)) {
    const std::string file = entry.path().filename().string();
    if (!ends_with(file, ".txt")) continue;
    Traces& t = movies[file.substr(0, file.size() - 4)];
    std::ifstream in(entry.path());
    std::string line;
    std::getline(in, line);
    const std::vector<std::string> fields = tsv_split(line);
    t.failure_code = std::atoi(fields[0].c_str());
    if (t.failure_code <= 0) t.failure_code = kExitFailure;
    if (fields.size() > 1) t.source = fields[1];
  }
  // barcode_mpi --manifest: line, movie, name, status, exit_code, frames, seconds.
  std::ifstream summary(dir / "manifest-summary.tsv");
  std::string line;
  std::getline(summary, line);  // header
  while (std::getline(summary, line)) {
    const std::vector<std::string> fields = tsv_split(line);
    if (fields.size() < 4 || fields[2].empty()) continue;
    Traces& t = movies[fields[2]];
    t.source = fields[1];
    t.summary = fields[3];
  }
  return movies;
}

// Why a written but unfinished file is incomplete, from its root attributes.
std::string incomplete_reason(const BarcodeFile& file) {
  std::string reason;
  const auto add = [&](const std::string& part) { reason += (reason.empty() ? "" : "; ") + part; };
  if (number_attribute(file, {"truncated"}, 0) != 0) add("the input is truncated");
  const double missing = number_attribute(file, {"frames_missing"}, 0);
  if (missing > 0) add(std::to_string(static_cast<int64_t>(missing)) + " frames did not decode");
  if (number_attribute(file, {"interrupted"}, 0) != 0) add("interrupted: rerun with --resume");
  return reason.empty() ? "not finished" : reason;
}

// The movie's entry; `file` receives its colours when a file could be read (else samples 0).
GalleryMovie describe(const fs::path& dir, const std::string& name, const Traces& t,
                      BarcodeFile& file) {
  GalleryMovie m;
  m.name = name;
  m.source = t.source;
  const fs::path h5 = dir / (name + ".h5");
  const fs::path partial = dir / (name + ".h5.partial");
  std::string read_error;
  if (t.h5 || t.partial) {
    m.h5 = (t.h5 ? h5 : partial).string();
    try {
      file = read_barcode_file(m.h5);
    } catch (const Error& e) {
      read_error = e.what();
      file = BarcodeFile{};
    }
  }
  if (file.samples > 0) {
    const std::string source = text_attribute(file, "source_path");
    if (!source.empty()) m.source = source;
    m.duration = number_attribute(file, {"source_duration", "duration"}, 0);
    m.frames = file.samples;
    m.frames_done = static_cast<int64_t>(file.done_rows().size());
    for (size_t i = 0; i < file.movie_palette.size(); ++i) {
      m.movie_palette.push_back(to_byte(file.movie_palette[i]));
    }
  }
  const bool complete = t.h5 && file.samples > 0 && number_attribute(file, {"complete"}, 0) != 0;
  if (complete) {
    m.status = MovieStatus::kDone;
  } else if (t.failure_code >= 0 && t.failure_code != kExitIncomplete &&
             t.failure_code != kExitInterrupted) {
    m.status = MovieStatus::kFailed;
    m.reason =
        "exit code " + std::to_string(t.failure_code) + ": " + exit_code_meaning(t.failure_code);
    const std::string logged = last_error_line(dir / "logs" / (name + ".log"));
    if (!logged.empty()) m.reason += ": " + logged;
  } else if (!read_error.empty()) {
    m.status = MovieStatus::kFailed;
    m.reason = read_error;
  } else if (t.h5) {
    m.reason = incomplete_reason(file);
  } else if (t.partial) {
    m.reason = "interrupted or still running (" + name + ".h5.partial): rerun with --resume";
  } else if (t.failure_code >= 0) {
    m.reason = exit_code_meaning(t.failure_code);
  } else {
    m.reason = t.summary.empty() ? "no output" : t.summary;
  }
  return m;
}

std::string swatches(const std::vector<uint8_t>& rgb) {
  std::string out = "<div class=\"swatches\">";
  for (size_t i = 0; i + 3 <= rgb.size(); i += 3) {
    const std::string color = "#" + hex(&rgb[i]);
    out += "<span style=\"background:" + color + "\" title=\"" + color + "\"></span>";
  }
  return out + "</div>";
}

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<link rel=\"icon\" href=\"data:,\">\n<title>" +
         html(title) + "</title>\n<style>" + gallery_assets::kStyle + "</style>\n</head>\n";
}

std::string frames_text(const GalleryMovie& m) {
  if (m.frames == 0) return "no frames";
  if (m.frames_done == m.frames) return std::to_string(m.frames) + " frames";
  return std::to_string(m.frames_done) + " of " + std::to_string(m.frames) + " frames";
}

// The movie's images and page under DIR/gallery; returns the paths written.
std::vector<std::string> write_movie_page(const fs::path& gallery, const GalleryMovie& m,
                                          const BarcodeFile& file) {
  const std::vector<int64_t> rows = file.done_rows();
  const int columns = static_cast<int>(std::min<size_t>(rows.size(), kImageColumns));
  const std::string png = (gallery / (m.name + ".png")).string();
  const std::string palette_png = (gallery / (m.name + "-palette.png")).string();
  write_png(png, render_style(Style::kDominant, file, columns, kDominantHeight));
  write_png(palette_png, render_style(Style::kPalette, file, columns, kPaletteHeight));

  // The inline data: [time, index, [colours], [weight %]] for up to kPageRows done rows.
  const size_t shown = std::min(rows.size(), kPageRows);
  const auto k = static_cast<size_t>(file.k);
  std::string data = "{\"name\": " + json_quote(m.name, true) + ", \"rows\": [";
  for (size_t j = 0; j < shown; ++j) {
    // The middle done row of the j-th of `shown` equal parts (integers: no rounding to doubt).
    const auto row = static_cast<size_t>(rows[(2 * j + 1) * rows.size() / (2 * shown)]);
    char head[96];
    std::snprintf(head, sizeof head, "%s[%.3f, %lld, [", j ? ",\n" : "", file.time[row],
                  static_cast<long long>(file.index[row]));
    data += head;
    std::string weights;
    for (size_t c = 0; c < k; ++c) {
      const float* p = &file.palette[(row * k + c) * 3];
      const uint8_t rgb[3] = {to_byte(p[0]), to_byte(p[1]), to_byte(p[2])};
      data += (c ? ", \"" : "\"") + hex(rgb) + "\"";
      const float w = file.weights[row * k + c];
      char percent[32];
      std::snprintf(percent, sizeof percent, "%s%.1f", c ? ", " : "",
                    std::isfinite(w) ? 100.0 * w : 0.0);
      weights += percent;
    }
    data += "], [" + weights + "]]";
  }
  data += "]}";

  const std::string page = (gallery / (m.name + ".html")).string();
  TextFile out(page, "HTML");
  out.put(page_head(m.name + ": barcode"));
  out.put("<body>\n<header>\n<p><a href=\"../index.html\">&larr; all movies</a></p>\n<h1>" +
          html(m.name) + "</h1>\n<div class=\"meta\"><span class=\"status " +
          status_name(m.status) + "\">" + status_name(m.status) + "</span><span>" +
          duration_text(m.duration) + "</span><span>" + frames_text(m) + "</span><span>" +
          html(m.source) + "</span></div>\n");
  if (!m.reason.empty()) out.put("<div class=\"reason\">" + html(m.reason) + "</div>\n");
  out.put(
      "</header>\n<div id=\"frame\" class=\"frame\">\n<img id=\"barcode\" class=\"barcode\" "
      "src=\"" +
      url(m.name + ".png") + "\" alt=\"barcode of " + html(m.name) +
      " (dominant colours)\">\n<img class=\"barcode palette\" src=\"" +
      url(m.name + "-palette.png") + "\" alt=\"palettes of " + html(m.name) +
      "\">\n<div id=\"cursor\"></div>\n</div>\n");
  out.put(
      "<div id=\"readout\"><div class=\"meta\"><span id=\"time\"></span><span id=\"index\">"
      "</span></div>\n<div id=\"palette\" class=\"swatches\"></div></div>\n");
  if (!m.movie_palette.empty()) {
    out.put("<h2>Movie palette</h2>\n" + swatches(m.movie_palette) + "\n");
  }
  out.put("<script type=\"application/json\" id=\"data\">" + data + "</script>\n<script>");
  out.put(gallery_assets::kMovieScript);
  out.put("</script>\n</body>\n</html>\n");
  out.commit();
  return {png, palette_png, page};
}

std::string index_card(const GalleryMovie& m, bool has_page) {
  const std::string status = status_name(m.status);
  const std::string link = "gallery/" + url(m.name + ".html");
  std::string card = "<li class=\"movie\" data-name=\"" + html(m.name) + "\" data-source=\"" +
                     html(m.source) + "\" data-status=\"" + status + "\" data-duration=\"" +
                     std::to_string(m.duration) + "\" data-frames=\"" +
                     std::to_string(m.frames_done) + "\">\n";
  if (has_page) {
    card += "<a href=\"" + link + "\"><img class=\"barcode\" src=\"gallery/" +
            url(m.name + ".png") + "\" alt=\"barcode of " + html(m.name) + "\"></a>\n";
  } else {
    card += "<div class=\"nobarcode\">no frames</div>\n";
  }
  card += "<div class=\"meta\">";
  card += has_page ? "<a class=\"name\" href=\"" + link + "\">" + html(m.name) + "</a>"
                   : "<span class=\"name\">" + html(m.name) + "</span>";
  card += "<span class=\"status " + status + "\">" + status + "</span><span>" +
          duration_text(m.duration) + "</span><span>" + frames_text(m) + "</span><span>" +
          html(m.source) + "</span></div>\n";
  if (!m.reason.empty()) card += "<div class=\"reason\">" + html(m.reason) + "</div>\n";
  if (!m.movie_palette.empty()) card += swatches(m.movie_palette) + "\n";
  return card + "</li>\n";
}

void check_not_there(const fs::path& path, bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec)) {
    throw usage_error(path.string() + " exists; give --overwrite to replace the gallery");
  }
}

}  // namespace

const char* status_name(MovieStatus status) {
  switch (status) {
    case MovieStatus::kDone:
      return "done";
    case MovieStatus::kFailed:
      return "failed";
    case MovieStatus::kIncomplete:
      return "incomplete";
  }
  return "incomplete";
}

std::vector<GalleryMovie> scan_archive(const std::string& dir) {
  std::vector<GalleryMovie> movies;
  for (const auto& [name, traces] : find_movies(dir)) {
    BarcodeFile file;
    movies.push_back(describe(dir, name, traces, file));
  }
  return movies;
}

std::vector<std::string> write_gallery(const std::string& dir_name, bool overwrite) {
  const fs::path dir(dir_name);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw usage_error(dir_name + ": not a directory");
  const fs::path index = dir / "index.html";
  const fs::path gallery = dir / "gallery";
  check_not_there(index, overwrite);
  check_not_there(gallery, overwrite);
  fs::create_directories(gallery, ec);
  if (ec) throw Error(gallery.string() + ": cannot create the directory: " + ec.message());

  std::vector<std::string> written;
  std::string cards;
  int counts[3] = {0, 0, 0};
  const std::map<std::string, Traces> found = find_movies(dir);
  for (const auto& [name, traces] : found) {
    BarcodeFile file;
    const GalleryMovie m = describe(dir, name, traces, file);
    const bool has_page = !file.done_rows().empty();
    if (has_page) {
      for (std::string& path : write_movie_page(gallery, m, file)) written.push_back(path);
    }
    cards += index_card(m, has_page);
    ++counts[static_cast<int>(m.status)];
  }

  TextFile out(index.string(), "HTML");
  const std::string title = "Barcodes of " + fs::absolute(dir).lexically_normal().string();
  out.put(page_head(title));
  out.put("<body>\n<header>\n<h1>" + html(title) + "</h1>\n<p>" + std::to_string(found.size()) +
          " movies: " + std::to_string(counts[0]) + " done, " + std::to_string(counts[1]) +
          " failed, " + std::to_string(counts[2]) +
          " incomplete. <span id=\"shown\"></span></p>\n<div class=\"controls\">"
          "<input id=\"filter\" type=\"search\" placeholder=\"filter by name\" "
          "aria-label=\"filter by name\"><label>sort by <select id=\"sort\">"
          "<option value=\"name\">name</option><option value=\"duration\">duration</option>"
          "<option value=\"frames\">frames</option><option value=\"status\">status</option>"
          "</select></label></div>\n</header>\n<ul id=\"movies\" class=\"movies\">\n");
  out.put(cards);
  out.put("</ul>\n<script>");
  out.put(gallery_assets::kIndexScript);
  out.put("</script>\n</body>\n</html>\n");
  out.commit();
  written.push_back(index.string());
  return written;
}

}  // namespace barcode
