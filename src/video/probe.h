// Facts about the input's video stream that every later step needs.
#pragma once

#include <cstdint>
#include <string>

#include "base/tile_orientation.h"

extern "C" {
#include <libavutil/rational.h>
}

namespace barcode {

struct StreamInfo {
  std::string path;
  int stream_index = -1;
  std::string codec;    // FFmpeg's codec name, e.g. "h264"
  std::string pix_fmt;  // e.g. "yuv420p"
  int width = 0;
  int height = 0;
  AVRational sar{1, 1};  // sample (pixel) aspect ratio
  // How the header says to show the picture (phone video: stored landscape, shown portrait).
  TileOrientation orientation;
  // A display matrix turn that is not a whole number of quarter turns, in degrees counter-
  // clockwise: not followed (the picture is used as stored). 0 when there is none.
  double unfollowed_turn = 0.0;
  // A display matrix that gives no angle at all (a zero column: it would flatten the picture):
  // not followed either.
  bool degenerate_turn = false;
  int color_trc = 0;  // AVColorTransferCharacteristic: PQ and HLG are tone-mapped to SDR
  AVRational time_base{1, 1};
  double frame_rate = 0.0;  // average frames per second, 0 when unknown
  int64_t start_pts = 0;    // the stream's first timestamp, time base units
  int64_t end_pts = 0;      // start_pts + duration, time base units; 0 when unknown
  double duration = 0.0;    // seconds, 0 when unknown
  // Where the container's header says the video stream ends, time base units; 0 when it says
  // nothing. The largest of: the header's frame count (AVI's stream length, MP4's sample count)
  // times one frame, the stream's own DURATION tag (Matroska), the stream duration and the last
  // entry of the demuxer's index. FFmpeg recomputes `duration` from what it can read, so for a
  // file cut short only these say how long the video was meant to be.
  int64_t stated_end_pts = 0;
  // True when the file holds the video stream alone and its header states the file's duration
  // (FFmpeg's estimate from the streams, not from the last packets read or the bit rate): that
  // duration is then the video's own, to the frame, as in an FLV's metadata.
  bool duration_is_the_videos = false;
  int64_t frame_ticks = 1;  // one frame's duration in time base units (from the frame rate), >= 1
  // False for containers such as AVI whose packets carry only decode timestamps: their frames'
  // presentation times are known only after decoding (see frame_table.h).
  bool packets_have_pts = true;
  int64_t file_size = 0;
  int64_t file_mtime = 0;  // seconds since the epoch
};

// Opens `path` and describes its best video stream. Throws usage_error naming the file and the
// reason when there is none (audio-only, not a media file, unknown codec, ...).
StreamInfo probe_video(const std::string& path);

}  // namespace barcode
