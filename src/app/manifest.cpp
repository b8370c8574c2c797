#include "app/manifest.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "app/archive_schedule.h"
#include "app/job.h"
#include "app/job_backend.h"
#include "app/movie_costs.h"
#include "app/movie_planner.h"
#include "app/movie_queue.h"
#include "app/summary.h"
#include "base/error.h"
#include "base/input_file.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "base/output_lock.h"
#include "base/sha1.h"
#include "base/stopwatch.h"
#include "base/tsv_fields.h"
#include "render/styles.h"
#include "store/h5_read.h"

namespace barcode {
namespace fs = std::filesystem;

namespace {

// What became of one movie. Sent to rank 0 as four doubles.
struct MovieOutcome {
  int64_t movie = -1;
  int code = -1;  // exit code of its run; kSkipped when complete already, kNotStarted
  int64_t frames = 0;
  double seconds = 0;
};
constexpr int kSkipped = -1;
constexpr int kNotStarted = -2;
constexpr int kBusy = -3;           // another run (another job on the same directory) is writing it
constexpr int kFinishedOther = -4;  // finished with other options (done_elsewhere only)
constexpr int kImageMissing = -5;   // complete, its image not drawn yet (done_elsewhere only)

struct MovieFiles {
  std::string name, h5, png, failure_record;
  std::string error_log;  // where a failure's message goes, as slurm/archive.sbatch keeps them
};

// `output_dir` is --manifest's -o; several `styles` put the style's name in the image's.
MovieFiles movie_files(const std::string& output_dir, const std::vector<Style>& styles,
                       const std::string& movie) {
  MovieFiles f;
  f.name = movie_output_name(movie);
  const fs::path dir(output_dir);
  f.h5 = (dir / (f.name + ".h5")).string();
  f.png = (dir / (f.name + (styles.size() > 1 ? "-{style}.png" : ".png"))).string();
  f.failure_record = (dir / "failed" / (f.name + ".txt")).string();
  f.error_log = (dir / "logs" / (f.name + ".log")).string();
  return f;
}

// What an earlier run left of a movie's results (finished: its file complete and its first
// image there).
enum class Finished {
  kNo,       // nothing finished: the movie is (re)made, an interrupted run continued
  kSame,     // a complete file and its image, made from this movie with these options: skipped
  kOther,    // a complete file made from another file at this path or with other options
  kNoImage,  // kSame, but the image is missing: drawn from the file, nothing computed again
};

// The options one movie's run takes from the manifest's.
Options movie_options(const Options& options, const std::string& movie) {
  Options o = options;
  o.manifest.clear();
  o.input = movie;
  return o;
}

// Whether `movie` is no longer there at all (not merely unreadable: a directory on the way
// that cannot be searched gives no not_found).
bool source_gone(const std::string& movie) {
  std::error_code ec;
  return fs::symlink_status(movie, ec).type() == fs::file_type::not_found;
}

// A movie whose source is gone (deleted or moved away after its run) but whose complete file,
// made with these options, and image are there is kSame: finished work, counted done as
// slurm/archive.sbatch and scripts/archive_status.sh count it, with a warning. Any other movie
// that cannot be checked (its source unreadable or no file; its file unreadable) is kNo: its
// run then fails with the cause as that movie's failure, and the other movies go on. Its
// finished file is not touched: the run stops at the source.
Finished finished_result(const Options& options, const MovieFiles& f, const std::string& movie) {
  try {
    if (!is_complete_barcode_file(f.h5)) return Finished::kNo;
    const std::string png = style_output_paths(f.png, options.styles).front();
    std::error_code ec;
    const bool has_image = fs::file_size(png, ec) > 0 && !ec;
    const std::string stored = read_text_attribute(f.h5, "result_options");
    const Options o = movie_options(options, movie);
    if (source_gone(movie)) {
      const size_t rest = stored.find(' ');
      const bool same =
          stored.rfind("source=", 0) == 0 && rest != std::string::npos &&
          stored.compare(rest + 1, std::string::npos, result_options_without_source(o)) == 0;
      if (!same || !has_image) return Finished::kNo;
      log::warn(movie + ": not found; its complete result " + f.h5 +
                " (same options) and image are kept and counted done");
      return Finished::kSame;
    }
    if (stored != result_options(o)) return Finished::kOther;
    return has_image ? Finished::kSame : Finished::kNoImage;
  } catch (const Error&) {
    return Finished::kNo;
  }
}

// The failure record slurm/archive.sbatch writes: code, path, date, job.
void record_failure(const MovieFiles& f, const std::string& movie, int code,
                    const std::string& message) {
  std::error_code ec;
  fs::create_directories(fs::path(f.failure_record).parent_path(), ec);
  std::ofstream out(f.failure_record, std::ios::trunc);
  char date[32] = "";
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  const char* job = std::getenv("SLURM_JOB_ID");
  out << code << '\t' << tsv_escape(movie) << '\t' << date << '\t' << (job ? job : "manifest")
      << '\n';
  out.flush();  // a full disk shows when the buffer is written
  if (!out) log::warn(f.failure_record + ": cannot record the failure");
  // The error itself where archive.sbatch keeps the tool's messages: DIR/logs/NAME.log.
  if (message.empty()) return;
  fs::create_directories(fs::path(f.error_log).parent_path(), ec);
  std::ofstream log_file(f.error_log, std::ios::trunc);
  log_file << "barcode_mpi: error: " << message << '\n';
  log_file.flush();
  if (!log_file) log::warn(f.error_log + ": cannot record the error");
}

// A movie done (or finished by another run): an earlier failure's record and message are stale.
void forget_failure(const MovieFiles& f) {
  std::error_code ec;
  fs::remove(f.failure_record, ec);
  fs::remove(f.error_log, ec);
}

// A movie finished with other options is finished work, replaced only with --overwrite: it is
// kept, and recorded as failed (code kExitUsage) with the cause. Rank 0 only.
void record_other_result(const MovieFiles& f, const std::string& movie) {
  const std::string message =
      f.h5 +
      ": exists, but was made from another file at this path or with other sampling or "
      "clustering options; remove it, or pass --overwrite to make it again";
  log::error(message);
  record_failure(f, movie, kExitUsage, message);
}

// What another run on the same directory (a second --manifest job) did to the movie: kBusy
// while it is writing it (it holds the lock of its OUT.partial), kSkipped once it finished it
// after this run's start (kFinishedOther: with other options), else 0. Decided on `env`'s rank 0
// for all its ranks.
int done_elsewhere(const MpiEnv& env, const Options& options, const MovieFiles& f,
                   const std::string& movie) {
  int status = 0;
  if (env.rank() == 0) {
    if (OutputLock::held_elsewhere(f.h5 + ".partial")) {
      status = kBusy;
    } else if (!options.overwrite) {
      const Finished finished = finished_result(options, f, movie);
      status = finished == Finished::kSame      ? kSkipped
               : finished == Finished::kOther   ? kFinishedOther
               : finished == Finished::kNoImage ? kImageMissing
                                                : 0;
    }
  }
  mpi_check(MPI_Bcast(&status, 1, MPI_INT, 0, env.comm()), "MPI_Bcast(movie status)");
  return status;
}

// Runs one movie on `env` (all ranks, or this rank alone) with `backend` and returns what
// became of it. `index` is its place in the list of movies, `line` its line in the manifest.
MovieOutcome run_movie(const MpiEnv& env, const Options& options, const std::string& movie,
                       int64_t index, int64_t line, const Backend& backend,
                       MoviePlanner::Next* ahead = nullptr) {
  const MovieFiles f = movie_files(options.output_h5, options.styles, movie);
  const int found = done_elsewhere(env, options, f, movie);
  if (const int status = found == kImageMissing ? 0 : found) {
    if (status == kFinishedOther) {
      if (env.rank() == 0) record_other_result(f, movie);
      return MovieOutcome{index, kExitUsage};
    }
    // Not a failure, and not ours to record: the other run finishes it (or records it).
    log::info("manifest: line " + std::to_string(line) + ": " + movie + ": " +
              (status == kBusy ? "another run is writing it; left to that run"
                               : "another run has finished it"));
    if (status == kSkipped && env.rank() == 0) forget_failure(f);
    return MovieOutcome{index, status};
  }
  Options o = movie_options(options, movie);
  o.output_h5 = f.h5;
  o.output_png = f.png;
  // An incomplete earlier result is redone, an interrupted one continued (unless --overwrite
  // asks for the movie afresh), and a complete one whose image is missing only drawn.
  o.overwrite = found != kImageMissing;
  o.resume = found == kImageMissing || !options.overwrite;
  o.remake_unresumable = true;
  MovieOutcome outcome;
  outcome.movie = index;
  Stopwatch clock;
  RunStats stats;
  std::string message;  // the error, for DIR/logs/NAME.log
  log::info("manifest: line " + std::to_string(line) + ": " + movie + " -> " + f.name);
  try {
    if (ahead && ahead->error) std::rethrow_exception(ahead->error);  // its plan failed
    outcome.code = run_job(env, o, &stats, &backend, ahead ? ahead->plan.get() : nullptr);
  } catch (const CollectiveExit& e) {
    outcome.code = e.exit_code;
    message = e.message;
  } catch (const Error& e) {
    // With a rank of its own nothing else waits for it; with all ranks, the others may be in
    // a collective call, so the error ends the job as it would a single movie's.
    if (!env.alone()) throw;
    log::error(e.what());
    outcome.code = e.exit_code();
    message = e.what();
  }
  outcome.seconds = clock.seconds();
  // Refused because another run took the movie's lock after the check above: it is writing
  // the movie, or has finished it since.
  if (outcome.code == kExitUsage) {
    if (const int status = done_elsewhere(env, options, f, movie)) {
      outcome.code = status == kFinishedOther ? kExitUsage : status;
    }
  }
  int64_t frames = stats.frames_written;
  mpi_check(MPI_Allreduce(&frames, &outcome.frames, 1, MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(movie frames)");
  if (env.rank() == 0) {
    if (outcome.code == kExitOk || outcome.code == kSkipped) {
      forget_failure(f);
    } else if (outcome.code != kExitInterrupted && outcome.code != kBusy) {
      if (message.empty() && outcome.code == kExitIncomplete) {
        // Not an error thrown, but the user looks for the cause where errors are kept.
        message = movie +
                  ": incomplete: the input is damaged or truncated; the attributes "
                  "frames_missing, truncated, gap_start, gap_end and input_damage of " +
                  f.h5 + " say how, and its /frames/done marks the rows missing";
      }
      record_failure(f, movie, outcome.code, message);
    }
  }
  return outcome;
}

const char* status_text(int code) {
  switch (code) {
    case kSkipped:
      return "skipped (complete)";
    case kNotStarted:
      return "not started";
    case kBusy:
      return "busy (another run is writing it)";
    case kExitOk:
      return "done";
    case kExitIncomplete:
      return "incomplete";
    case kExitInterrupted:
      return "interrupted";
    default:
      return "FAILED";
  }
}

// Rank 0 collects every rank's outcomes and prints and writes the summary.
void report(const MpiEnv& world, const Options& options, const std::vector<std::string>& movies,
            const std::vector<int64_t>& line_numbers, const std::vector<MovieOutcome>& mine) {
  std::vector<double> packed;
  for (const MovieOutcome& m : mine) {
    packed.insert(packed.end(), {static_cast<double>(m.movie), static_cast<double>(m.code),
                                 static_cast<double>(m.frames), m.seconds});
  }
  int count = static_cast<int>(packed.size());
  std::vector<int> counts(static_cast<size_t>(world.size())), offsets(counts.size(), 0);
  mpi_check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, world.comm()),
            "MPI_Gather(manifest outcomes)");
  for (size_t r = 1; r < counts.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<size_t>(offsets.back() + counts.back()) + 1);
  mpi_check(MPI_Gatherv(packed.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                        MPI_DOUBLE, 0, world.comm()),
            "MPI_Gatherv(manifest outcomes)");
  if (world.rank() != 0) return;
  std::vector<MovieOutcome> table(movies.size());
  for (size_t i = 0; i < table.size(); ++i) table[i] = {static_cast<int64_t>(i), kNotStarted};
  for (size_t at = 0; at + 4 <= all.size(); at += 4) {
    const auto i = static_cast<size_t>(all[at]);
    if (i >= table.size()) continue;
    table[i] = {static_cast<int64_t>(i), static_cast<int>(all[at + 1]),
                static_cast<int64_t>(all[at + 2]), all[at + 3]};
  }
  const std::string tsv = (fs::path(options.output_h5) / "manifest-summary.tsv").string();
  std::ofstream out(tsv, std::ios::trunc);
  out << "line\tmovie\tname\tstatus\texit_code\tframes\tseconds\n";
  std::string text = "manifest summary (" + tsv + "):";
  int counts_by[5] = {0, 0, 0, 0, 0};  // done or skipped, failed, interrupted, not started, busy
  for (const MovieOutcome& m : table) {
    const std::string& movie = movies[static_cast<size_t>(m.movie)];
    const std::string status = status_text(m.code);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", m.seconds);
    out << line_numbers[static_cast<size_t>(m.movie)] << '\t' << tsv_escape(movie) << '\t'
        << tsv_escape(movie_output_name(movie)) << '\t' << status << '\t' << m.code << '\t'
        << m.frames << '\t' << seconds << '\n';
    text +=
        "\n  line " + std::to_string(line_numbers[static_cast<size_t>(m.movie)]) + "  " + status;
    if (m.code >= 0) {
      text += ", " + std::to_string(m.frames) + " frames in " + seconds + " s";
      if (m.code != kExitOk) text += ", exit code " + std::to_string(m.code);
    }
    text += "  " + movie;
    const int group = m.code == kExitOk || m.code == kSkipped ? 0
                      : m.code == kExitInterrupted            ? 2
                      : m.code == kNotStarted                 ? 3
                      : m.code == kBusy                       ? 4
                                                              : 1;
    ++counts_by[group];
  }
  text += "\n  " + std::to_string(counts_by[0]) + " done, " + std::to_string(counts_by[1]) +
          " failed, " + std::to_string(counts_by[2]) + " interrupted, " +
          std::to_string(counts_by[3]) + " not started, " +
          (counts_by[4] > 0 ? std::to_string(counts_by[4]) + " left to another run, " : "") +
          "of " + std::to_string(table.size());
  log::info(text);
  out.flush();  // a full disk shows when the buffer is written
  if (!out) log::warn(tsv + ": cannot write the summary");
}

// How many movies a rank works on at once in a queue of `queued` movies: --movies-at-once, or
// up to half the movies each rank can expect (one where they are long: `long_movies`); one
// where MPI does not allow several threads to call it. Decoders are chosen from it (several at
// once: decoders of two threads), and then no more than the rank's decoders (at_once_for).
int movies_at_once_wanted(const MpiEnv& world, const Options& options, size_t queued,
                          bool long_movies) {
  if (!world.threads_may_call_mpi()) return 1;
  if (options.movies_at_once > 0) return options.movies_at_once;
  if (long_movies) return 1;
  // At most half the movies a rank can expect: the last movies of the queue run while other
  // decoders are idle.
  const int64_t per_rank = static_cast<int64_t>(queued) / world.size();
  return static_cast<int>(std::max<int64_t>(1, per_rank / 2));
}

// As many as the rank has decoders: each movie then has one decoder and is never split, as a
// split costs the decoding from the key frame before it. Measured on one H200 (13 decoders)
// with 40 movies of 60 s against one long file of the same frames: 1, 2, 4, 8, 10 and 13 at
// once gave 0.31, 0.53, 0.66, 0.75-0.84, 0.78-0.79 and 0.89 of its rate.
int at_once_for(const Options& options, const Backend& backend, int wanted) {
  if (options.movies_at_once > 0 || wanted == 1) return wanted;
  return std::max(1, std::min(wanted, static_cast<int>(backend.decoders.size())));
}

// Puts `todo` and `values` both in `order` (indices into them).
void reorder(const std::vector<size_t>& order, std::vector<int64_t>& todo,
             std::vector<double>& values) {
  std::vector<int64_t> new_todo;
  std::vector<double> new_values;
  for (size_t i : order) {
    new_todo.push_back(todo[i]);
    new_values.push_back(values[i]);
  }
  todo = std::move(new_todo);
  values = std::move(new_values);
}

// Orders `todo` and `values` together by `values`, the largest first (equal ones keep their
// order, the same on every rank).
void sort_largest_first(std::vector<int64_t>& todo, std::vector<double>& values) {
  std::vector<size_t> order(todo.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] > values[b]; });
  reorder(order, todo, values);
}

