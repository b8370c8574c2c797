// Black bars: the picture rectangle of a letterboxed (bars above and below) or pillarboxed (bars
// at the sides) movie, decided once per movie from the luma of frames spread over it, so that
// the bars do not become every frame's largest cluster. The rule judges a row or column as
// FFmpeg's cropdetect does (its mean luma against a limit of 24 in 8-bit codes) but over many
// frames at once and conservatively: a line is bar only when it is dark in nearly every frame
// that shows any picture, so fades to black and dark scenes never shrink the crop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "video/probe.h"
#include "video/tile_converter.h"

extern "C" {
struct AVFrame;
}

namespace barcode {

// Frames looked at per movie (fewer when the range has fewer frames), the same number on any
// rank count: the decision depends on the file alone.
constexpr int kCropProbeFrames = 40;
// A line is dark when its mean luma is at most this many 8-bit codes (cropdetect's limit).
constexpr int kCropDarkLimit = 24;
// Fewer frames with picture than this and nothing is cropped: too little evidence.
constexpr int kCropMinFrames = 4;

// Per line, in how many frames it was bright; `frames` counts the frames that showed any
// picture (a wholly dark frame says nothing about where the picture is and is not counted).
// Laid out as one array so that ranks add their votes with one MPI sum: [frames, rows, cols].
struct BarVotes {
  int width = 0, height = 0;
  std::vector<int64_t> counts;  // 1 + height + width
  BarVotes(int w, int h) : width(w), height(h), counts(1 + static_cast<size_t>(h + w), 0) {}
  int64_t frames() const { return counts[0]; }
  int64_t bright_row(int y) const { return counts[1 + static_cast<size_t>(y)]; }
  int64_t bright_column(int x) const { return counts[1 + static_cast<size_t>(height + x)]; }
};

// Adds one decoded frame's votes. False (nothing added) when the frame is not in a layout whose
// luma can be read (RGB, palette, hardware surfaces) or not of the votes' size.
bool add_frame_votes(const AVFrame* frame, BarVotes& votes);

// The rule, on the summed votes. A line is bar when it was bright in at most 1 in 20 of the
// frames with picture (a full-frame logo or title card on one probe frame does not undo the
// bars); bars run from each edge inwards to the first picture line. Each bar is rounded down to
// an even size (4:2:0 chroma stays aligned, and rounding keeps picture rather than bar) and
// never more than a third of the frame. The decision is per side, so bars of unequal height
// (subtitles kept in one bar) still come off where they are dark. `method` says what was found.
CropRect decide_crop(const BarVotes& votes, std::string* method);

// Positions in a frame table of `count` frames of the frames to probe: kCropProbeFrames (or
// all, when fewer) at the centres of equal parts of the table.
std::vector<int64_t> crop_probe_positions(int64_t count);

// Decodes, in software, the first key frame at or after each of `pts` (only key frames, one
// packet each, are decoded) and adds their votes. Probes past the last key frame, or whose key
// frame does not decode, add nothing. Throws Error when the decoder cannot be opened. `threads`
// share the probes; the votes do not depend on them.
void vote_on_frames(const StreamInfo& info, const std::vector<int64_t>& pts, BarVotes& votes,
                    int threads = 1);

// `--crop W:H:X:Y` for a frame of `info`'s size: usage_error unless it lies inside the frame
// with X and Y even (the 4:2:0 chroma grid) and W, H at least 2.
CropRect parse_crop(const std::string& spec, const StreamInfo& info);

// "W:H:X:Y", as --crop takes it.
std::string crop_text(const CropRect& crop);

}  // namespace barcode
