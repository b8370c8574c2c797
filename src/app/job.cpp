#include "app/job.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>

#include "app/job_backend.h"
#include "app/mpi_sum_reducer.h"
#include "app/progress.h"
#include "app/rank_balance.h"
#include "app/rank_palettes.h"
#include "app/resume_check.h"
#include "app/stored_tiles.h"
#include "app/summary.h"
#include "base/error.h"
#include "base/first_failure.h"
#include "base/input_file.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "base/output_lock.h"
#include "base/output_path.h"
#include "base/stage_mark.h"
#include "base/tile_orientation.h"
#include "color/frame_summary.h"
#include "color/movie_palette.h"
#include "pipeline/cpu_sink.h"
#include "pipeline/decode_pool.h"
#include "pipeline/gpu_backend.h"
#include "pipeline/result_book.h"
#include "plan/plan.h"
#include "render/input_status.h"
#include "render/png_writer.h"
#include "render/styles.h"
#include "store/h5_read.h"
#include "store/h5_store.h"
#include "store/schema.h"
#include "video/crop_detect.h"
#include "video/decoder.h"

namespace barcode {
namespace {

// A double written so that it reads back to exactly the same value (--tol 0.1 and 0.1000001
// must differ).
std::string exact(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

TileAnalysis tile_analysis(const Plan& plan, const Options& options) {
  TileAnalysis a;
  a.width = plan.tile.width;
  a.height = plan.tile.height;
  a.kmeans = options.kmeans;
  a.space = options.space;
  a.keep_thumbs = options.keep_thumbs;
  return a;
}

StoreLayout store_layout(const Plan& plan, const Options& options) {
  StoreLayout layout;
  layout.samples = static_cast<int64_t>(plan.samples.size());
  layout.k = options.kmeans.k;
  layout.movie_k = options.movie_clusters;
  layout.tile_width = plan.tile.width;
  layout.tile_height = plan.tile.height;
  layout.thumbs = options.keep_thumbs;
  return layout;
}

void write_attributes(H5Store& store, const Plan& plan, const Options& options, int ranks) {
  store.set_attribute("result_options", result_options(options));
  const StreamInfo& info = plan.info;
  store.set_attribute("tool", std::string("barcode_mpi ") + BARCODE_VERSION);
  store.set_attribute("schema_version", kSchemaVersion);
  store.set_attribute("options", recorded_options(options.as_toml));
  store.set_attribute("source_path", std::filesystem::absolute(info.path).string());
  store.set_attribute("source_size", info.file_size);
  store.set_attribute("source_mtime", info.file_mtime);
  store.set_attribute("source_codec", info.codec);
  store.set_attribute("source_pix_fmt", info.pix_fmt);
  store.set_attribute("source_width", int64_t{info.width});
  store.set_attribute("source_height", int64_t{info.height});
  store.set_attribute("source_frame_rate", info.frame_rate);
  store.set_attribute("source_duration", info.duration);
  store.set_attribute("source_time_base", std::to_string(info.time_base.num) + "/" +
                                              std::to_string(info.time_base.den));
  store.set_attribute("frames_in_range", static_cast<int64_t>(plan.frame_pts.size()));
  store.set_attribute("tile_width", int64_t{plan.tile.width});
  store.set_attribute("tile_height", int64_t{plan.tile.height});
  if (!plan.crop_method.empty()) {
    store.set_attribute("crop", crop_text(plan.crop_rect()));  // W:H:X:Y, as --crop takes it
    store.set_attribute("crop_method", plan.crop_method);
  }
  if (!plan.source.orientation.identity()) {  // phone video: the tiles are turned as shown
    store.set_attribute("orientation", orientation_text(plan.source.orientation));
  }
  const ToneMapParams& tone = plan.source.tone;
  if (tone.active()) {  // HDR input: how it was tone-mapped, and the metadata found (0: none)
    store.set_attribute("tone_map", tone_map_description(tone));
    store.set_attribute("hdr_transfer", std::string(hdr_transfer_name(tone.transfer)));
    store.set_attribute("hdr_source_peak", tone.source_peak);
    store.set_attribute("hdr_target_peak", tone.target_peak);
    store.set_attribute("hdr_mastering_max_luminance", tone.mastering_max);
    store.set_attribute("hdr_mastering_min_luminance", tone.mastering_min);
    store.set_attribute("hdr_max_cll", int64_t{tone.max_cll});
    store.set_attribute("hdr_max_fall", int64_t{tone.max_fall});
  }
  store.set_attribute("k", int64_t{options.kmeans.k});
  store.set_attribute("space", std::string(color_space_name(options.space)));
  store.set_flag("thumbs", options.keep_thumbs);
  store.set_attribute("ranks", int64_t{ranks});
  store.set_flag("complete", false);
  store.describe_datasets(options.space);
}

// OUT.partial, open for writing, with what an earlier, interrupted run left in it.
// How many rows marked done were decoded over damaged data (see OpenStore::concealed_before).
constexpr const char* kConcealedDoneAttribute = "concealed_in_done_rows";

struct OpenStore {
  std::unique_ptr<H5Store> store;
  std::vector<FrameColors> finished;  // this rank's rows on disk already (when resuming)
  int64_t damaged_rows = 0;           // marked done in OUT.partial, but failing their checksum
  // Rows marked done in OUT.partial whose frames the decoder patched over damaged data: not
  // decoded again, so this run would not see that damage.
  int64_t concealed_before = 0;
};

// Refuses to continue OUT.partial unless it was made from the same input and options as this
// run (the same on every rank: no rank leaves a collective step alone here).
void check_resumable(const std::string& stored, const Options& options,
                     const std::string& partial) {
  const std::string why = describe_options_difference(stored, result_options(options));
  if (!why.empty()) {
    throw usage_error(partial + ": cannot resume: " + why + "; " + kCannotResumeAdvice);
  }
}

// Refuses to continue OUT.partial whose rows were turned otherwise than this run's: the input's
// header changed where its content fingerprint does not look (input_file.h), and the file would
// hold rows turned two ways.
void check_same_orientation(const std::string& stored, const Plan& plan,
                            const std::string& partial) {
  // The attribute is written only for a turn; orientation_text says "as stored" for none.
  const std::string made = stored.empty() ? "as stored" : stored;
  const std::string shown = orientation_text(plan.source.orientation);
  if (made == shown) return;
  throw usage_error(partial + ": cannot resume: the input changed: its rows were made " + made +
                    ", the input is now shown " + shown + "; " + kCannotResumeAdvice);
}

// This rank's rows that OUT.partial has done already. Rows marked done that fail their
// checksum, or whose timestamp is not this run's frame's (/frames is not in the checksum), were
// damaged: counted in `damaged_rows` and made again.
std::vector<FrameColors> read_finished_rows(H5Store& store, const Plan& plan,
                                            const std::string& partial, int64_t& damaged_rows) {
  const int64_t count = plan.my_end - plan.my_first;
  const std::vector<int64_t> pts = store.read_pts(plan.my_first, count);
  std::vector<int64_t> damaged;
  std::vector<FrameColors> finished = store.read_done_rows(plan.my_first, count, damaged);
  const auto off_plan = [&](const FrameColors& row) {
    return pts[static_cast<size_t>(row.position - plan.my_first)] != plan.sample_pts(row.position);
  };
  for (const FrameColors& row : finished) {
    if (off_plan(row)) damaged.push_back(row.position);
  }
  finished.erase(std::remove_if(finished.begin(), finished.end(), off_plan), finished.end());
  std::sort(damaged.begin(), damaged.end());
  damaged_rows = static_cast<int64_t>(damaged.size());
  if (!damaged.empty()) {
    log::detail(partial + ": rows " + std::to_string(damaged.front()) +
                " and on: " + std::to_string(damaged.size()) +
                " of this rank's fail their checksum or do not match this run's frames");
  }
  return finished;
}

// This rank's rows of /frames (index, timestamp, time), as the plan has them.
void write_frame_rows(H5Store& store, const Plan& plan) {
  std::vector<int64_t> index, pts;
  std::vector<double> time;
  for (int64_t row = plan.my_first; row < plan.my_end; ++row) {
    index.push_back(plan.frame_index(row));
    pts.push_back(plan.sample_pts(row));
    time.push_back(plan.frame_time(row));
  }
  store.write_frames(plan.my_first, index, pts, time);
}

// A new OUT.partial: the run's attributes and this rank's rows of /frames.
void write_new_store(H5Store& store, const MpiEnv& env, const Plan& plan, const Options& options,
                     const StoredSource& stored) {
  write_attributes(store, plan, options, env.size());
  if (!stored.path.empty()) {
    store.set_attribute("frames_in_range", stored.frames_in_range);
    store.set_attribute("from_h5", std::filesystem::absolute(stored.path).string());
    for (const StoredAttribute& fact : stored.tile_facts) {
      switch (fact.kind) {  // tile_facts_of keeps text and single numbers only
        case StoredAttribute::Kind::kText:
          store.set_attribute(fact.name, fact.text);
          break;
        case StoredAttribute::Kind::kFloat:
          store.set_attribute(fact.name, fact.floats[0]);
          break;
        case StoredAttribute::Kind::kInteger:
          store.set_attribute(fact.name, fact.integers[0]);
          break;
        case StoredAttribute::Kind::kOther:
          break;
      }
    }
  }
  write_frame_rows(store, plan);
  store.flush();
}

// Rank 0 tells how much of the job an earlier run had done, and how many of its rows were
// damaged (collective: the counts are summed over every rank).
void report_resumed_rows(const MpiEnv& env, const Plan& plan, const std::string& partial,
                         const OpenStore& opened) {
  int64_t mine[2] = {static_cast<int64_t>(opened.finished.size()), opened.damaged_rows};
  int64_t all[2] = {0, 0};
  mpi_check(MPI_Allreduce(mine, all, 2, MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(resumed rows)");
  if (all[1] > 0 && env.rank() == 0) {
    log::warn(partial + ": " + std::to_string(all[1]) +
              " rows marked done fail their checksum or do not match this run's frames (the "
              "file was damaged): they are made again");
  }
  log::info(partial + ": resuming with " + std::to_string(all[0]) + " of " +
            std::to_string(plan.samples.size()) + " frames already done");
}

// OUT.partial ready for this run's rows: continued with --resume when an earlier run left it,
// made anew otherwise.
OpenStore open_store(const MpiEnv& env, const Plan& plan, const Options& options,
                     const StoredSource& stored, const std::string& partial) {
  bool resuming = options.resume && std::filesystem::exists(partial);
  OpenStore opened;
  if (resuming) {
    try {
      // One step per collective call that a rank may fail alone: a rank that left a step
      // early would wait in the next step's collective while the others wait in this one's.
      // The store is kept outside the steps even when a rank fails in one: closing the file
      // is collective, so it waits until every rank has left the step.
      collective_step(env, [&] {
        // The options before the layout: a partial of another movie under this name is told
        // as such, not as rows that differ. (A file HDF5 cannot read is left to
        // open_existing, which says what is wrong with it.)
        std::string recorded;
        try {
          recorded = read_text_attribute(partial, "result_options");
        } catch (const Error&) {
        }
        if (!recorded.empty()) check_resumable(recorded, options, partial);
        opened.store = H5Store::open_existing(partial, env.comm(), store_layout(plan, options));
        if (recorded.empty()) {
          check_resumable(opened.store->get_text_attribute("result_options"), options, partial);
        }
        check_same_orientation(opened.store->get_text_attribute("orientation"), plan, partial);
      });
      collective_step(env, [&] {
        opened.finished = read_finished_rows(*opened.store, plan, partial, opened.damaged_rows);
        opened.concealed_before = opened.store->get_int_attribute(kConcealedDoneAttribute, 0);
      });
      collective_step(env, [&] {
        // /frames again from the plan: a damaged time or index beside a good timestamp and
        // colours would be kept otherwise.
        write_frame_rows(*opened.store, plan);
        opened.store->set_attribute("ranks", int64_t{env.size()});
      });
    } catch (const CollectiveExit& e) {
      // Every rank is here together: the step agreed on the failure (other options, not
      // HDF5, a layout of another version). Were it the disk, making it afresh fails too.
      if (!options.remake_unresumable) throw;
      opened = OpenStore{};  // closes it, collectively
      resuming = false;
      if (env.rank() == 0) log::warn(partial + ": made afresh, as it cannot be resumed");
    }
  }
  if (!resuming) {
    // Agreed on before the file is made: a rank that fails inside the collective creation
    // leaves the others waiting.
    collective_step(env, [&] {
      if (env.rank() == 0) check_room_for(partial, store_bytes(store_layout(plan, options)));
    });
    collective_step(env, [&] {
      opened.store = std::make_unique<H5Store>(partial, env.comm(), store_layout(plan, options));
      write_new_store(*opened.store, env, plan, options, stored);
    });
  }
  log::stage("store ready");
  if (resuming) report_resumed_rows(env, plan, partial, opened);
  return opened;
}

// An interrupted run's ending: everything written so far stays in OUT.partial, marked done,
// for --resume, with the count of those rows decoded over damage.
void keep_interrupted_store(const MpiEnv& env, H5Store& store, int64_t concealed_done) {
  collective_step(env, [&] {
    store.set_attribute(kConcealedDoneAttribute, concealed_done);
    store.set_flag("complete", false);
    store.set_flag("interrupted", true);
    store.close();
  });
}

// Rank 0 tells the user how far an interrupted run came and how to continue it.
void tell_interrupted(const MpiEnv& env, const Plan& plan, const Options& options,
                      const std::string& partial, int64_t missing) {
  if (env.rank() != 0) return;
  // An --overwrite run's OUT.h5 is still the old one, which --resume alone would keep.
  const bool replacing = options.overwrite && std::filesystem::exists(options.output_h5);
  // The write rounds pass a signal that only another rank received on to this one.
  const int signal = interrupt_signal();
  const std::string by =
      signal != 0 ? "signal " + std::to_string(signal) : "a signal to another rank";
  log::error(options.source() + ": interrupted by " + by + " after " +
             std::to_string(plan.samples.size() - static_cast<size_t>(missing)) + " of " +
             std::to_string(plan.samples.size()) + " frames; " + partial +
             " keeps them: rerun with " + (replacing ? "--resume --overwrite" : "--resume") +
             " to continue");
}

// Not one sampled frame could be made: the input is unusable, and exit code 2 promises that
// nothing is left behind (an OUT.h5 without a row, a PNG that cannot be drawn).
void refuse_if_no_frame_made(const MpiEnv& env, const Plan& plan, const std::string& source,
                             const std::string& partial, H5Store& store, int64_t missing) {
  if (missing != static_cast<int64_t>(plan.samples.size())) return;
  collective_step(env, [&] {
    store.close();
    std::error_code ec;
    if (env.rank() == 0) std::filesystem::remove(partial, ec);
    throw usage_error(source + ": none of the " + std::to_string(plan.samples.size()) +
                      " sampled frames could be decoded; nothing was written");
  });
}

// Marks how complete the file is (and why not), closes it and gives it its final name: from
// here on OUT.h5 exists, and it is a finished run.
void finish_store(const MpiEnv& env, const Plan& plan, const Options& options,
                  const std::string& partial, H5Store& store, int64_t missing, int64_t damage,
                  int64_t concealed_done, bool complete) {
  collective_step(env, [&] {
    store.set_attribute(kConcealedDoneAttribute, concealed_done);
    store.set_flag("complete", complete);
    store.set_attribute("frames_missing", missing);
    store.set_flag("truncated", plan.truncated);
    store.set_attribute("gap_start", plan.gap_start);
    store.set_attribute("gap_end", plan.gap_end);
    store.set_attribute("input_damage", damage);
    store.set_flag("interrupted", false);
    store.close();
    if (env.rank() == 0) {
      std::error_code ec;
      std::filesystem::rename(partial, options.output_h5, ec);
      if (ec) throw Error(options.output_h5 + ": cannot rename " + partial + ": " + ec.message());
    }
  });
}

struct Outcome {
  std::future<void> closing;  // closes the decoders while the job finishes (close_in_background)
  int64_t missing = 0;        // over all ranks
  int64_t concealed = 0;      // sampled frames decoded over damaged data, over all ranks
  int64_t concealed_written = 0;  // of them, those whose rows were written (over all ranks)
  bool interrupted = false;       // a signal asked every rank to stop (see interrupt.h)
};

// The reducer of the movie palette's sums: NCCL where every rank has its own GPU, made before
// decoding so that NCCL's set-up overlaps it; MPI otherwise (and for one rank, which reduces
// nothing and would only set NCCL up).
std::unique_ptr<SumReducer> make_palette_reducer(const MpiEnv& env, int movie_clusters,
                                                 const Backend& backend) {
  std::unique_ptr<SumReducer> reducer;
  if (movie_clusters == 0) return reducer;
  collective_step(env, [&] {
    if (env.size() > 1) reducer = make_nccl_reducer(env.comm(), backend.device);
  });
  if (!reducer) reducer = std::make_unique<MpiSumReducer>(env.comm());
  return reducer;
}

// The movie-wide palette from every rank's frame palettes; written to /movie.
void write_movie_palette(const MpiEnv& env, const Plan& plan, const Options& options, int threads,
                         SumReducer* reducer, RankPalettes& mine, H5Store& store) {
  if (options.movie_clusters == 0) return;
  collective_step(env, [&] {
    // Rows decoded by another rank go back to their segment's: the labels are written by it.
    mine.return_others(env);
    MoviePaletteParams params;
    params.clusters = options.movie_clusters;
    params.seed = options.kmeans.seed;
    params.threads = threads;
    const MoviePalette palette =
        compute_movie_palette(mine.colors().data(), mine.weights().data(), mine.rows(),
                              options.kmeans.k, plan.tile.pixels(), params, *reducer);
    store.write_movie_palette(palette.colors, palette.weights, mine.first(), palette.labels);
    store.set_attribute("movie_palette_reduction", std::string(reducer->name()));
    log::info("movie palette: " + std::to_string(params.clusters) + " colours in " +
              std::to_string(palette.iterations) + " iterations, reduced over " + reducer->name());
  });
}

// Takes decoded frames and drops them: what decoding alone costs (--decode-only).
class DiscardSink : public TileSink {
 public:
  void put(int, const AVFrame*, int64_t, int64_t) override {}
  void put_tile(const uint8_t*, int64_t, int64_t) override {}
  void finish() override {}
  const char* name() const override { return "discard"; }
  double convert_seconds() const override { return 0; }
  double cluster_seconds() const override { return 0; }
};

// --decode-only: the decoders of a real run over this rank's rows, with nothing after them.
int decode_only(const MpiEnv& env, const Plan& plan, const Backend& backend, RunStats& run) {
  ResultBook book;
  DiscardSink sink;
  DecodePoolStats stats;
  const std::vector<uint8_t> none_done(plan.samples.size() + 1, 0);
  const std::atomic<bool> never{false};
  collective_step(env, [&] {
    const std::unique_ptr<RowRanges> ranges = make_row_ranges(
        plan, plan.my_first, plan.my_end, static_cast<int>(backend.decoders.size()));
    stats = run_decode_pool(plan, *ranges, backend.decoders, sink, book, none_done, never);
  });
  run.frames_decoded = stats.frames;
  run.frames_sampled = plan.my_end - plan.my_first;
  run.decode_s = stats.seconds;
  return kExitOk;
}

// What hands this rank's rows to the sink, in the driver thread: the decoders over `ranges`, or
// the stored tiles of --from-h5 (no ranges). Rows whose done[row] is set are skipped; `stop`
// ends it early.
using RowProducer = std::function<DecodePoolStats(
    TileSink& sink, ResultBook& book, const std::vector<uint8_t>& done,
    const std::atomic<bool>& stop, RowRanges* ranges)>;

// The decoders, or the stored tiles when the plan is --from-h5's (`stored` has a path). The
// plan, `stored` and the backend are referred to, not copied: they must outlive the producer.
RowProducer row_producer(const Plan& plan, const StoredSource& stored, const Backend& backend) {
  return
      [&plan, &stored, &backend](TileSink& sink, ResultBook& book, const std::vector<uint8_t>& done,
                                 const std::atomic<bool>& stop, RowRanges* ranges) {
        if (!ranges) return feed_stored_tiles(plan, stored, sink, book, done, stop);
        return run_decode_pool(plan, *ranges, backend.decoders, sink, book, done, stop);
      };
}

// How long a write round waits for `--batch` finished rows before writing what it has: bounds
// how long a finished row waits for the file, and how late a rank learns of a signal that only
// another rank received.
constexpr std::chrono::milliseconds kRoundWait{200};
// How long while some rank's decoders wait for rows from another (rank_balance.h): the rounds
// then decide when they end.
constexpr std::chrono::milliseconds kShortRoundWait{20};

// Produces, clusters and writes this rank's rows: the producer and clustering run in a driver
// thread, the main thread makes collective write rounds of whatever rows are finished. Rows in
// `finished` come from an interrupted earlier run: they are on disk already and are not produced;
// `concealed_before` of them were decoded over damage.
Outcome process_segment(const MpiEnv& env, const Plan& plan, const Options& options,
                        const Backend& backend, const RowProducer& produce, H5Store& store,
                        RunStats& run, RankPalettes& palettes,
                        const std::vector<FrameColors>& finished, int64_t concealed_before) {
  ResultBook book;
  // By row of the whole movie: rows of other ranks' segments may come to this rank's decoders.
  std::vector<uint8_t> done(plan.samples.size() + 1, 0);
  for (const FrameColors& row : finished) done[static_cast<size_t>(row.position)] = 1;
  palettes.keep(finished);
  run.frames_written = static_cast<int64_t>(finished.size());
  std::atomic<bool> stop{false};
  std::unique_ptr<TileSink> sink;
  collective_step(env, [&] {
    const int decoders = static_cast<int>(backend.decoders.size());
    const TileAnalysis analysis = tile_analysis(plan, options);
    if (backend.device >= 0) {
      sink =
          make_gpu_sink(backend.device, analysis, plan.source, decoders, options.gpu_batch, book);
    } else {
      sink = std::make_unique<CpuSink>(analysis, plan.source, decoders, backend.threads, book);
    }
  });
  log::stage("sink ready");
  // The decoders' rows (none for --from-h5), shared with the other ranks while they decode.
  std::unique_ptr<RowRanges> ranges;
  if (options.from_h5.empty()) {
    ranges = make_row_ranges(plan, plan.my_first, plan.my_end,
                             static_cast<int>(backend.decoders.size()));
  }
  RankBalance balance(env, options.balance && env.size() > 1 ? ranges.get() : nullptr, done);
  // A rank whose decoders all wait makes its next round at once: the others may have nothing
  // left either (then all end), or rows to give.
  if (ranges) ranges->on_all_waiting([&book] { book.nudge(); });
  FirstFailure failure;  // the producer's, or else the sink's
  DecodePoolStats decode_stats;
  std::thread driver([&] {
    try {
      const StageMark mark("decode");
      decode_stats = produce(*sink, book, done, stop, ranges.get());
    } catch (...) {
      failure.capture();
    }
    log::stage("decoders done");
    try {
      sink->finish();
    } catch (...) {
      failure.capture();
    }
    log::stage("sink finished");
    book.close();
  });
  Progress progress(env.rank() == 0, static_cast<int64_t>(plan.samples.size()),
                    std::filesystem::path(options.source()).filename().string());
  Outcome outcome;
  try {
    // Rounds go on until every rank's book is drained. After a signal the decoders stop at
    // their next frame, the sink finishes what it holds, and the last rounds write it all.
    for (bool all_drained = false; !all_drained;) {
      const std::vector<FrameColors> rows =
          book.take_ready(static_cast<size_t>(options.batch),
                          balance.short_rounds() ? kShortRoundWait : kRoundWait);
      const bool drained = book.drained();
      Stopwatch write_clock;
      const StageMark mark("write");
      // Frames patched over damage among the rows written: counted in the file before the rows
      // are, so that whatever ends the run, a resumed run knows of every one in its done rows.
      // The count is metadata, which HDF5 would keep in its cache until the file is closed, so
      // it is flushed before the rows go (kill -9 otherwise left them done and uncounted).
      // Waiting here, the collective writes below would poll while other ranks come.
      const int64_t concealed = sum_when_all_ranks_arrive(env, book.concealed_among(rows));
      if (concealed > 0) {
        outcome.concealed_written += concealed;
        store.set_attribute(kConcealedDoneAttribute, concealed_before + outcome.concealed_written);
        store.flush();
      }
      store.write_colors(rows);
      palettes.keep(rows);
      run.write_s += write_clock.seconds();
      run.frames_written += static_cast<int64_t>(rows.size());
      // One small exchange per round, which the collective write has synchronised anyway:
      // whether any rank was asked to stop, how many frames all ranks have written (rank 0's
      // progress line for the whole job), whether all ranks are drained, and rows moved from
      // the rank expected to finish last to ranks whose decoders have nothing left.
      const RoundDecision round = balance.round(interrupt_requested(), run.frames_written, drained);
      if (round.interrupted && !outcome.interrupted) {
        outcome.interrupted = true;
        stop = true;
      }
      all_drained = round.all_drained;
      progress.update(round.written, all_drained);
    }
  } catch (const std::exception& e) {
    // This rank cannot take part in further collective writes: end the job from here. A rank
    // working alone (a --manifest queue) first stops its driver, then abort() throws and the
    // rank goes on with its next movie; otherwise MPI_Abort ends every thread at once (waiting
    // for a decoder stuck on a hung read could keep the job from ending).
    log::error(e.what());
    const auto* error = dynamic_cast<const Error*>(&e);
    if (env.alone()) {
      stop = true;
      balance.stop();
      driver.join();
    }
    env.abort(error ? error->exit_code() : kExitFailure);
  }
  driver.join();
  log::stage("write rounds done");
  if (balance.rows_taken() > 0 || balance.rows_given() > 0) {
    log::detail("rows decoded for other ranks: " + std::to_string(balance.rows_taken()) +
                "; given to them: " + std::to_string(balance.rows_given()));
  }
  outcome.closing = close_in_background(std::move(decode_stats.sessions));
  run.frames_decoded = decode_stats.frames;
  run.bad_packets = decode_stats.bad_packets;
  run.frames_sampled = plan.my_end - plan.my_first;
  run.decode_s = decode_stats.seconds;
  run.convert_s = sink->convert_seconds();
  run.cluster_s = sink->cluster_seconds();

  // A decoder or device failure on any rank ends the job here, after every rank has written
  // what it has (rows not done stay marked so in /frames/done).
  collective_step(env, [&] { failure.rethrow_if_any(); });
  int64_t missing = run.frames_sampled - run.frames_written;
  mpi_check(MPI_Allreduce(&missing, &outcome.missing, 1, MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(missing)");
  mpi_check(MPI_Allreduce(&decode_stats.concealed, &outcome.concealed, 1, MPI_INT64_T, MPI_SUM,
                          env.comm()),
            "MPI_Allreduce(concealed)");
  if (outcome.concealed > 0 && env.rank() == 0 && !outcome.interrupted) {
    log::warn(plan.info.path + ": " + std::to_string(outcome.concealed) +
              " sampled frames were patched over damaged data by the decoder, or decoded from "
              "such frames since a key frame; their rows are written, and the file is marked "
              "incomplete (input_damage)");
  }
  // Said once for the job: a rank's rows may have been decoded by another (rank_balance.h).
  if (outcome.missing > 0 && env.rank() == 0 && !outcome.interrupted) {
    // --from-h5 decodes nothing: its missing rows are those its source never finished.
    log::warn(options.from_h5.empty()
                  ? plan.info.path + ": " + std::to_string(outcome.missing) +
                        " sampled frames could not be decoded"
                  : options.from_h5 + ": " + std::to_string(outcome.missing) +
                        " rows have no stored tile (not finished in that file)");
  }
  return outcome;
}

// One PNG per style, from the finished HDF5 file (the same code as barcode_render).
// Returns the paths written.
std::vector<std::string> render_pngs(const Options& options) {
  const BarcodeFile file = read_barcode_file(options.output_h5);
  const std::vector<Style>& styles = options.styles;
  const std::vector<std::string> paths = style_output_paths(options.output_png, styles);
  for (size_t i = 0; i < styles.size(); ++i) {
    try {
      throw_if_interrupted(paths[i], "before it was drawn");
      write_png(paths[i], render_style(styles[i], file, options.width, options.height),
                options.overwrite);
    } catch (const Error& e) {
      if (e.exit_code() != kExitInterrupted) throw;
      // The results are whole: only images are missing, which --resume draws.
      throw Error(std::string(e.what()) + "; " + options.output_h5 +
                      " is complete: run again with --resume to draw the images not drawn",
                  kExitInterrupted);
    }
  }
  return paths;
}

// --resume when OUT.h5 exists: that run finished and there is nothing to compute, but only if
// the file is this input's with these options; images asked for and not yet drawn are drawn
// from it (one drawn earlier is kept).
int resume_finished_run(const MpiEnv& env, const Options& options) {
  bool complete = false;
  std::vector<Style> styles;
  std::vector<std::string> pngs;  // per style; "" for one drawn already
  collective_step(env, [&] {
    Options checked = options;
    checked.output_png.clear();
    validate_options(checked);
    if (read_text_attribute(options.output_h5, "result_options") != result_options(options)) {
      throw usage_error(options.output_h5 +
                        ": exists, but was made from another input or with other sampling or "
                        "clustering options; remove it, or pass --overwrite to make it again");
    }
    complete = is_complete_barcode_file(options.output_h5);
    if (options.output_png.empty()) return;
    styles = options.styles;
    for (const std::string& png : style_output_paths(options.output_png, styles)) {
      const bool drawn = std::filesystem::exists(png);
      if (!drawn) check_output_path(png, false, options.source());
      // Said: it may be another style's image under this name, which is not drawn again.
      if (drawn && env.rank() == 0) log::info(png + " exists: kept as it is, not drawn again");
      pngs.push_back(drawn ? "" : png);
    }
  });
  log::info(options.output_h5 + " exists: that run finished; nothing to resume");
  int64_t damaged = 0;
  collective_step(env, [&] {
    if (env.rank() != 0) return;
    // Checked as barcode_render checks it: rows damaged on disk since are left out of the
    // images and said (they were drawn, exit 0).
    BarcodeFile file = read_barcode_file(options.output_h5);
    damaged = leave_out_damaged_rows(file);
    if (damaged > 0) log::warn(incomplete_input_warning(file, damaged));
    for (size_t i = 0; i < pngs.size(); ++i) {
      if (pngs[i].empty()) continue;
      write_png(pngs[i], render_style(styles[i], file, options.width, options.height), false);
    }
  });
  mpi_check(MPI_Bcast(&damaged, 1, MPI_INT64_T, 0, env.comm()), "MPI_Bcast(damaged rows)");
  return complete && damaged == 0 ? kExitOk : kExitIncomplete;
}

// One writer per output: the lock is taken before OUT.partial is looked at (another run may be
// finishing it).
std::unique_ptr<OutputLock> lock_partial(const MpiEnv& env, const Options& options,
                                         const std::string& partial) {
  std::unique_ptr<OutputLock> lock;
  collective_step(env, [&] {
    lock = lock_output(env.comm(), partial);
    // Another run with this -o may have finished since the options were checked.
    if (!options.overwrite && std::filesystem::exists(options.output_h5)) {
      throw usage_error(options.output_h5 +
                        ": exists (another run finished it meanwhile); pass --overwrite to "
                        "replace it");
    }
    // An interrupted run's rows: finished work, not replaced unless asked.
    if (!options.resume && !options.overwrite && std::filesystem::exists(partial)) {
      throw usage_error(partial +
                        ": exists with the rows of an interrupted run; pass --resume to "
                        "continue it, or --overwrite to start afresh");
    }
  });
  return lock;
}

// Rank 0 draws the images asked for from the finished file. Returns the files this run made,
// named at its end.
std::string render_images(const MpiEnv& env, const Options& options) {
  std::string written = options.output_h5;
  collective_step(env, [&] {
    if (env.rank() != 0 || options.output_png.empty()) return;
    for (const std::string& png : render_pngs(options)) written += ", " + png;
  });
  return written;
}

// Waits for the decoders to close, unless the backend is shared by several jobs: then it
// closes them while the caller goes on with its next.
void finish_closing(std::future<void> closing, const Backend* shared) {
  if (!closing.valid()) return;
  if (shared) {
    shared->keep_closing(std::move(closing));
  } else {
    closing.wait();
    log::stage("decoders closed");
  }
}

// Rank 0 tells the user what the finished file lacks.
void tell_incomplete(const MpiEnv& env, const Plan& plan, const std::string& source,
                     const std::string& output_h5, int64_t missing, int64_t damage) {
  if (env.rank() != 0) return;
  log::error(source + ": incomplete: " + std::to_string(missing) + " sampled frames missing" +
             (plan.truncated ? ", input truncated" : "") + (damage > 0 ? ", input damaged" : "") +
             "; " + output_h5 + " marks them in /frames/done");
}

// Makes the plan (from the input, or from the stored tiles of --from-h5) while a thread opens
// the device into `own`, when given. A failure to open it ends the job once the plan is made
// (collectively), with the plan's scan counted in `run`.
Plan plan_while_opening_device(const MpiEnv& env, const Options& options, Backend* own,
                               StoredSource& stored, RunStats& run) {
  FirstFailure device_failure;
  std::thread device_opener;
  if (own) {
    device_opener = std::thread([&] {
      try {
        open_device(env, options, *own);
      } catch (...) {
        device_failure.capture();
      }
    });
  }
  Plan plan = [&] {
    // The device thread must end before a failed plan leaves this scope.
    struct Join {
      std::thread& t;
      ~Join() {
        if (t.joinable()) t.join();
      }
    } join{device_opener};
    const StageMark mark("scan");
    return options.from_h5.empty() ? make_plan(env, options)
                                   : make_stored_plan(env, options, stored);
  }();
  run.scan_s = plan.scan_seconds;
  run.frames_scanned = plan.my_frames_scanned;
  log::stage("plan made");
  collective_step(env, [&] { device_failure.rethrow_if_any(); });
  return plan;
}

}  // namespace

// The options that decide the file's rows and colours, with the identity of the input's
// content (input_file.h): a run may only be resumed by one that agrees on all of them. This is
// the one list of them: describe_options_difference (resume_check.h) compares any "key=value"
// pairs it is given, so a key added here is checked and named (--key-name) with nothing else to
// change.
std::string result_options(const Options& o) {
  return "source=" + file_fingerprint(o.source()) + " " + result_options_without_source(o);
}

std::string result_options_without_source(const Options& o) {
  const KmeansParams& km = o.kmeans;
  return "every=" + std::to_string(o.every) + " fps=" + exact(o.fps) +
         " columns=" + std::to_string(o.columns) + " keyframes=" + std::to_string(o.keyframes) +
         " start=" + exact(o.start) + " end=" + exact(o.end) +
         " tile_width=" + std::to_string(o.tile_width) + " k=" + std::to_string(km.k) +
         " restarts=" + std::to_string(km.restarts) + " max_iter=" + std::to_string(km.max_iter) +
         " tol=" + exact(km.tol) + " seed=" + std::to_string(km.seed) +
         " space=" + color_space_name(o.space) + " keep_thumbs=" + std::to_string(o.keep_thumbs) +
         " movie_clusters=" + std::to_string(o.movie_clusters) + " crop=" + o.crop;
}

// SLURM started several tasks but MPI sees one rank: the launch did not wire them together
// (PMI mismatch), and each copy would do the whole movie on its own.
void refuse_split_launch(const MpiEnv& env) {
  // srun sets SLURM_STEP_NUM_TASKS in each task of a step; a process started by hand inside an
  // allocation (salloc, then barcode_mpi) has only the job's SLURM_NTASKS and is not refused.
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  if (!tasks || env.size() != 1) return;
  const long n = std::strtol(tasks, nullptr, 10);
  if (n > 1) {
    throw usage_error("SLURM started " + std::to_string(n) +
                      " tasks but MPI sees 1 rank: each task would process the whole movie "
                      "alone. Launch with `srun --mpi=pmix barcode_mpi ...` (see `srun "
                      "--mpi=list`) or `mpirun -np " +
                      std::to_string(n) + " barcode_mpi ...` inside the allocation");
  }
}

int run_job(const MpiEnv& env, const Options& options, RunStats* stats, const Backend* shared,
            Plan* planned) {
  RunStats run;
  // Whatever way the job ends, the caller gets the counts made so far.
  struct Handover {
    RunStats& run;
    RunStats* out;
    ~Handover() {
      if (out) *out = run;
    }
  } handover{run, stats};
  Stopwatch wall;
  install_interrupt_handlers();
  // A finished run leaves nothing to resume, unless --overwrite asks for it to be redone.
  if (options.resume && !options.overwrite && std::filesystem::exists(options.output_h5)) {
    return resume_finished_run(env, options);
  }
  // A rank working alone on a --manifest movie was checked as part of the whole job.
  if (!env.alone()) collective_step(env, [&] { refuse_split_launch(env); });
  // Once, before the device is opened or the input read: a usage error touches neither.
  collective_step(env, [&] { validate_options(options); });
  Backend own;  // unless the caller opened the device for several jobs (a --manifest rank)
  const Backend& backend = shared ? *shared : own;
  StoredSource stored;
  const Plan plan =
      planned ? std::move(*planned)
              : plan_while_opening_device(env, options, shared ? nullptr : &own, stored, run);
  if (planned) {
    run.scan_s = plan.scan_seconds;
    run.frames_scanned = plan.my_frames_scanned;
    log::stage("plan made ahead");
  }
  if (!shared) choose_decoders(env, options, DecodeWork{plan.info.codec, false}, own);
  log::stage("backend ready");
  // The summary every ending prints (collective: every rank reaches it together).
  const auto report = [&] {
    run.wall_s = wall.seconds();
    report_summary(run, env.comm(), options.source(), env.size(), backend.threads,
                   backend.device >= 0 ? gpu_description(backend.device) : "CPU",
                   static_cast<int>(backend.decoders.size()), !options.from_h5.empty());
  };
  if (options.decode_only) {
    const int code = decode_only(env, plan, backend, run);
    report();
    return code;
  }

  // Written under a temporary name: a file named OUT.h5 is always a finished run.
  const std::string partial = options.output_h5 + ".partial";
  // Held until the job ends, rename included.
  const std::unique_ptr<OutputLock> lock = lock_partial(env, options, partial);
  OpenStore opened = open_store(env, plan, options, stored, partial);
  H5Store& store = *opened.store;

  RankPalettes palettes(options.kmeans.k, plan.my_first, plan.my_end);
  const std::unique_ptr<SumReducer> reducer =
      make_palette_reducer(env, options.movie_clusters, backend);
  Outcome outcome =
      process_segment(env, plan, options, backend, row_producer(plan, stored, backend), store, run,
                      palettes, opened.finished, opened.concealed_before);
  const int64_t concealed_done = opened.concealed_before + outcome.concealed_written;
  if (outcome.interrupted) {
    keep_interrupted_store(env, store, concealed_done);
    report();
    tell_interrupted(env, plan, options, partial, outcome.missing);
    return kExitInterrupted;
  }
  refuse_if_no_frame_made(env, plan, options.source(), partial, store, outcome.missing);
  {
    const StageMark mark("palette");  // a profiler's range: this block only
    Stopwatch palette_clock;
    write_movie_palette(env, plan, options, backend.threads, reducer.get(), palettes, store);
    run.palette_s = palette_clock.seconds();
  }
  log::stage("movie palette done");
  // Damage the plan found in the packets, and frames the decoders patched over, in this run or
  // (rows it did not make again) in the interrupted run it continues.
  if (opened.concealed_before > 0 && env.rank() == 0) {
    log::warn(plan.info.path + ": " + std::to_string(opened.concealed_before) +
              " sampled frames that an earlier, interrupted run finished were patched over "
              "damaged data by the decoder; the file is marked incomplete (input_damage)");
  }
  const int64_t damage = plan.damage + outcome.concealed + opened.concealed_before;
  const bool complete = outcome.missing == 0 && !plan.truncated && damage == 0;
  finish_store(env, plan, options, partial, store, outcome.missing, damage, concealed_done,
               complete);

  log::stage("file closed and renamed");
  std::string written;
  {
    const StageMark mark("render");
    Stopwatch render_clock;
    written = render_images(env, options);
    run.render_s = render_clock.seconds();
  }
  log::stage("rendered");
  finish_closing(std::move(outcome.closing), shared);
  report();
  if (env.rank() == 0) log::info("wrote " + written);
  if (!complete) {
    tell_incomplete(env, plan, options.source(), options.output_h5, outcome.missing, damage);
    return kExitIncomplete;
  }
  return kExitOk;
}

}  // namespace barcode
