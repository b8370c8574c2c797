#include "job.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "color/frame_summary.h"
#include "color/movie_palette.h"
#include "error.h"
#include "interrupt.h"
#include "log.h"
#include "pipeline/cpu_sink.h"
#include "pipeline/decode_pool.h"
#include "pipeline/gpu_backend.h"
#include "pipeline/result_book.h"
#include "plan.h"
#include "progress.h"
#include "render/png_writer.h"
#include "render/styles.h"
#include "store/h5_read.h"
#include "store/h5_store.h"
#include "stored_tiles.h"
#include "summary.h"
#include "video/decoder.h"

namespace barcode {
namespace {

// The cores this rank may run on (its affinity mask under mpirun or SLURM), at least 1.
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// The options that decide the file's rows and colours, with the input's identity: a run may
// only be resumed by one that agrees on all of them.
std::string result_options(const Plan& plan, const Options& o) {
  const KmeansParams& km = o.kmeans;
  return "source_size=" + std::to_string(plan.info.file_size) +
         " source_mtime=" + std::to_string(plan.info.file_mtime) +
         " every=" + std::to_string(o.every) + " fps=" + std::to_string(o.fps) +
         " columns=" + std::to_string(o.columns) + " keyframes=" + std::to_string(o.keyframes) +
         " start=" + std::to_string(o.start) + " end=" + std::to_string(o.end) +
         " tile_width=" + std::to_string(o.tile_width) + " k=" + std::to_string(km.k) +
         " restarts=" + std::to_string(km.restarts) + " max_iter=" + std::to_string(km.max_iter) +
         " tol=" + std::to_string(km.tol) + " seed=" + std::to_string(km.seed) +
         " space=" + o.space + " keep_thumbs=" + std::to_string(o.keep_thumbs) +
         " movie_clusters=" + std::to_string(o.movie_clusters);
}

TileAnalysis tile_analysis(const Plan& plan, const Options& options) {
  TileAnalysis a;
  a.width = plan.tile.width;
  a.height = plan.tile.height;
  a.kmeans = options.kmeans;
  a.space = options.space == "lab" ? ColorSpace::kLab : ColorSpace::kRgb;
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
  store.set_attribute("result_options", result_options(plan, options));
  const StreamInfo& info = plan.info;
  store.set_attribute("tool", std::string("barcode_mpi ") + BARCODE_VERSION);
  store.set_attribute("options", options.as_toml);
  store.set_attribute("source_path", std::filesystem::absolute(info.path).string());
  store.set_attribute("source_size", info.file_size);
  store.set_attribute("source_mtime", info.file_mtime);
  store.set_attribute("codec", info.codec);
  store.set_attribute("pix_fmt", info.pix_fmt);
  store.set_attribute("width", int64_t{info.width});
  store.set_attribute("height", int64_t{info.height});
  store.set_attribute("frame_rate", info.frame_rate);
  store.set_attribute("duration", info.duration);
  store.set_attribute(
      "time_base", std::to_string(info.time_base.num) + "/" + std::to_string(info.time_base.den));
  store.set_attribute("frames_in_range", static_cast<int64_t>(plan.frame_pts.size()));
  store.set_attribute("tile_width", int64_t{plan.tile.width});
  store.set_attribute("tile_height", int64_t{plan.tile.height});
  store.set_attribute("k", int64_t{options.kmeans.k});
  store.set_attribute("space", options.space);
  store.set_attribute("thumbs", int64_t{options.keep_thumbs ? 1 : 0});
  store.set_attribute("ranks", int64_t{ranks});
  store.set_attribute("complete", int64_t{0});
}

// How this rank decodes and clusters: its GPU (or none) and its decoders.
struct Backend {
  int device = -1;               // CUDA device, -1 for the CPU path
  AVBufferRef* nvdec = nullptr;  // FFmpeg CUDA device context, owned
  std::vector<DecodeConfig> decoders;
  int threads = 1;  // CPU threads of the rank
  ~Backend() { av_buffer_unref(&nvdec); }
};

void choose_backend(const MpiEnv& env, const Options& options, Backend& backend) {
  backend.threads = options.threads > 0 ? options.threads : usable_cores();
  const int devices = options.gpu == "off" ? 0 : gpu_device_count();
  collective_step(env, [&] {
    if (options.gpu == "on" && devices == 0) {
      throw usage_error("--gpu on, but no CUDA device is usable on this node (" +
                        gpu_description(0) + ")");
    }
  });
  const bool decoding = options.from_h5.empty();  // --from-h5 reads stored tiles instead
  if (devices > 0) {
    // GPU by node-local rank: ranks of a node spread over its GPUs, several may share one.
    backend.device = env.local_rank() % devices;
    if (decoding) backend.nvdec = create_nvdec_device(backend.device);
  }
  const int sharing = std::max(1, (env.local_size() + devices - 1) / std::max(devices, 1));
  if (backend.nvdec) {
    const int sessions = options.decoders > 0 ? options.decoders : std::max(1, 8 / sharing);
    for (int i = 0; i < sessions; ++i) {
      DecodeConfig c;
      c.keyframes_only = options.keyframes;
      c.hw_device = backend.nvdec;
      backend.decoders.push_back(c);
    }
  }
  int software = options.cpu_decoders >= 0 ? options.cpu_decoders : (backend.nvdec ? 0 : 1);
  if (backend.decoders.empty() && software == 0) software = 1;
  if (!decoding) software = 0;
  for (int i = 0; i < software; ++i) {
    DecodeConfig c;
    c.keyframes_only = options.keyframes;
    c.threads = std::max(1, backend.threads / software);
    backend.decoders.push_back(c);
  }
  log::detail("rank uses " +
              (backend.device >= 0 ? "GPU " + std::to_string(backend.device) + " (" +
                                         gpu_description(backend.device) + ")"
                                   : std::string("the CPU")) +
              ", " + std::to_string(backend.decoders.size()) + " decoder(s)" +
              (backend.nvdec ? " (NVDEC)" : ""));
}

struct Outcome {
  int64_t missing = 0;       // over all ranks
  bool interrupted = false;  // a signal asked every rank to stop (see interrupt.h)
};

// This rank's frame palettes, kept as rows are written, for the movie palette.
struct RankPalettes {
  int k = 0;
  std::vector<float> colors;   // rows*k*3
  std::vector<float> weights;  // rows*k; zero for rows never written
  void keep(int64_t first_row, const std::vector<FrameColors>& rows) {
    for (const FrameColors& row : rows) {
      const auto r = static_cast<size_t>(row.position - first_row);
      std::copy(row.palette.begin(), row.palette.end(),
                colors.begin() + static_cast<long>(r * static_cast<size_t>(k) * 3));
      std::copy(row.weights.begin(), row.weights.end(),
                weights.begin() + static_cast<long>(r * static_cast<size_t>(k)));
    }
  }
};

// The reducer of the movie palette's sums: NCCL where every rank has its own GPU, made before
// decoding so that NCCL's set-up overlaps it; MPI otherwise (and for one rank, which reduces
// nothing and would only set NCCL up).
std::unique_ptr<SumReducer> make_palette_reducer(const MpiEnv& env, const Options& options,
                                                 const Backend& backend) {
  std::unique_ptr<SumReducer> reducer;
  if (options.movie_clusters == 0) return reducer;
  collective_step(env, [&] {
    if (env.size() > 1) reducer = make_nccl_reducer(env.comm(), backend.device);
  });
  if (!reducer) reducer = std::make_unique<MpiSumReducer>(env.comm());
  return reducer;
}

// The movie-wide palette from every rank's frame palettes; written to /movie.
void write_movie_palette(const MpiEnv& env, const Plan& plan, const Options& options,
                         SumReducer* reducer, const RankPalettes& mine, H5Store& store) {
  if (options.movie_clusters == 0) return;
  collective_step(env, [&] {
    MoviePaletteParams params;
    params.clusters = options.movie_clusters;
    params.seed = options.kmeans.seed;
    const MoviePalette palette =
        compute_movie_palette(mine.colors.data(), mine.weights.data(), plan.my_end - plan.my_first,
                              options.kmeans.k, plan.tile.pixels(), params, *reducer);
    store.write_movie_palette(palette.colors, palette.weights, plan.my_first, palette.labels);
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
  ResultBook book(plan.my_first, plan.my_end);
  DiscardSink sink;
  DecodePoolStats stats;
  const std::vector<uint8_t> none_done(static_cast<size_t>(plan.my_end - plan.my_first) + 1, 0);
  const std::atomic<bool> never{false};
  collective_step(env, [&] {
    stats = run_decode_pool(plan, plan.my_first, plan.my_end, backend.decoders, sink, book,
                            none_done, never);
  });
  run.frames_decoded = stats.frames;
  run.frames_sampled = plan.my_end - plan.my_first;
  run.decode_s = stats.seconds;
  return kExitOk;
}

// What hands this rank's rows to the sink, in the driver thread: the decoders, or the stored
// tiles of --from-h5. Rows whose done[row - my_first] is set are skipped; `stop` ends it early.
using RowProducer =
    std::function<DecodePoolStats(TileSink& sink, ResultBook& book,
                                  const std::vector<uint8_t>& done, const std::atomic<bool>& stop)>;

// Produces, clusters and writes this rank's rows: the producer and clustering run in a driver
// thread, the main thread makes the collective write rounds as blocks of rows are finished.
// Rows in `finished` come from an interrupted earlier run: they are written again as they are
// and not produced.
Outcome process_segment(const MpiEnv& env, const Plan& plan, const Options& options,
                        const Backend& backend, const RowProducer& produce, H5Store& store,
                        RunStats& run, RankPalettes& palettes, std::vector<FrameColors> finished) {
  ResultBook book(plan.my_first, plan.my_end);
  std::vector<uint8_t> done(static_cast<size_t>(plan.my_end - plan.my_first) + 1, 0);
  for (FrameColors& row : finished) {
    done[static_cast<size_t>(row.position - plan.my_first)] = 1;
    book.add(std::move(row));
  }
  std::atomic<bool> stop{false};
  std::unique_ptr<TileSink> sink;
  collective_step(env, [&] {
    const int decoders = static_cast<int>(backend.decoders.size());
    const TileAnalysis analysis = tile_analysis(plan, options);
    if (backend.device >= 0) {
      sink = make_gpu_sink(backend.device, analysis, decoders, options.gpu_batch, book);
    } else {
      sink = std::make_unique<CpuSink>(analysis, decoders, backend.threads, book);
    }
  });
  std::exception_ptr failure;
  DecodePoolStats decode_stats;
  std::thread driver([&] {
    try {
      decode_stats = produce(*sink, book, done, stop);
    } catch (...) {
      failure = std::current_exception();
    }
    try {
      sink->finish();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
    book.close();
  });
  Progress progress(env.rank() == 0, static_cast<int64_t>(plan.samples.size()));
  Outcome outcome;
  try {
    for (int64_t round = 0; round < plan.rounds; ++round) {
      const int64_t first = std::min(plan.my_first + round * options.batch, plan.my_end);
      const int64_t end = std::min(first + options.batch, plan.my_end);
      const std::vector<FrameColors> rows = book.take(first, end);
      Stopwatch write_clock;
      store.write_colors(first, end - first, rows);
      palettes.keep(plan.my_first, rows);
      run.write_s += write_clock.seconds();
      run.frames_written += static_cast<int64_t>(rows.size());
      // One small reduction per round, which the collective write has synchronised anyway:
      // whether any rank was asked to stop (all leave the rounds together) and how many frames
      // all ranks have written (rank 0's progress line for the whole job).
      int64_t mine[2] = {interrupt_requested() ? 1 : 0, run.frames_written}, all[2] = {0, 0};
      mpi_check(MPI_Allreduce(mine, all, 2, MPI_INT64_T, MPI_SUM, env.comm()),
                "MPI_Allreduce(interrupt, progress)");
      if (all[0] > 0) {
        outcome.interrupted = true;
        stop = true;
        break;
      }
      progress.update(all[1], round + 1 == plan.rounds);
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
      driver.join();
    }
    env.abort(error ? error->exit_code() : kExitFailure);
  }
  driver.join();
  run.frames_decoded = decode_stats.frames;
  run.bad_packets = decode_stats.bad_packets;
  run.frames_sampled = plan.my_end - plan.my_first;
  run.decode_s = decode_stats.seconds;
  run.convert_s = sink->convert_seconds();
  run.cluster_s = sink->cluster_seconds();

  // A decoder or device failure on any rank ends the job here, after every rank has written
  // what it has (rows not done stay marked so in /frames/done).
  collective_step(env, [&] {
    if (failure) std::rethrow_exception(failure);
  });
  int64_t missing = run.frames_sampled - run.frames_written;
  mpi_check(MPI_Allreduce(&missing, &outcome.missing, 1, MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(missing)");
  if (missing > 0 && !outcome.interrupted) {
    log::warn(plan.info.path + ": " + std::to_string(missing) +
              " sampled frames of this rank's segment could not be decoded");
  }
  return outcome;
}

// One PNG per style, from the finished HDF5 file (the same code as barcode_render).
void render_pngs(const Options& options) {
  const BarcodeFile file = read_barcode_file(options.output_h5);
  std::vector<Style> styles;
  for (const std::string& name : options.styles) styles.push_back(parse_style(name));
  const std::vector<std::string> paths = style_output_paths(options.output_png, styles);
  for (size_t i = 0; i < styles.size(); ++i) {
    write_png(paths[i], render_style(styles[i], file, options.width, options.height));
  }
}

}  // namespace

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

int run_job(const MpiEnv& env, const Options& options, RunStats* stats) {
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
    log::info(options.output_h5 + " exists: that run finished; nothing to resume");
    return kExitOk;
  }
  // A rank working alone on a --manifest movie was checked as part of the whole job.
  if (!env.alone()) collective_step(env, [&] { refuse_split_launch(env); });
  StoredSource stored;
  const Plan plan =
      options.from_h5.empty() ? make_plan(env, options) : make_stored_plan(env, options, stored);
  run.scan_s = plan.scan_seconds;
  run.frames_scanned = plan.my_frames_scanned;

  Backend backend;
  choose_backend(env, options, backend);
  // The summary every ending prints (collective: every rank reaches it together).
  const auto report = [&] {
    run.wall_s = wall.seconds();
    report_summary(run, env.comm(), options.source(), env.size(), backend.threads,
                   backend.device >= 0 ? gpu_description(backend.device) : "CPU",
                   static_cast<int>(backend.decoders.size()));
  };
  if (options.decode_only) {
    const int code = decode_only(env, plan, backend, run);
    report();
    return code;
  }

  // Written under a temporary name: a file named OUT.h5 is always a finished run.
  const std::string partial = options.output_h5 + ".partial";
  const bool resuming = options.resume && std::filesystem::exists(partial);
  std::unique_ptr<H5Store> store;
  std::vector<FrameColors> finished;
  collective_step(env, [&] {
    const StoreLayout layout = store_layout(plan, options);
    if (resuming) {
      store = H5Store::open_existing(partial, env.comm(), layout);
      // Only a run with the same input, frames and clustering may be continued.
      const std::vector<int64_t> pts = store->read_pts(plan.my_first, plan.my_end - plan.my_first);
      bool same = store->get_text_attribute("result_options") == result_options(plan, options);
      for (int64_t row = plan.my_first; same && row < plan.my_end; ++row) {
        same = pts[static_cast<size_t>(row - plan.my_first)] == plan.sample_pts(row);
      }
      if (!same) {
        throw usage_error(partial +
                          ": cannot resume: it was made from another input or with "
                          "other sampling or clustering options; remove it or run "
                          "without --resume");
      }
      finished = store->read_done_rows(plan.my_first, plan.my_end - plan.my_first);
      store->set_attribute("ranks", int64_t{env.size()});
      return;
    }
    store = std::make_unique<H5Store>(partial, env.comm(), layout);
    write_attributes(*store, plan, options, env.size());
    if (!stored.path.empty()) {
      store->set_attribute("frames_in_range", stored.frames_in_range);
      store->set_attribute("from_h5", std::filesystem::absolute(stored.path).string());
    }
    std::vector<int64_t> index, pts;
    std::vector<double> time;
    for (int64_t row = plan.my_first; row < plan.my_end; ++row) {
      index.push_back(plan.frame_index(row));
      pts.push_back(plan.sample_pts(row));
      time.push_back(plan.frame_time(row));
    }
    store->write_frames(plan.my_first, index, pts, time);
    store->flush();
  });
  if (resuming) {
    int64_t mine = static_cast<int64_t>(finished.size()), all = 0;
    mpi_check(MPI_Allreduce(&mine, &all, 1, MPI_INT64_T, MPI_SUM, env.comm()),
              "MPI_Allreduce(resumed rows)");
    log::info(partial + ": resuming with " + std::to_string(all) + " of " +
              std::to_string(plan.samples.size()) + " frames already done");
  }

  RankPalettes palettes;
  palettes.k = options.kmeans.k;
  const auto my_rows = static_cast<size_t>(plan.my_end - plan.my_first);
  palettes.colors.assign(my_rows * static_cast<size_t>(palettes.k) * 3, 0.0f);
  palettes.weights.assign(my_rows * static_cast<size_t>(palettes.k), 0.0f);
  const std::unique_ptr<SumReducer> reducer = make_palette_reducer(env, options, backend);
  RowProducer produce = [&](TileSink& sink, ResultBook& book, const std::vector<uint8_t>& done,
                            const std::atomic<bool>& stop) {
    if (!stored.path.empty()) return feed_stored_tiles(plan, stored, sink, book, done, stop);
    return run_decode_pool(plan, plan.my_first, plan.my_end, backend.decoders, sink, book, done,
                           stop);
  };
  const Outcome outcome = process_segment(env, plan, options, backend, produce, *store, run,
                                          palettes, std::move(finished));
  if (outcome.interrupted) {
    // Everything written so far stays in OUT.partial, marked done, for --resume.
    collective_step(env, [&] {
      store->set_attribute("complete", int64_t{0});
      store->set_attribute("interrupted", int64_t{1});
      store->close();
    });
    report();
    if (env.rank() == 0) {
      log::error(options.source() + ": interrupted by signal " +
                 std::to_string(interrupt_signal()) + " after " +
                 std::to_string(plan.samples.size() - static_cast<size_t>(outcome.missing)) +
                 " of " + std::to_string(plan.samples.size()) + " frames; " + partial +
                 " keeps them: rerun with --resume to continue");
    }
    return kExitInterrupted;
  }
  Stopwatch palette_clock;
  write_movie_palette(env, plan, options, reducer.get(), palettes, *store);
  run.palette_s = palette_clock.seconds();
  const bool complete = outcome.missing == 0 && plan.input_complete();
  collective_step(env, [&] {
    store->set_attribute("complete", int64_t{complete ? 1 : 0});
    store->set_attribute("frames_missing", outcome.missing);
    store->set_attribute("truncated", int64_t{plan.truncated ? 1 : 0});
    store->set_attribute("gap_start", plan.gap_start);
    store->set_attribute("gap_end", plan.gap_end);
    store->set_attribute("input_damage", plan.damage);
    store->set_attribute("interrupted", int64_t{0});
    store->close();
    if (env.rank() == 0) {
      std::error_code ec;
      std::filesystem::rename(partial, options.output_h5, ec);
      if (ec) throw Error(options.output_h5 + ": cannot rename " + partial + ": " + ec.message());
    }
  });

  Stopwatch render_clock;
  collective_step(env, [&] {
    if (env.rank() == 0 && !options.output_png.empty()) render_pngs(options);
  });
  run.render_s = render_clock.seconds();
  report();
  if (!complete) {
    if (env.rank() == 0) {
      log::error(options.source() + ": incomplete: " + std::to_string(outcome.missing) +
                 " sampled frames missing" + (plan.truncated ? ", input truncated" : "") +
                 (plan.damage > 0 ? ", input damaged" : "") + "; " + options.output_h5 +
                 " marks them in /frames/done");
    }
    return kExitIncomplete;
  }
  return kExitOk;
}

}  // namespace barcode