// Puts `todo` in the order of its movies' file sizes, the largest first (sizes from rank 0 for
// all).
void largest_files_first(const MpiEnv& world, const std::vector<std::string>& movies,
                         std::vector<int64_t>& todo) {
  std::vector<double> sizes(todo.size(), 0.0);
  if (world.rank() == 0) {
    for (size_t i = 0; i < todo.size(); ++i) {
      std::error_code ec;
      const uintmax_t size = fs::file_size(movies[static_cast<size_t>(todo[i])], ec);
      sizes[i] = ec ? 0.0 : static_cast<double>(size);
    }
  }
  mpi_check(MPI_Bcast(sizes.data(), static_cast<int>(sizes.size()), MPI_DOUBLE, 0, world.comm()),
            "MPI_Bcast(movie sizes)");
  sort_largest_first(todo, sizes);
}

// Whole movies to ranks from a queue, `at_once` of them at a time on each rank, each in a
// thread of its own with its own communicator and its share of the rank's decoders and cores.
// Returns whether a signal stopped the run.
bool run_queue(const MpiEnv& world, const Options& options, const std::vector<std::string>& movies,
               const std::vector<int64_t>& line_numbers, const std::vector<int64_t>& todo,
               const Backend& backend, int at_once, std::vector<MovieOutcome>& outcomes) {
  std::vector<std::unique_ptr<MpiEnv>> envs;
  std::vector<std::unique_ptr<Backend>> shares;
  for (int part = 0; part < at_once; ++part) {
    const int cores = std::max(1, world.cores() / at_once);
    envs.push_back(MpiEnv::alone(world, cores));
    shares.push_back(at_once == 1 ? nullptr : backend_share(backend, part, at_once));
  }
  {
    MovieQueue next_movie(world.comm(), static_cast<int64_t>(todo.size()));
    // Two planners, two plans kept ready: planning one takes about 0.3 s, and a rank of 13
    // slots on 60-s films starts a movie every 0.3 s. Each plans on a communicator of its own.
    std::vector<std::unique_ptr<MpiEnv>> planner_envs;
    if (at_once > 1 && options.from_h5.empty()) {
      for (int p = 0; p < 2; ++p) planner_envs.push_back(MpiEnv::alone(world, 2));
    }
    const int ahead = static_cast<int>(planner_envs.size());
    MoviePlanner planner([&] { return next_movie.next(); },
                         [&](const MpiEnv& env, int64_t item) {
                           const std::string& movie =
                               movies[static_cast<size_t>(todo[static_cast<size_t>(item)])];
                           // As run_job checks it first: a FIFO would block the planner.
                           check_input_kind(movie);
                           return make_plan(env, movie_options(options, movie));
                         },
                         std::move(planner_envs), ahead);
    std::mutex mutex;  // guards outcomes, failed and error
    bool failed = false;
    std::exception_ptr error;
    const auto work = [&](int part) {
      try {
        for (;;) {
          {
            const std::lock_guard<std::mutex> lock(mutex);
            if (failed || interrupt_requested()) return;
          }
          MoviePlanner::Next next = planner.next();
          if (next.item < 0) return;
          const int64_t movie = todo[static_cast<size_t>(next.item)];
          const Backend& mine =
              shares[static_cast<size_t>(part)] ? *shares[static_cast<size_t>(part)] : backend;
          const MovieOutcome outcome = run_movie(
              *envs[static_cast<size_t>(part)], options, movies[static_cast<size_t>(movie)], movie,
              line_numbers[static_cast<size_t>(movie)], mine, &next);
          const std::lock_guard<std::mutex> lock(mutex);
          outcomes.push_back(outcome);
          if (outcome.code == kExitFailure && !failed) {
            // Not the movie's fault (I/O, library or device): this rank would likely fail every
            // movie it took next, so it leaves them to the others (and a later run those it had
            // planned ahead).
            log::error("manifest: this rank takes no further movies after that failure");
            failed = true;
            planner.stop();
          }
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
        planner.stop();
      }
    };
    std::vector<std::thread> threads;
    for (int part = 1; part < at_once; ++part) threads.emplace_back(work, part);
    work(0);
    for (std::thread& t : threads) t.join();
    planner.stop();
    if (error) std::rethrow_exception(error);
  }  // every rank leaves the queue together
  return interrupt_requested();
}

}  // namespace

