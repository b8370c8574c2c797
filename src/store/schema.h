// What a barcode file says about itself: the layout version, a description, units and colour
// space on every dataset, and how root attributes are typed (text as variable-length UTF-8,
// flags as the booleans h5py reads as bool). Readers of older files use the renaming table.
//
// Layout versions:
//   1  no schema_version attribute; fixed-length ASCII strings; flags as int64 0/1; the source's
//      facts named codec, pix_fmt, width, height, frame_rate, duration, time_base
//   2  schema_version = 2; variable-length UTF-8 strings; flags as booleans; those facts named
//      source_codec ... source_time_base; every dataset has description, units, color_space
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "color/frame_summary.h"

namespace barcode {

constexpr int64_t kSchemaVersion = 2;

// The root attributes that layout 2 renamed: {layout 1 name, layout 2 name}.
const std::vector<std::pair<std::string, std::string>>& renamed_root_attributes();

// The root attributes stored as booleans in layout 2 (int64 0/1 in layout 1).
const std::vector<std::string>& flag_attributes();

// One dataset's self-description.
struct DatasetSchema {
  const char* name;
  const char* description;
  const char* units;
  const char* color_space;  // "sRGB", or "none" for data that is not a colour
};

// Every dataset a barcode file may hold. `space` is the run's --space: it decides
// the units and colour space of /color/inertia.
std::vector<DatasetSchema> dataset_schema(ColorSpace space);

// The flag attribute of /frames/checksum, true where the checksums cover the row's stored tile
// (files with /frames/thumbs since this attribute exists).
constexpr const char* kChecksumCoversThumbs = "covers_thumbs";

// Writes description, units and color_space on each dataset of dataset_schema that `file`
// holds, and on /frames/checksum kChecksumCoversThumbs where the file holds /frames/thumbs.
// Collective in parallel HDF5: every rank calls it with the same values.
void describe_datasets(hid_t file, const std::string& path, ColorSpace space);

// Attributes of `location` (a file or a dataset). Writers replace an existing attribute.
void write_text_attribute(hid_t location, const std::string& path, const std::string& name,
                          const std::string& value);
void write_flag_attribute(hid_t location, const std::string& path, const std::string& name,
                          bool value);
// Variable-length or fixed-length text; "" when absent or not text.
std::string read_text_attribute(hid_t location, const std::string& path, const std::string& name);
// 1 or 0 for a boolean or integer attribute; -1 when absent or of another type. Never throws.
int read_flag_attribute(hid_t location, const char* name);
// An integer attribute's value; `absent` when absent or not an integer. Never throws.
int64_t read_int_attribute(hid_t location, const char* name, int64_t absent);

// Whether `type` is the boolean h5py writes and reads as bool: an 8-bit enum {FALSE, TRUE}.
bool is_boolean_type(hid_t type);

// The run's options as barcode_mpi records them in the `options` attribute: CLI11's TOML with
// only the sampling rule in use (--every, --fps and --columns exclude each other) and list
// options as TOML arrays, so that `--config` accepts it and repeats the run.
std::string recorded_options(const std::string& as_toml);

}  // namespace barcode
