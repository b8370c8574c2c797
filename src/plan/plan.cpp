#include "plan/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "base/log.h"
#include "base/mpi_env.h"
#include "base/stopwatch.h"
#include "base/tile_orientation.h"
#include "video/crop_detect.h"
#include "video/ffmpeg_util.h"
#include "video/frame_table.h"
#include "video/hdr_metadata.h"
#include "video/sampler.h"

namespace barcode {
namespace {

// Refuses a tile over k-means' limit, saying the limit and the tile.
void check_tile_size(const TileSize& tile, const std::string& input) {
  if (tile.pixels() <= kMaxTilePixels) return;
  throw usage_error(input + ": a tile of " + std::to_string(tile.width) + "x" +
                    std::to_string(tile.height) + " = " + std::to_string(tile.pixels()) +
                    " pixels is over the limit of " + std::to_string(kMaxTilePixels) +
                    "; choose a smaller --tile-width");
}

// Gathers every rank's (sorted, disjoint, rank-ordered) timestamps into one table.
std::vector<int64_t> gather_table(const MpiEnv& env, const std::vector<int64_t>& mine) {
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<size_t>(env.size())), offsets(counts.size());
  mpi_check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, env.comm()),
            "MPI_Allgather(frame counts)");
  int64_t total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    offsets[i] = static_cast<int>(total);
    total += counts[i];
  }
  if (total > (int64_t{1} << 31) - 1) throw Error("more than 2^31 frames: not supported");
  std::vector<int64_t> table(static_cast<size_t>(total));
  mpi_check(MPI_Allgatherv(mine.data(), count, MPI_INT64_T, table.data(), counts.data(),
                           offsets.data(), MPI_INT64_T, env.comm()),
            "MPI_Allgatherv(frame table)");
  return table;
}

// Black bars, decided once for the movie from the frame table every rank holds: the probe frames
// are shared out over the ranks (the i-th to rank i mod size) and their votes summed, so the
// crop is the same on any number of ranks. Collective.
CropRect detect_crop(const MpiEnv& env, const Plan& plan, std::string* method) {
  const std::vector<int64_t> probes =
      crop_probe_positions(static_cast<int64_t>(plan.frame_pts.size()));
  std::vector<int64_t> mine;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (static_cast<int>(i % static_cast<size_t>(env.size())) == env.rank()) {
      mine.push_back(plan.frame_pts[static_cast<size_t>(probes[i])]);
    }
  }
  BarVotes votes(plan.info.width, plan.info.height);
  Stopwatch clock;
  collective_step(env, [&] { vote_on_frames(plan.info, mine, votes, env.cores()); });
  log::detail("black bars: " + std::to_string(mine.size()) + " of " +
              std::to_string(probes.size()) + " probe frames decoded in " +
              std::to_string(clock.seconds()) + " s");
  mpi_check(MPI_Allreduce(MPI_IN_PLACE, votes.counts.data(), static_cast<int>(votes.counts.size()),
                          MPI_INT64_T, MPI_SUM, env.comm()),
            "MPI_Allreduce(black bar votes)");
  return decide_crop(votes, method);
}

// `value` becomes its reduction over all ranks.
void allreduce(const MpiEnv& env, int64_t& value, MPI_Op op, const char* what) {
  int64_t result = 0;
  mpi_check(MPI_Allreduce(&value, &result, 1, MPI_INT64_T, op, env.comm()),
            (std::string("MPI_Allreduce(") + what + ")").c_str());
  value = result;
}

// A file cut short often reads to a clean end of file, and FFmpeg then recomputes its duration
// from what it read: compare where the video packets end (all of them, key frames or not) with
// what the header states, or with the end of the range asked for (--end) where that comes
// first. The header's video facts (frame count, the stream's duration, the index) allow half a
// frame and a thousandth of the length for rounding; the whole file's duration, used only
// without them, two seconds, as audio may outlast the picture, unless the video is the file's
// only stream (an FLV's metadata: an FLV cut at a tag less than two seconds from its end read
// as complete). A file that states no end is never called truncated: a range past its end is
// only a range past its end.
void check_video_end(const MpiEnv& env, const StreamInfo& info, int64_t packets_end,
                     int64_t range_end, Plan& plan) {
  const AVRational tb = info.time_base;
  // The whole file's duration only where the video stream states no end of its own: a
  // Matroska file whose audio runs on past the picture states the audio's end there, while the
  // video's own DURATION tag agrees with its packets.
  // An FLV's index holds only the key frames read so far, so the file's duration counts too
  // where it is the video's.
  const bool video_states_its_end = info.stated_end_pts > info.start_pts;
  int64_t file_end = video_states_its_end ? info.stated_end_pts : info.end_pts;
  // The file's duration too may count from zero or from the first frame: the shorter reading.
  if (info.duration_is_the_videos) {
    file_end = std::max(file_end, std::min(info.end_pts, info.end_pts - info.start_pts));
  }
  if (file_end <= 0) return;
  const int64_t expected = std::min(file_end, range_end);
  const int64_t tolerance = video_states_its_end || info.duration_is_the_videos
                                ? info.frame_ticks / 2 + (file_end - info.start_pts) / 1000
                                : static_cast<int64_t>(std::llround(2.0 / av_q2d(tb)));
  if (expected - packets_end <= tolerance) return;
  plan.truncated = true;
  plan.gap_start = to_seconds(packets_end - info.start_pts, tb);
  plan.gap_end = to_seconds(expected - info.start_pts, tb);
  if (env.rank() == 0) {
    log::warn(info.path + ": the video stops at " + std::to_string(plan.gap_start) + " s but " +
              (expected < file_end ? "the range asked for (--end) reaches " : "the file states ") +
              std::to_string(plan.gap_end) + " s: truncated file? the rest is missing");
  }
}

}  // namespace

