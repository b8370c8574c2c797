// Barcode styles: the ways a barcode file's per-frame colours become an image. Shared by
// barcode_render and barcode_mpi, so that both draw a style the same way.
//
//   dominant  one column per frame in its dominant colour (/color/dominant)
//   mean      one column per frame in its linear-light mean colour (/color/mean)
//   palette   one column per frame, a vertical stack of its clusters (/color/palette): heights
//             proportional to /color/weights, largest on top, summing exactly to the height
//   circular  the dominant colours wrapped clockwise from 12 o'clock into a ring on black
//   smooth    one column per frame: the frame itself squeezed to one pixel wide
//             (/color/column, each tile row's mean), resampled to the height
//   movie-palette  the dominant colours replaced by their colour of the movie palette
//
// Every style draws only rows marked done in /frames/done, in file order, and area-resamples the
// columns to the requested width in linear light (area_resample in barcode_image.h); smooth
// also resamples each column to the height that way.
#pragma once

#include <string>
#include <vector>

#include "render/barcode_image.h"
#include "store/h5_read.h"

namespace barcode {

enum class Style { kDominant, kMean, kPalette, kCircular, kMoviePalette, kSmooth };

// Side of a circular barcode when no width is given.
constexpr int kCircularDefaultSide = 1024;

// The styles' command-line names, in enum order (for CLI11's IsMember and for help text).
const std::vector<std::string>& style_names();
const std::string& style_name(Style style);
// Throws a usage error listing the valid names when `name` is not one of them.
Style parse_style(const std::string& name);

// Throws a usage error naming the file and what is missing when `file` cannot be drawn in
// `style`: no row done, no movie palette (or one never computed), no per-frame columns. For
// checking every style before any image is written; render_style checks the same.
void check_drawable(Style style, const BarcodeFile& file);

// Renders `file` in `style`. width 0: one column per done row (circular: kCircularDefaultSide).
// Linear styles make a width x height image. Circular makes a width x width square: a ring
// from radius width/2 - height to width/2 (a full disc when height >= width/2), black outside,
// edges anti-aliased by 4x4 supersampling. Throws check_drawable's usage errors.
Image render_style(Style style, const BarcodeFile& file, int width, int height);

// The PNG path of each style: `pattern` with "{style}" replaced by the style's name. With
// several styles and no "{style}" in the pattern, "-{style}" goes before the file name's
// extension (out.png: out-dominant.png, out-mean.png; a name without one: at its end).
std::vector<std::string> style_output_paths(const std::string& pattern,
                                            const std::vector<Style>& styles);

// Pixel heights of a column's stacked clusters: proportional to `weights` (k values, negative
// or non-finite ones count as 0) and summing exactly to `height`, by largest-remainder
// rounding (ties go to the earlier, i.e. heavier, cluster). All weights 0: all to the first.
std::vector<int> stack_heights(const float* weights, int k, int height);
// The same, into heights[0..k), without allocating: for the per-column loop.
void stack_heights(const float* weights, int k, int height, int* heights);

}  // namespace barcode
