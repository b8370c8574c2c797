// --manifest LIST: many movies in one allocation. Each line of LIST is a movie; each becomes
// DIR/<name>.h5 and DIR/<name>.png (DIR is -o), <name> as slurm/archive.sbatch names it, so
// both ways of processing an archive share one output tree and scripts/archive_status.sh.
//
// When movies outnumber ranks, whole movies go to ranks from a dynamic queue (each rank works
// alone on its movie); otherwise the movies are done one after another, all ranks splitting
// each into segments. Movies already complete are skipped, a movie interrupted earlier resumes
// from its .partial file, and a movie that fails is recorded in DIR/failed/<name>.txt (as the
// archive job does) while the others go on; a movie another run on the same directory is
// writing (it holds the lock of its .partial) is left to that run. Rank 0 prints a summary per
// movie at the end and writes it to DIR/manifest-summary.tsv.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/mpi_env.h"
#include "plan/options.h"

namespace barcode {

// The longest stem of an output name, in bytes: NAME.h5.partial.lock and NAME-STYLE.png then fit
// in a file name of 255 bytes.
constexpr size_t kMaxStemBytes = 200;

// "<stem>-<first 12 hex digits of the SHA-1 of the manifest line>", stem being the file name
// without its last extension, braces made parentheses ("{style}" would be a placeholder in the
// image's path), cut to kMaxStemBytes without splitting a UTF-8 character. slurm/archive.sbatch
// and scripts/archive_status.sh name outputs by the same rule.
std::string movie_output_name(const std::string& manifest_line);

// The movies of a manifest: its lines without trailing blanks, in order, each once (a repeated
// line is skipped, with a warning when `report_repeats`); blank lines, lines starting with #
// and a UTF-8 byte order mark are skipped. Throws usage_error when the file cannot be read, is
// not text (a movie given as the list) or lists nothing. With `line_numbers`, it receives each
// movie's line number in the file (from 1), for the summary.
std::vector<std::string> read_manifest(const std::string& path, bool report_repeats,
                                       std::vector<int64_t>* line_numbers = nullptr);

// Returns the exit code: 0 when every movie is done, 4 when a signal stopped the run (rerun to
// go on), 1 when any movie failed.
int run_manifest(const MpiEnv& world, const Options& options);

}  // namespace barcode
