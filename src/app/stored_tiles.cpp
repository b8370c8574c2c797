#include "app/stored_tiles.h"

#include <algorithm>

#include "base/error.h"
#include "base/log.h"
#include "base/stopwatch.h"
#include "store/row_check.h"

namespace barcode {
namespace {

// The integer scalar attribute `name`, or nullptr.
const StoredAttribute* integer_scalar(const BarcodeFile& file, const std::string& name) {
  const StoredAttribute* a = file.attribute(name);
  return a && a->kind == StoredAttribute::Kind::kInteger && a->integers.size() == 1 ? a : nullptr;
}

int64_t integer_attribute(const BarcodeFile& file, const std::string& name) {
  const StoredAttribute* a = integer_scalar(file, name);
  if (!a) {
    throw usage_error(file.path + ": not a barcode_mpi file: attribute " + name + " is missing");
  }
  return a->integers[0];
}

std::string text_attribute(const BarcodeFile& file, const std::string& name) {
  const StoredAttribute* a = file.attribute(name);
  return a && a->kind == StoredAttribute::Kind::kText ? a->text : "";
}

double float_attribute(const BarcodeFile& file, const std::string& name) {
  const StoredAttribute* a = file.attribute(name);
  return a && a->kind == StoredAttribute::Kind::kFloat && a->floats.size() == 1 ? a->floats[0]
                                                                                : 0.0;
}

// The source movie's facts as the decoding run recorded them, so that the new file describes
// the same movie.
StreamInfo stored_stream_info(const BarcodeFile& file) {
  StreamInfo info;
  info.path = text_attribute(file, "source_path");
  info.codec = text_attribute(file, "source_codec");
  info.pix_fmt = text_attribute(file, "source_pix_fmt");
  info.width = static_cast<int>(integer_attribute(file, "source_width"));
  info.height = static_cast<int>(integer_attribute(file, "source_height"));
  info.frame_rate = float_attribute(file, "source_frame_rate");
  info.duration = float_attribute(file, "source_duration");
  info.file_size = integer_attribute(file, "source_size");
  info.file_mtime = integer_attribute(file, "source_mtime");
  const std::string tb = text_attribute(file, "source_time_base");
  const size_t slash = tb.find('/');
  if (slash != std::string::npos) {
    info.time_base =
        AVRational{std::atoi(tb.substr(0, slash).c_str()), std::atoi(tb.substr(slash + 1).c_str())};
  }
  return info;
}

// The checks of the tiles about to be read (see StoredSource), where the file can give them.
void keep_row_checksums(const BarcodeFile& file, StoredSource& source) {
  if (!file.checksum_covers_thumbs || file.checksum.empty() || file.column.empty()) return;
  const auto rows = static_cast<size_t>(file.samples);
  source.colours_hash.resize(rows);
  source.checksum = file.checksum;
  for (size_t r = 0; r < rows; ++r) source.colours_hash[r] = stored_colours_hash(file, r);
}

// Whether the tile read for `row` is the one its checksum covers (true where there is nothing to
// check against).
bool tile_matches_checksum(const StoredSource& source, int64_t row,
                           const std::vector<uint8_t>& tile) {
  if (source.checksum.empty()) return true;
  const auto r = static_cast<size_t>(row);
  return checksum_holds_with_tile(source.colours_hash[r], tile.data(), tile.size(),
                                  source.checksum[r]);
}

// The attributes of `file` that say how its tiles were made (app/job.cpp writes them).
std::vector<StoredAttribute> tile_facts_of(const BarcodeFile& file) {
  static const char* const kNames[] = {"crop",
                                       "crop_method",
                                       "orientation",
                                       "tone_map",
                                       "hdr_transfer",
                                       "hdr_source_peak",
                                       "hdr_target_peak",
                                       "hdr_mastering_max_luminance",
                                       "hdr_mastering_min_luminance",
                                       "hdr_max_cll",
                                       "hdr_max_fall"};
  std::vector<StoredAttribute> facts;
  for (const char* name : kNames) {
    const StoredAttribute* a = file.attribute(name);
    const bool text = a && a->kind == StoredAttribute::Kind::kText;
    const bool number =
        a &&
        ((a->kind == StoredAttribute::Kind::kFloat && a->floats.size() == 1) ||
         (a->kind == StoredAttribute::Kind::kInteger && a->integers.size() == 1 && !a->boolean));
    if (text || number) facts.push_back(*a);
  }
  return facts;
}

}  // namespace

Plan make_stored_plan(const MpiEnv& env, const Options& options, StoredSource& source) {
  Stopwatch clock;
  Plan plan;
  source.path = options.from_h5;
  collective_step(env, [&] {
    const BarcodeFile file = read_barcode_file(source.path);
    source.thumbs = locate_thumbs(source.path);
    plan.info = stored_stream_info(file);
    plan.tile = TileSize{source.thumbs.width, source.thumbs.height};
    if (source.thumbs.rows != file.samples) {
      throw usage_error(source.path + ": /frames/thumbs has " + std::to_string(source.thumbs.rows) +
                        " rows, /color/palette " + std::to_string(file.samples));
    }
    plan.frame_pts = file.pts;
    plan.stored_index = file.index;
    plan.stored_time = file.time;
    plan.samples.resize(static_cast<size_t>(file.samples));
    for (int64_t i = 0; i < file.samples; ++i) plan.samples[static_cast<size_t>(i)] = i;
    source.done = file.done;
    keep_row_checksums(file, source);
    source.tile_facts = tile_facts_of(file);
    source.frames_in_range = integer_attribute(file, "frames_in_range");
    // Absent from the .partial file of an interrupted run: not truncated then.
    const StoredAttribute* truncated = integer_scalar(file, "truncated");
    plan.truncated = truncated && truncated->integers[0] != 0;
    if (file.samples == 0) throw usage_error(source.path + ": has no rows");
    // Nothing to re-cluster: refused before an output is made (exit 2 writes nothing).
    if (std::all_of(source.done.begin(), source.done.end(), [](uint8_t d) { return d == 0; })) {
      throw usage_error(source.path + ": no row is finished (/frames/done is 0 everywhere): " +
                        "there are no stored tiles to cluster");
    }
  });
  // Rows split evenly: tiles cost the same whatever the scene, unlike decoding.
  const auto rows = static_cast<int64_t>(plan.samples.size());
  const int64_t ranks = env.size();
  plan.my_first = rows * env.rank() / ranks;
  plan.my_end = rows * (env.rank() + 1) / ranks;
  const int64_t most = (rows + ranks - 1) / ranks;
  plan.rounds = (most + options.batch - 1) / options.batch;
  plan.my_frames_scanned = plan.my_end - plan.my_first;  // the summary's "in range"
  plan.scan_seconds = clock.seconds();
  log::info(source.path + ": " + std::to_string(rows) + " stored tiles of " +
            std::to_string(plan.tile.width) + "x" + std::to_string(plan.tile.height) + " (from " +
            plan.info.path + "), " + std::to_string(env.size()) + " rank(s)");
  return plan;
}

DecodePoolStats feed_stored_tiles(const Plan& plan, const StoredSource& source, TileSink& sink,
                                  ResultBook& book, const std::vector<uint8_t>& done,
                                  const std::atomic<bool>& stop) {
  Stopwatch clock;
  DecodePoolStats stats;
  const ThumbReader reader(source.path, source.thumbs);
  std::vector<uint8_t> tile(static_cast<size_t>(source.thumbs.tile_bytes()));
  int64_t damaged = 0;  // rows failing their checksum
  for (int64_t row = plan.my_first; row < plan.my_end && !stop; ++row) {
    if (done[static_cast<size_t>(row)]) continue;
    if (!source.done[static_cast<size_t>(row)]) {
      book.mark_missing(row);
      continue;
    }
    reader.read(row, tile.data());
    // A damaged source row is left out (missing: the run is incomplete), not clustered.
    if (!tile_matches_checksum(source, row, tile)) {
      if (++damaged <= 3) {
        log::warn(source.path + ": row " + std::to_string(row) +
                  " fails its checksum (its stored tile or colours were damaged): left out" +
                  (damaged == 3 ? "; further ones on this rank counted only" : ""));
      }
      book.mark_missing(row);
      continue;
    }
    sink.put_tile(tile.data(), row, plan.frame_index(row));
    ++stats.frames;
  }
  stats.seconds = clock.seconds();
  return stats;
}

}  // namespace barcode