std::string movie_output_name(const std::string& manifest_line) {
  // The last component as `basename` gives it: a path ending in / names its directory.
  std::string stem = manifest_line;
  while (stem.size() > 1 && stem.back() == '/') stem.pop_back();
  stem = fs::path(stem).filename().string();
  const size_t dot = stem.rfind('.');
  if (dot != std::string::npos) stem.resize(dot);  // as ${stem%.*} in the shell scripts
  // Braces would make a {style} in the name a placeholder of the image's path.
  std::replace(stem.begin(), stem.end(), '{', '(');
  std::replace(stem.begin(), stem.end(), '}', ')');
  // Every name made from it (NAME.h5.partial.lock, NAME-STYLE.png) within a file system's 255
  // bytes: the stem cut to kMaxStemBytes, never inside a UTF-8 character (manifest lines are
  // UTF-8).
  if (stem.size() > kMaxStemBytes) {
    size_t cut = kMaxStemBytes;
    while (cut > 0 && (static_cast<unsigned char>(stem[cut]) & 0xC0) == 0x80) --cut;
    stem.resize(cut);
  }
  return stem + "-" + sha1_hex(manifest_line).substr(0, 12);
}

std::vector<std::string> read_manifest(const std::string& path, bool report_repeats,
                                       std::vector<int64_t>* line_numbers) {
  if (fs::is_directory(path)) {
    throw usage_error(path + ": is a directory: --manifest takes a file listing movies");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error(path + ": cannot read the manifest");
  std::vector<std::string> movies;
  std::set<std::string> seen;
  int64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!is_path_line(line)) {
      // A movie given by mistake would otherwise become hundreds of "movies" with binary names.
      throw usage_error(path + ": line " + std::to_string(number) +
                        " is not text: --manifest takes a list of movie paths, one per line "
                        "(give a movie itself as INPUT)");
    }
    // Trailing blanks (and a DOS line end) are not part of a path; blank lines and lines
    // starting with # are skipped.
    const size_t last = line.find_last_not_of(" \t\r");
    line.resize(last == std::string::npos ? 0 : last + 1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    // A repeated line names the same outputs: done once (two ranks on one file would clash).
    if (!seen.insert(line).second) {
      if (report_repeats)
        log::warn(path + ": line " + std::to_string(number) + " repeats " + line + ": skipped");
      continue;
    }
    movies.push_back(line);
    if (line_numbers) line_numbers->push_back(number);
  }
  if (movies.empty()) throw usage_error(path + ": the manifest lists no movie");
  return movies;
}

