// The frame table read by several readers at once, each over one stretch of the segment, is the
// table one pass reads, on real files: MP4 and Matroska with B-frames, HEVC, VP9, a variable
// frame rate, FLV with a gap, long GOPs, and a range in the middle; damaged files (and an MPEG-TS
// whose demuxer complains at a size change) fall back to one pass, counts and all. And how many
// readers a segment gets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "video/frame_table.h"
#include "video/probe.h"

namespace barcode {
namespace {

std::string media(const std::string& name) {
  const char* dir = std::getenv("BARCODE_MEDIA");
  return std::string(dir ? dir : "test-media") + "/" + name;
}

Segment whole_file() {
  return Segment{};
}

void expect_same_scan(const FrameScan& one_pass, const FrameScan& at_once,
                      const std::string& what) {
  EXPECT_EQ(one_pass.pts, at_once.pts) << what;
  EXPECT_EQ(one_pass.keys, at_once.keys) << what;
  EXPECT_EQ(one_pass.packets_end, at_once.packets_end) << what;
  EXPECT_EQ(one_pass.read_error, at_once.read_error) << what;
  EXPECT_EQ(one_pass.duplicates, at_once.duplicates) << what;
  EXPECT_EQ(one_pass.bad_packets, at_once.bad_packets) << what;
  EXPECT_EQ(one_pass.untimed, at_once.untimed) << what;
  EXPECT_EQ(one_pass.concealed, at_once.concealed) << what;
  EXPECT_EQ(one_pass.corrupt, at_once.corrupt) << what;
  EXPECT_EQ(one_pass.demuxer_errors, at_once.demuxer_errors) << what;
}

TEST(FrameScanAtOnce, CleanFilesListTheFramesOnePassLists) {
  for (const char* name :
       {"busy_h264.mp4", "minute_h264.mp4", "busy_hevc.mkv", "busy_vp9.webm", "vfr_h264.mkv",
        "gap_h264.flv", "long_gop_h264.mkv", "av_h264.mkv", "turn90.mp4"}) {
    const StreamInfo info = probe_video(media(name));
    ASSERT_TRUE(info.packets_have_pts) << name;
    for (bool keyframes : {false, true}) {
      const FrameScan one_pass = scan_frames(info, whole_file(), keyframes);
      ASSERT_GT(one_pass.pts.size(), keyframes ? 0u : 10u) << name;
      ASSERT_FALSE(one_pass.shows_damage()) << name;
      for (int readers : {2, 3, 5, 8}) {
        const std::string what = std::string(name) + ", " + std::to_string(readers) + " readers" +
                                 (keyframes ? ", key frames" : "");
        expect_same_scan(one_pass, scan_frames(info, whole_file(), keyframes, readers), what);
      }
    }
  }
}

TEST(FrameScanKeys, TheKeyFramesAmongTheFrames) {
  for (const char* name : {"busy_h264.mp4", "long_gop_h264.mkv", "busy_hevc.mkv", "gap_h264.flv"}) {
    const StreamInfo info = probe_video(media(name));
    const FrameScan all = scan_frames(info, whole_file(), false);
    ASSERT_FALSE(all.keys.empty()) << name;
    EXPECT_EQ(all.keys.front(), all.pts.front()) << name;  // a stream starts at a key frame
    EXPECT_LT(all.keys.size(), all.pts.size()) << name;    // made with key frame intervals > 1
    EXPECT_TRUE(std::is_sorted(all.keys.begin(), all.keys.end())) << name;
    EXPECT_TRUE(std::includes(all.pts.begin(), all.pts.end(), all.keys.begin(), all.keys.end()))
        << name;
    // Listing key frames only, every frame listed is one.
    const FrameScan keys_only = scan_frames(info, whole_file(), true);
    EXPECT_EQ(keys_only.keys, keys_only.pts) << name;
    EXPECT_EQ(keys_only.keys, all.keys) << name;
  }
  // busy_h264.mp4: 125 frames, a key frame every 48 at most.
  const FrameScan busy = scan_frames(probe_video(media("busy_h264.mp4")), whole_file(), false);
  EXPECT_GE(busy.keys.size(), 3u);
}

TEST(FrameScanAtOnce, ARangeInTheMiddleToo) {
  // A rank's segment of a longer film: both bounds given.
  const StreamInfo info = probe_video(media("minute_h264.mp4"));
  const int64_t length = info.end_pts - info.start_pts;
  const Segment middle{info.start_pts + length / 5, info.start_pts + length * 4 / 5};
  const FrameScan one_pass = scan_frames(info, middle, false);
  ASSERT_GT(one_pass.pts.size(), 10u);
  for (int readers : {2, 4, 7}) {
    expect_same_scan(one_pass, scan_frames(info, middle, false, readers),
                     std::to_string(readers) + " readers");
  }
}

TEST(FrameScanAtOnce, DamagedFilesAreReadInOnePass) {
  // Readers starting midway could list these differently: the result is one pass's, counts of
  // damage included.
  for (const char* name : {"fuzz_h264.mkv", "fuzz_h264.mp4", "truncated.mkv", "corrupt_h264.mp4",
                           "fuzz_mpeg2.ts", "fuzz_vp9.webm", "size_change_h264.ts"}) {
    const StreamInfo info = probe_video(media(name));
    if (!info.packets_have_pts) continue;
    const FrameScan one_pass = scan_frames(info, whole_file(), false);
    for (int readers : {2, 4}) {
      expect_same_scan(one_pass, scan_frames(info, whole_file(), false, readers),
                       std::string(name) + ", " + std::to_string(readers) + " readers");
    }
  }
}

// A stream of `seconds` at 1/1000 time base, starting at 0.
StreamInfo stream_of(double seconds) {
  StreamInfo info;
  info.time_base = AVRational{1, 1000};
  info.start_pts = 0;
  info.end_pts = static_cast<int64_t>(seconds * 1000);
  return info;
}

TEST(ScanReaders, OnePerFiveMinutesAtMostEightAndTheCores) {
  EXPECT_EQ(scan_readers(stream_of(7200), whole_file(), 16), 8);  // a 2-hour film
  EXPECT_EQ(scan_readers(stream_of(7200), whole_file(), 3), 3);
  EXPECT_EQ(scan_readers(stream_of(1200), whole_file(), 16), 4);  // 20 minutes
  EXPECT_EQ(scan_readers(stream_of(60), whole_file(), 16), 1);    // a short movie
  // A rank's hour of the film.
  EXPECT_EQ(scan_readers(stream_of(7200), Segment{0, 3600 * 1000}, 16), 8);
  EXPECT_EQ(scan_readers(stream_of(7200), Segment{3600 * 1000, 3900 * 1000}, 16), 1);
}

TEST(ScanReaders, OneWhereTheLengthIsUnknownOrFramesAreListedByDecoding) {
  EXPECT_EQ(scan_readers(stream_of(0), whole_file(), 16), 1);  // no stated end
  StreamInfo avi = stream_of(7200);
  avi.packets_have_pts = false;
  EXPECT_EQ(scan_readers(avi, whole_file(), 16), 1);
  EXPECT_EQ(scan_readers(stream_of(7200), whole_file(), 1), 1);
}

}  // namespace
}  // namespace barcode