Plan make_plan(const MpiEnv& env, const Options& options) {
  Plan plan;
  collective_step(env, [&] {
    plan.info = probe_video(options.input);
    if (options.crop != "auto" && options.crop != "none") {
      plan.source.crop = parse_crop(options.crop, plan.info);
      plan.crop_method = "given (--crop " + options.crop + ")";
    } else if (options.crop == "none") {
      plan.crop_method = "none";
    }
    plan.tile = tile_size_for(plan.info, options.tile_width, plan.source.crop);
    plan.source.tone = tone_map_params_for(plan.info);
    plan.source.orientation = plan.info.orientation;
    check_tile_size(plan.tile, options.input);
  });
  log::stage("input probed");
  const StreamInfo& info = plan.info;
  if (info.unfollowed_turn != 0.0 && env.rank() == 0) {
    char turn[32];
    std::snprintf(turn, sizeof turn, "%.4g", std::fabs(info.unfollowed_turn));
    log::warn(info.path + ": its header asks to show the picture turned by " + turn +
              (info.unfollowed_turn > 0 ? " degrees counterclockwise" : " degrees clockwise") +
              ", not a multiple of 90; the tiles are made from the picture as stored");
  }
  if (info.degenerate_turn && env.rank() == 0) {
    log::warn(info.path +
              ": its header's display matrix is degenerate (it would flatten the "
              "picture to a line); it is ignored and the tiles are made from the picture as "
              "stored");
  }
  const AVRational tb = info.time_base;
  const int64_t begin =
      info.start_pts + static_cast<int64_t>(std::llround(options.start / av_q2d(tb)));
  // A range given by --end that rounds to less than one tick of the time base keeps that one
  // tick ([begin, begin + 1) holds a frame only at begin): an empty range would read as a
  // stream of unknown length, and so the whole rest of the film.
  const int64_t end =
      options.end >= 0
          ? std::max(begin + 1,
                     info.start_pts + static_cast<int64_t>(std::llround(options.end / av_q2d(tb))))
          : info.end_pts;
  if (options.end < 0 && info.end_pts == 0 && env.size() > 1 && env.rank() == 0) {
    log::warn(info.path + ": duration unknown, so rank 0 decodes the whole movie alone");
  }
  if (!info.packets_have_pts) {
    log::info(info.path +
              ": packets carry no presentation timestamps, so frames are listed by "
              "decoding (slower than demuxing)");
  }
  plan.segments = plan_segments(begin, end, env.size(), options.start <= 0, options.end < 0);
  const Segment& mine = plan.my_segment(env.rank());

  FrameScan scan;
  Stopwatch scan_clock;
  collective_step(env, [&] {
    if (mine.begin < mine.end) {
      scan = scan_frames(info, mine, options.keyframes, scan_readers(info, mine, env.cores()));
    }
  });
  // A rank that starts reading in the middle of a damaged file can list its frames differently
  // from a reader that came from the start (a demuxer resynchronising, a decoder recovering
  // from other references). Where any rank saw damage, rank 0 lists the whole range in one
  // pass, as one rank would: the rows then never depend on the rank count.
  int64_t damaged = scan.shows_damage() ? 1 : 0;
  allreduce(env, damaged, MPI_MAX, "damage seen");
  if (damaged && env.size() > 1) {
    if (env.rank() == 0) {
      log::warn(info.path +
                ": the file is damaged; rank 0 lists its frames alone, so that the rows do "
                "not depend on the number of ranks");
    }
    scan = FrameScan{};
    collective_step(env, [&] {
      if (env.rank() == 0) {
        Segment whole{plan.segments.front().begin, plan.segments.back().end};
        scan = scan_frames(info, whole, options.keyframes);
      }
    });
  }
  plan.scan_seconds = scan_clock.seconds();
  log::stage("segment scanned: " + std::to_string(scan.pts.size()) + " frames");
  plan.my_frames_scanned = static_cast<int64_t>(scan.pts.size());
  if (!scan.read_error.empty()) {
    log::warn(info.path + ": reading stopped early (" + scan.read_error + ") after " +
              std::to_string(scan.pts.size()) +
              " frames of this rank's segment; the file is "
              "truncated or damaged and the rest of it is missing");
  }
  if (scan.duplicates > 0) {
    log::warn(info.path + ": " + std::to_string(scan.duplicates) +
              " packets repeat an earlier timestamp and are ignored; their frames are missing");
  }
  if (scan.bad_packets > 0) {
    log::warn(info.path + ": " + std::to_string(scan.bad_packets) +
              " packets did not decode while listing frames; their frames are missing");
  }
  if (scan.untimed > 0) {
    log::warn(info.path + ": " + std::to_string(scan.untimed) +
              " frames have no timestamp and are left out");
  }
  int64_t truncated = scan.read_error.empty() ? 0 : 1;
  allreduce(env, truncated, MPI_MAX, "truncated");
  plan.truncated = truncated != 0;
  if (scan.concealed > 0 || scan.corrupt > 0) {
    log::warn(info.path + ": " +
              std::to_string(scan.concealed > 0 ? scan.concealed : scan.corrupt) +
              (scan.concealed > 0 ? " frames were patched over damaged data"
                                  : " packets are flagged corrupt by the demuxer") +
              "; frames around them may be missing");
  }
  if (scan.demuxer_errors > 0) {
    log::warn(info.path + ": the demuxer met " + std::to_string(scan.demuxer_errors) +
              " stretches of invalid data and skipped them; frames there are missing");
  }
  int64_t damage = scan.duplicates + scan.bad_packets + scan.untimed + scan.concealed +
                   scan.corrupt + scan.demuxer_errors;
  allreduce(env, damage, MPI_SUM, "damage");
  plan.damage = damage;
  int64_t packets_end = scan.packets_end;  // AV_NOPTS_VALUE is the smallest int64
  allreduce(env, packets_end, MPI_MAX, "end of the packets");

  plan.frame_pts = gather_table(env, scan.pts);
  // Every rank's key frames: decoders may be given rows of another rank's segment.
  plan.key_pts = gather_table(env, scan.keys);
  if (packets_end != AV_NOPTS_VALUE) {
    check_video_end(env, info, packets_end,
                    options.end < 0 ? std::numeric_limits<int64_t>::max() : end, plan);
  }
  SampleRule rule;
  rule.every = options.every;
  rule.fps = options.fps;
  rule.columns = options.columns;
  plan.samples = select_samples(plan.frame_pts, tb, rule);
  collective_step(env, [&] {
    if (plan.samples.empty()) {
      throw usage_error(info.path + ": no frames in the selected range" +
                        (plan.truncated ? " (the file is damaged)" : ""));
    }
  });

  if (options.crop == "auto") {
    const CropRect found = detect_crop(env, plan, &plan.crop_method);
    // No bars: the whole frame, by the very path a run without cropping takes.
    const bool whole =
        found.x == 0 && found.y == 0 && found.width == info.width && found.height == info.height;
    plan.source.crop = whole ? CropRect{} : found;
    collective_step(env, [&] {
      plan.tile = tile_size_for(info, options.tile_width, plan.source.crop);
      check_tile_size(plan.tile, options.input);
    });
  }

  // Samples are in timestamp order and segments contiguous: this rank's rows are one range.
  plan.my_first = plan.row_at_or_after(mine.begin);
  plan.my_end = mine.end == std::numeric_limits<int64_t>::max()
                    ? static_cast<int64_t>(plan.samples.size())
                    : plan.row_at_or_after(mine.end);
  if (mine.begin >= mine.end) plan.my_first = plan.my_end = 0;
  const int64_t my_rounds = (plan.my_end - plan.my_first + options.batch - 1) / options.batch;
  mpi_check(MPI_Allreduce(&my_rounds, &plan.rounds, 1, MPI_INT64_T, MPI_MAX, env.comm()),
            "MPI_Allreduce(rounds)");
  log::info(info.path + ": " + info.codec + " " + std::to_string(info.width) + "x" +
            std::to_string(info.height) + ", " + std::to_string(plan.frame_pts.size()) +
            " frames in range, " + std::to_string(plan.samples.size()) + " sampled, crop " +
            crop_text(plan.crop_rect()) + " (" + plan.crop_method + "), " +
            (plan.source.tone.active()
                 ? "tone mapping " + tone_map_description(plan.source.tone) + ", "
                 : std::string()) +
            (plan.source.orientation.identity()
                 ? std::string()
                 : "shown " + orientation_text(plan.source.orientation) + ", ") +
            "tiles " + std::to_string(plan.tile.width) + "x" + std::to_string(plan.tile.height) +
            ", " + std::to_string(env.size()) + " rank(s)");
  return plan;
}

int64_t Plan::row_at_or_after(int64_t pts) const {
  int64_t lo = 0, hi = static_cast<int64_t>(samples.size());
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (sample_pts(mid) < pts)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

std::vector<int64_t> Plan::key_rows(int64_t first, int64_t end) const {
  std::vector<int64_t> rows;
  for (const int64_t key : key_pts) {
    const int64_t row = row_at_or_after(key);
    if (row > first && row < end && (rows.empty() || rows.back() < row)) rows.push_back(row);
  }
  return rows;
}

double Plan::frame_time(int64_t row) const {
  if (!stored_time.empty()) return stored_time[static_cast<size_t>(row)];
  return to_seconds(sample_pts(row) - info.start_pts, info.time_base);
}

}  // namespace barcode