namespace {

// What the estimates take of the ranks, the same on every rank (the smallest of the ranks'
// own): one rank's speed in 1080p frames a second (movie_costs.h), and how many decoders a rank
// has for several movies at once (choose_decoders with --decoders and --cpu-decoders).
struct RankModel {
  double frames_per_s = 1;
  int archive_decoders = 1;
};

RankModel agreed_rank_model(const MpiEnv& world, const Options& options, const Backend& backend) {
  const bool nvdec = backend.nvdec != nullptr;
  const int per_gpu = ranks_per_gpu(world, backend);
  const DecoderMix mix = default_decoder_mix(backend.threads, nvdec, per_gpu, DecodeWork{"", true});
  const int sessions = !nvdec ? 0 : options.decoders > 0 ? options.decoders : mix.nvdec_sessions;
  const int software = options.cpu_decoders >= 0 ? options.cpu_decoders : mix.software_decoders;
  double mine[2] = {rank_frames_per_second(nvdec, per_gpu, backend.threads),
                    static_cast<double>(std::max(1, sessions + software))};
  double all[2] = {0, 0};
  mpi_check(MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_MIN, world.comm()),
            "MPI_Allreduce(rank speeds)");
  return RankModel{all[0], static_cast<int>(all[1])};
}

// Movies probed per rank at most (8 at a time, 5-50 ms each: a few seconds); with more the
// movies go by file size, all through the queue.
constexpr size_t kProbedMoviesPerRank = 2000;
// What a movie costs besides its frames, seconds of a rank: its plan, file and decoders' start
// and finish (0.66 s per 60-s movie made one at a time on an H200 rank, docs/benchmarks.md).
constexpr double kMovieStartSeconds = 1.0;

