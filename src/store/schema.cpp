#include "store/schema.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "store/h5_check.h"

namespace barcode {
namespace {

bool link_exists(hid_t file, const std::string& name) {
  // H5Lexists fails (rather than answering no) when a parent group is missing: test each level.
  for (size_t slash = name.find('/', 1);; slash = name.find('/', slash + 1)) {
    if (H5Lexists(file, name.substr(0, slash).c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
  }
}

void write_attribute(hid_t location, const std::string& path, const std::string& name, hid_t type,
                     const void* value) {
  if (H5Aexists(location, name.c_str()) > 0) {
    H5_CHECK(path, H5Adelete(location, name.c_str()));
  }
  H5Handle space(H5_ID(path, H5Screate(H5S_SCALAR)));
  H5Handle attr(static_cast<hid_t>(H5_CHECK(
      path, H5Acreate2(location, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT))));
  h5_check(H5Awrite(attr.get(), type, value), path, ("H5Awrite " + name).c_str());
}

// h5py's bool: an enum over a signed byte with FALSE = 0 and TRUE = 1.
hid_t boolean_type(const std::string& path) {
  H5Handle type(H5_ID(path, H5Tenum_create(H5T_NATIVE_INT8)));
  const int8_t no = 0, yes = 1;
  H5_CHECK(path, H5Tenum_insert(type.get(), "FALSE", &no));
  H5_CHECK(path, H5Tenum_insert(type.get(), "TRUE", &yes));
  return type.release();
}

// /frames/checksum's description where the file holds stored tiles (dataset_schema's otherwise).
constexpr const char* kChecksumWithThumbs =
    "hash of the row's number, colours and stored tile (/frames/thumbs), checked when an "
    "interrupted run is resumed";

}  // namespace

const std::vector<std::pair<std::string, std::string>>& renamed_root_attributes() {
  static const std::vector<std::pair<std::string, std::string>> renamed = {
      {"codec", "source_codec"},           {"pix_fmt", "source_pix_fmt"},
      {"width", "source_width"},           {"height", "source_height"},
      {"frame_rate", "source_frame_rate"}, {"duration", "source_duration"},
      {"time_base", "source_time_base"},
  };
  return renamed;
}

const std::vector<std::string>& flag_attributes() {
  static const std::vector<std::string> flags = {"complete", "truncated", "interrupted", "thumbs"};
  return flags;
}

std::vector<DatasetSchema> dataset_schema(ColorSpace space) {
  const bool lab = space == ColorSpace::kLab;
  return {
      {"/frames/index",
       "position of the sampled frame in the frame table: its frame number within the time range "
       "(among key frames with --keyframes)",
       "frames", "none"},
      {"/frames/pts", "presentation timestamp of the sampled frame",
       "ticks of the stream time base (root attribute source_time_base)", "none"},
      {"/frames/time", "presentation time of the sampled frame from the stream's start", "seconds",
       "none"},
      {"/frames/done", "1 when the row's colours are written, 0 when not (yet)", "flag 0/1",
       "none"},
      {"/frames/checksum",
       "hash of the row's number and colours, checked when an interrupted run is resumed",
       "none (64-bit hash)", "none"},
      {"/frames/thumbs",
       "the tile the k-means clustered: the frame area-downscaled (--keep-thumbs only; rows not "
       "done hold no data)",
       "sRGB 0..255", "sRGB"},
      {"/color/dominant", "centroid of the frame's largest cluster", "sRGB 0..255", "sRGB"},
      {"/color/mean", "the frame's mean colour, averaged in linear light", "sRGB 0..255", "sRGB"},
      {"/color/palette", "cluster centroids of the frame, by weight, descending", "sRGB 0..255",
       "sRGB"},
      {"/color/weights", "fraction of the tile's pixels in each cluster of /color/palette",
       "weights 0..1, summing to 1 per frame", "none"},
      {"/color/inertia",
       lab ? "within-cluster sum over the tile's pixels of the squared distance to their centroid, "
             "measured in CIELAB codes (1.2 codes per unit of delta E*ab)"
           : "within-cluster sum over the tile's pixels of the squared distance to their centroid, "
             "measured in sRGB codes (0..255 per channel)",
       lab ? "CIELAB code units squared, summed over the tile's pixels"
           : "sRGB code units squared (0..255 per channel), summed over the tile's pixels",
       lab ? "CIELAB" : "sRGB"},
      {"/color/iterations", "Lloyd iterations of the winning k-means start", "iterations", "none"},
      {"/color/column",
       "each tile row's mean in linear light: the frame squeezed to one pixel wide (smooth style)",
       "sRGB 0..255", "sRGB"},
      {"/movie/palette",
       "movie-wide palette: weighted k-means over every frame's palette, by weight, descending",
       "sRGB 0..255", "sRGB"},
      {"/movie/weights", "share of all frames' pixels in each colour of /movie/palette",
       "weights 0..1, summing to 1", "none"},
      {"/movie/labels", "for each colour of /color/palette, its colour's index in /movie/palette",
       "index into /movie/palette", "none"},
  };
}

void describe_datasets(hid_t file, const std::string& path, ColorSpace space) {
  const bool thumbs = link_exists(file, "/frames/thumbs");
  for (const DatasetSchema& d : dataset_schema(space)) {
    if (!link_exists(file, d.name)) continue;
    H5Handle dataset(static_cast<hid_t>(h5_check(H5Dopen2(file, d.name, H5P_DEFAULT), path,
                                                 (std::string("open ") + d.name).c_str())));
    const bool checksum = std::string(d.name) == "/frames/checksum";
    write_text_attribute(dataset.get(), path, "description",
                         checksum && thumbs ? kChecksumWithThumbs : d.description);
    write_text_attribute(dataset.get(), path, "units", d.units);
    write_text_attribute(dataset.get(), path, "color_space", d.color_space);
    if (checksum && thumbs) write_flag_attribute(dataset.get(), path, kChecksumCoversThumbs, true);
  }
}

void write_text_attribute(hid_t location, const std::string& path, const std::string& name,
                          const std::string& value) {
  H5Handle type(H5_ID(path, H5Tcopy(H5T_C_S1)));
  H5_CHECK(path, H5Tset_size(type.get(), H5T_VARIABLE));
  H5_CHECK(path, H5Tset_cset(type.get(), H5T_CSET_UTF8));
  const char* text = value.c_str();
  write_attribute(location, path, name, type.get(), &text);
}

void write_flag_attribute(hid_t location, const std::string& path, const std::string& name,
                          bool value) {
  H5Handle type(boolean_type(path));
  const int8_t stored = value ? 1 : 0;
  write_attribute(location, path, name, type.get(), &stored);
}

std::string read_text_attribute(hid_t location, const std::string& path, const std::string& name) {
  if (H5Aexists(location, name.c_str()) <= 0) return "";
  H5Handle attr(H5_ID(path, H5Aopen(location, name.c_str(), H5P_DEFAULT)));
  H5Handle type(H5_ID(path, H5Aget_type(attr.get())));
  if (H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    h5_check(H5Aread(attr.get(), type.get(), &text), path, ("H5Aread " + name).c_str());
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  std::string value(H5Tget_size(type.get()), '\0');
  h5_check(H5Aread(attr.get(), type.get(), value.data()), path, ("H5Aread " + name).c_str());
  return value.substr(0, value.find('\0'));  // null-padded or null-terminated
}

bool is_boolean_type(hid_t type) {
  if (H5Tget_class(type) != H5T_ENUM || H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) {
    return false;
  }
  int8_t value = -1;
  return H5Tenum_valueof(type, "TRUE", &value) >= 0 && value == 1 &&
         H5Tenum_valueof(type, "FALSE", &value) >= 0 && value == 0;
}

int read_flag_attribute(hid_t location, const char* name) {
  if (H5Aexists(location, name) <= 0) return -1;
  const hid_t attr = H5Aopen(location, name, H5P_DEFAULT);
  if (attr < 0) return -1;
  int result = -1;
  const hid_t type = H5Aget_type(attr);
  if (type >= 0) {
    if (is_boolean_type(type)) {
      int8_t value = 0;
      if (H5Aread(attr, type, &value) >= 0) result = value != 0;
    } else if (H5Tget_class(type) == H5T_INTEGER) {
      int64_t value = 0;
      if (H5Aread(attr, H5T_NATIVE_INT64, &value) >= 0) result = value != 0;
    }
    H5Tclose(type);
  }
  H5Aclose(attr);
  return result;
}

int64_t read_int_attribute(hid_t location, const char* name, int64_t absent) {
  if (H5Aexists(location, name) <= 0) return absent;
  const hid_t attr = H5Aopen(location, name, H5P_DEFAULT);
  if (attr < 0) return absent;
  int64_t result = absent;
  const hid_t type = H5Aget_type(attr);
  if (type >= 0) {
    int64_t value = 0;
    if (H5Tget_class(type) == H5T_INTEGER && H5Aread(attr, H5T_NATIVE_INT64, &value) >= 0) {
      result = value;
    }
    H5Tclose(type);
  }
  H5Aclose(attr);
  return result;
}

std::string recorded_options(const std::string& as_toml) {
  // Which sampling rule the run used: the others are at their defaults and would conflict.
  std::istringstream in(as_toml);
  std::string line;
  std::vector<std::string> lines;
  double fps = 0;
  long columns = 0;
  const auto value_of = [](const std::string& l, const std::string& key) -> const char* {
    return l.rfind(key + "=", 0) == 0 ? l.c_str() + key.size() + 1 : nullptr;
  };
  while (std::getline(in, line)) {
    if (const char* v = value_of(line, "fps")) fps = std::strtod(v, nullptr);
    if (const char* v = value_of(line, "columns")) columns = std::strtol(v, nullptr, 10);
    lines.push_back(line);
  }
  const std::string rule = fps != 0 ? "fps" : columns != 0 ? "columns" : "every";
  std::string out;
  for (const std::string& l : lines) {
    bool skip = false;
    for (const char* key : {"every", "fps", "columns"}) {
      if (value_of(l, key) && rule != key) skip = true;
    }
    // end=-1 stands for "to the end of the film", a value --end itself does not take; png=""
    // for no image, where --png given takes a name.
    if (const char* v = value_of(l, "end")) skip = skip || std::strtod(v, nullptr) < 0;
    if (const char* v = value_of(l, "png")) skip = skip || std::strcmp(v, "\"\"") == 0;
    if (skip) continue;
    // CLI11 writes a list option as one string, style="[dominant,mean]": a TOML array instead.
    const char* style = value_of(l, "style");
    const std::string text = style ? style : "";
    if (style && text.size() >= 4 && text.compare(0, 2, "\"[") == 0 &&
        text.compare(text.size() - 2, 2, "]\"") == 0) {
      std::string array = "style=[";
      std::istringstream names(text.substr(2, text.size() - 4));
      std::string name;
      for (bool first = true; std::getline(names, name, ','); first = false) {
        array += (first ? "\"" : ", \"") + name + "\"";
      }
      out += array + "]\n";
      continue;
    }
    out += l + "\n";
  }
  return out;
}

}  // namespace barcode
