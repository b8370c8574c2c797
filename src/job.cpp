#include "job.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "color/frame_summary.h"
#include "error.h"
#include "log.h"
#include "plan.h"
#include "render/barcode_image.h"
#include "render/png_writer.h"
#include "store/h5_read.h"
#include "store/h5_store.h"
#include "summary.h"
#include "tile_queue.h"
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

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename Fn>
void parallel_for(int64_t n, int threads, Fn fn) {
  const int workers = static_cast<int>(std::min<int64_t>(threads, n));
  if (workers <= 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> failures(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      try {
        for (int64_t i = w; i < n; i += workers) fn(i);
      } catch (...) {
        failures[static_cast<size_t>(w)] = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  for (auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
}

void write_attributes(H5Store& store, const Plan& plan, const Options& options, int ranks) {
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
  store.set_attribute("ranks", int64_t{ranks});
  store.set_attribute("complete", int64_t{0});
}

// Decoder thread: decodes this rank's segment and queues a tile for each sampled frame.
void produce_tiles(const Plan& plan, const Options& options, int threads, int rank,
                   TileQueue& queue, DecodeStats& stats, RunStats& run) {
  try {
    if (plan.my_first >= plan.my_end) {
      queue.close();
      return;
    }
    TileConverter converter(plan.tile);
    const int64_t last_pts = plan.sample_pts(plan.my_end - 1);
    Stopwatch decode_clock;
    double convert_s = 0;
    int64_t next_row = plan.my_first;
    DecodeConfig config;
    config.threads = threads;
    config.keyframes_only = options.keyframes;
    stats = decode_segment(plan.info, plan.my_segment(rank), config,
                           [&](const AVFrame* frame, int64_t pts) {
                             // Advance to the first sample at or after this frame (a sample whose
                             // frame failed to decode is passed over and stays missing).
                             while (next_row < plan.my_end && plan.sample_pts(next_row) < pts)
                               ++next_row;
                             if (next_row >= plan.my_end) return false;
                             if (plan.sample_pts(next_row) != pts) return true;
                             Stopwatch convert_clock;
                             Tile tile;
                             tile.position = next_row;
                             tile.frame_index = plan.samples[static_cast<size_t>(next_row)];
                             tile.rgb.resize(static_cast<size_t>(plan.tile.pixels() * 3));
                             converter.convert(frame, tile.rgb.data());
                             convert_s += convert_clock.seconds();
                             ++next_row;
                             if (!queue.push(std::move(tile))) return false;
                             return pts < last_pts;
                           });
    run.convert_s = convert_s;
    run.decode_s = decode_clock.seconds() - convert_s;
    queue.close();
  } catch (...) {
    queue.close(std::current_exception());
  }
}

struct Outcome {
  int64_t missing = 0;  // over all ranks
  bool decoder_failed = false;
};

// Clusters the queued tiles and writes them in the plan's collective rounds.
Outcome process_segment(const MpiEnv& env, const Plan& plan, const Options& options, H5Store& store,
                        RunStats& run) {
  const int threads = options.threads > 0 ? options.threads : usable_cores();
  TileQueue queue(static_cast<size_t>(std::max(2 * options.batch, 8)));
  DecodeStats decode_stats;
  std::thread decoder(produce_tiles, std::cref(plan), std::cref(options), threads, env.rank(),
                      std::ref(queue), std::ref(decode_stats), std::ref(run));
  Tile pending;
  bool have_pending = false, more = true;
  Stopwatch progress_clock;
  double last_progress = 0;
  try {
    for (int64_t round = 0; round < plan.rounds; ++round) {
      const int64_t first = std::min(plan.my_first + round * options.batch, plan.my_end);
      const int64_t end = std::min(first + options.batch, plan.my_end);
      std::vector<Tile> tiles;
      while (more) {
        if (!have_pending) {
          more = queue.pop(&pending);
          have_pending = more;
          if (!more) break;
        }
        if (pending.position >= end) break;
        tiles.push_back(std::move(pending));
        have_pending = false;
      }
      Stopwatch cluster_clock;
      std::vector<FrameColors> rows(tiles.size());
      parallel_for(static_cast<int64_t>(tiles.size()), threads, [&](int64_t i) {
        const Tile& t = tiles[static_cast<size_t>(i)];
        rows[static_cast<size_t>(i)] = summarize_tile_cpu(
            t.rgb.data(), plan.tile.pixels(), options.kmeans, t.frame_index, t.position);
      });
      run.cluster_s += cluster_clock.seconds();
      Stopwatch write_clock;
      store.write_colors(first, end - first, rows);
      run.write_s += write_clock.seconds();
      run.frames_written += static_cast<int64_t>(rows.size());
      if (env.rank() == 0 && progress_clock.seconds() - last_progress >= 5.0) {
        last_progress = progress_clock.seconds();
        log::info("progress: round " + std::to_string(round + 1) + "/" +
                  std::to_string(plan.rounds) + ", rank 0 wrote " +
                  std::to_string(run.frames_written) + " of its " +
                  std::to_string(plan.my_end - plan.my_first) + " frames");
      }
    }
  } catch (const Error& e) {
    // This rank cannot take part in further collective writes: end the job from here.
    log::error(e.what());
    queue.abandon();
    decoder.join();
    env.abort(e.exit_code());
  }
  queue.abandon();
  decoder.join();
  run.frames_decoded = decode_stats.frames;
  run.bad_packets = decode_stats.bad_packets;
  run.frames_sampled = plan.my_end - plan.my_first;

  Outcome outcome;
  // A decoder failure on any rank ends the job here, once every rank has written what it has.
  collective_step(env, [&] {
    if (auto failure = queue.failure()) std::rethrow_exception(failure);
  });
  int64_t missing = run.frames_sampled - run.frames_written;
  mpi_check(MPI_Allreduce(&missing, &outcome.missing, 1, MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(missing)");
  if (missing > 0) {
    log::warn(plan.info.path + ": " + std::to_string(missing) +
              " sampled frames of this rank's segment could not be decoded");
  }
  return outcome;
}

void render_png(const Options& options) {
  const StoredColors stored = read_colors(options.output_h5);
  std::vector<uint8_t> columns;
  columns.reserve(stored.dominant.size());
  for (int64_t i = 0; i < stored.samples; ++i) {
    if (!stored.done[static_cast<size_t>(i)]) continue;  // missing frames leave no column
    for (int c = 0; c < 3; ++c) columns.push_back(stored.dominant[static_cast<size_t>(i * 3 + c)]);
  }
  write_png(options.output_png, render_columns(columns, options.width, options.height));
}

}  // namespace

int run_job(const MpiEnv& env, const Options& options) {
  Stopwatch wall;
  RunStats run;
  const Plan plan = make_plan(env, options);
  run.scan_s = plan.scan_seconds;
  run.frames_scanned = plan.my_frames_scanned;

  // Written under a temporary name: a file named OUT.h5 is always a finished run.
  const std::string partial = options.output_h5 + ".partial";
  std::unique_ptr<H5Store> store;
  collective_step(env, [&] {
    store = std::make_unique<H5Store>(partial, env.comm(),
                                      static_cast<int64_t>(plan.samples.size()), options.kmeans.k);
    write_attributes(*store, plan, options, env.size());
    std::vector<int64_t> index, pts;
    std::vector<double> time;
    for (int64_t row = plan.my_first; row < plan.my_end; ++row) {
      index.push_back(plan.samples[static_cast<size_t>(row)]);
      pts.push_back(plan.sample_pts(row));
      time.push_back(to_seconds(pts.back() - plan.info.start_pts, plan.info.time_base));
    }
    store->write_frames(plan.my_first, index, pts, time);
    store->flush();
  });

  const Outcome outcome = process_segment(env, plan, options, *store, run);
  const bool complete = outcome.missing == 0 && !plan.truncated;
  collective_step(env, [&] {
    store->set_attribute("complete", int64_t{complete ? 1 : 0});
    store->set_attribute("frames_missing", outcome.missing);
    store->set_attribute("truncated", int64_t{plan.truncated ? 1 : 0});
    store->close();
    if (env.rank() == 0) {
      std::error_code ec;
      std::filesystem::rename(partial, options.output_h5, ec);
      if (ec) throw Error(options.output_h5 + ": cannot rename " + partial + ": " + ec.message());
    }
  });

  Stopwatch render_clock;
  collective_step(env, [&] {
    if (env.rank() == 0 && !options.output_png.empty()) render_png(options);
  });
  run.render_s = render_clock.seconds();
  run.wall_s = wall.seconds();
  report_summary(run, env.comm(), options.input, env.size(),
                 options.threads > 0 ? options.threads : usable_cores());
  if (!complete) {
    if (env.rank() == 0) {
      log::error(options.input + ": incomplete: " + std::to_string(outcome.missing) +
                 " sampled frames missing" + (plan.truncated ? ", input truncated" : "") + "; " +
                 options.output_h5 + " marks them in /frames/done");
    }
    return kExitIncomplete;
  }
  return kExitOk;
}

}  // namespace barcode