// Each movie's estimated time on one rank (movie_costs.h), 0 for one complete but for its
// image; nothing where the movies are too many to probe or decoding them is not their work
// (--keyframes decodes key frames only).
std::vector<double> estimated_seconds(const MpiEnv& world, const Options& options,
                                      const std::vector<std::string>& movies,
                                      const std::vector<int64_t>& todo,
                                      const std::vector<uint8_t>& done, double frames_per_s) {
  if (options.keyframes || todo.size() > kProbedMoviesPerRank * world.size()) return {};
  std::vector<std::string> paths;
  for (int64_t movie : todo) {
    const auto m = static_cast<size_t>(movie);
    paths.push_back(done[m] == static_cast<uint8_t>(Finished::kNoImage) ? "" : movies[m]);
  }
  return movie_seconds(world, options, paths, frames_per_s);
}

// Puts `todo` (largest first, with `seconds` where known) in the order its movies are made and
// returns how many of the last all ranks make together (--split-movies). Without estimates,
// `auto` makes none together where movies outnumber ranks (a queue), else all.
size_t order_movies(const MpiEnv& world, const Options& options, int at_once,
                    std::vector<int64_t>& todo, std::vector<double>& seconds) {
  if (options.split_movies != kSplitMoviesAuto) {
    return static_cast<size_t>(
        std::min<int64_t>(options.split_movies, static_cast<int64_t>(todo.size())));
  }
  if (seconds.empty()) return todo.size() > static_cast<size_t>(world.size()) ? 0 : todo.size();
  const MovieOrder o = share_out(seconds, world.size(), at_once, kMovieStartSeconds);
  reorder(o.order, todo, seconds);
  return o.together;
}

// The movies all ranks make together after the queue, one after another. A rank that failed a
// movie of the queue with exit code 1 (its I/O, library or device, as the queue takes it: it
// took no more) sits them out; the others make them. `rechoose`: the queue's decoders were
// those of several movies at once, and these get a single film's. Returns whether a signal
// stopped them.
bool make_together(const MpiEnv& world, const Options& options,
                   const std::vector<std::string>& movies, const std::vector<int64_t>& line_numbers,
                   const std::vector<int64_t>& todo, bool take_part, bool rechoose,
                   Backend& backend, std::vector<MovieOutcome>& outcomes) {
  int mine = take_part ? 1 : 0, makers = 0;
  mpi_check(MPI_Allreduce(&mine, &makers, 1, MPI_INT, MPI_SUM, world.comm()),
            "MPI_Allreduce(ranks making movies together)");
  if (makers < world.size() && world.rank() == 0) {
    const std::string last = std::to_string(todo.size()) + " movies made together";
    if (makers == 0) {
      log::error("manifest: every rank failed a movie of the queue; the last " + last +
                 " are left to a later run");
    } else {
      log::warn("manifest: " + std::to_string(world.size() - makers) +
                " rank(s) failed a movie of the queue and take no part in the last " + last);
    }
  }
  const std::unique_ptr<MpiEnv> env = MpiEnv::members(world, take_part);
  if (!env) return false;
  if (rechoose) {
    backend.clear_decoders();
    choose_decoders(*env, options, DecodeWork{"", false}, backend);
  }
  for (int64_t movie : todo) {
    const MovieOutcome outcome = run_movie(*env, options, movies[static_cast<size_t>(movie)], movie,
                                           line_numbers[static_cast<size_t>(movie)], backend);
    if (env->rank() == 0) outcomes.push_back(outcome);
    if (outcome.code == kExitInterrupted) return true;
  }
  return false;
}

}  // namespace

int run_manifest(const MpiEnv& world, const Options& options) {
  install_interrupt_handlers();
  std::vector<std::string> movies;
  std::vector<int64_t> line_numbers;  // of each movie in the manifest, for the summary
  std::vector<int64_t> todo;
  std::vector<MovieOutcome> outcomes;
  collective_step(world, [&] {
    refuse_split_launch(world);
    validate_options(options);
    movies = read_manifest(options.manifest, world.rank() == 0, &line_numbers);
    std::error_code ec;
    fs::create_directories(options.output_h5, ec);
    if (!fs::is_directory(options.output_h5)) {
      throw usage_error(options.output_h5 +
                        ": cannot create the output directory: " + ec.message());
    }
  });
  // Rank 0 decides what is left to do, so that every rank works from one list.
  std::vector<uint8_t> done(movies.size(), 0);
  if (world.rank() == 0 && !options.overwrite) {
    for (size_t i = 0; i < movies.size(); ++i) {
      const MovieFiles f = movie_files(options.output_h5, options.styles, movies[i]);
      done[i] = static_cast<uint8_t>(finished_result(options, f, movies[i]));
    }
  }
  mpi_check(MPI_Bcast(done.data(), static_cast<int>(done.size()), MPI_UINT8_T, 0, world.comm()),
            "MPI_Bcast(manifest)");
  for (size_t i = 0; i < movies.size(); ++i) {
    if (done[i] == static_cast<uint8_t>(Finished::kNo) ||
        done[i] == static_cast<uint8_t>(Finished::kNoImage)) {
      todo.push_back(static_cast<int64_t>(i));
    } else if (done[i] == static_cast<uint8_t>(Finished::kOther)) {
      // Finished work is not replaced without --overwrite, nor taken for this run's result.
      if (world.rank() != 0) continue;
      record_other_result(movie_files(options.output_h5, options.styles, movies[i]), movies[i]);
      outcomes.push_back({static_cast<int64_t>(i), kExitUsage});
    } else if (world.rank() == 0) {
      outcomes.push_back({static_cast<int64_t>(i), kSkipped});
      // A failure recorded before the movie was finished (by another run) is stale now.
      forget_failure(movie_files(options.output_h5, options.styles, movies[i]));
    }
  }
  // The device and decoders are opened once for all the movies: a CUDA context and FFmpeg's
  // CUDA device cost 0.15-0.3 s, a fifth of a short movie's time.
  Backend backend;
  collective_step(world, [&] { open_device(world, options, backend); });
  // The movies' estimated times decide how they are shared out (archive_schedule.h).
  const RankModel model = agreed_rank_model(world, options, backend);
  std::vector<double> seconds =
      estimated_seconds(world, options, movies, todo, done, model.frames_per_s);
  if (seconds.empty()) {
    largest_files_first(world, movies, todo);
  } else {
    sort_largest_first(todo, seconds);
  }
  if (!world.threads_may_call_mpi() && options.movies_at_once > 1) {
    log::warn(
        "--movies-at-once: this MPI library does not allow several threads to call it "
        "(MPI_THREAD_MULTIPLE); one movie at a time");
  }
  // How many at once the queue would take all the movies (no more than the rank's decoders
  // for several at once would be): what a movie left in it would share.
  const int at_once_all = std::min(
      movies_at_once_wanted(world, options, todo.size(),
                            !seconds.empty() && one_movie_at_a_time(seconds, kMovieStartSeconds)),
      options.movies_at_once > 0 ? options.movies_at_once : model.archive_decoders);
  const size_t split = order_movies(world, options, at_once_all, todo, seconds);
  if (!seconds.empty()) {
    log::detail(
        "manifest: estimated time on one rank " +
        log::seconds(std::accumulate(seconds.begin(), seconds.end(), 0.0)) + " for all movies, " +
        log::seconds(*std::max_element(seconds.begin(), seconds.end())) + " for the longest, " +
        log::seconds(*std::min_element(seconds.begin(), seconds.end())) + " for the shortest");
  }
  const size_t queued = todo.size() - split;
  const bool long_movies =
      !seconds.empty() &&
      one_movie_at_a_time(std::vector<double>(seconds.begin(), seconds.begin() + queued),
                          kMovieStartSeconds);
  const int wanted = queued > 0 ? movies_at_once_wanted(world, options, queued, long_movies) : 1;
  // Decoders that each take whole movies where a rank works on several at once; otherwise every
  // rank shares out each movie's chunks, as for one film.
  choose_decoders(world, options, DecodeWork{"", wanted > 1}, backend);
  const int at_once = at_once_for(options, backend, wanted);
  const std::string together = "one after another, all ranks on each";
  log::info(
      options.manifest + ": " + std::to_string(movies.size()) + " movies, " +
      std::to_string(std::count(done.begin(), done.end(), static_cast<uint8_t>(Finished::kSame))) +
      " complete already; " +
      (queued == 0 ? together
                   : "whole movies to ranks from a queue, " + std::to_string(at_once) +
                         " at once per rank" +
                         (split > 0 ? "; then the last " + std::to_string(split) + " " + together
                                    : std::string())));
  bool interrupted = false;
  bool queue_failed = false;  // a movie of the queue failed here with exit code 1
  if (queued > 0) {
    const size_t before = outcomes.size();
    const std::vector<int64_t> queue(todo.begin(), todo.begin() + static_cast<ptrdiff_t>(queued));
    interrupted =
        run_queue(world, options, movies, line_numbers, queue, backend, at_once, outcomes);
    queue_failed = std::any_of(outcomes.begin() + static_cast<ptrdiff_t>(before), outcomes.end(),
                               [](const MovieOutcome& m) { return m.code == kExitFailure; });
    int mine = interrupted ? 1 : 0, any = 0;
    mpi_check(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, world.comm()),
              "MPI_Allreduce(queue interrupted)");
    interrupted = any != 0;
  }
  if (split > 0 && !interrupted) {
    interrupted = make_together(
        world, options, movies, line_numbers,
        std::vector<int64_t>(todo.begin() + static_cast<ptrdiff_t>(queued), todo.end()),
        !queue_failed, wanted > 1, backend, outcomes);
  }
  int mine[2] = {interrupted ? 1 : 0, 0}, all[2] = {0, 0};
  for (const MovieOutcome& m : outcomes) {
    const bool failed =
        m.code != kExitOk && m.code != kSkipped && m.code != kExitInterrupted && m.code != kBusy;
    if (failed) mine[1] = 1;
  }
  mpi_check(MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, world.comm()),
            "MPI_Allreduce(manifest result)");
  report(world, options, movies, line_numbers, outcomes);
  if (all[0]) return kExitInterrupted;
  return all[1] ? kExitFailure : kExitOk;
}

}  // namespace barcode
