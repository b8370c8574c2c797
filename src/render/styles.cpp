#include "render/styles.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "base/error.h"
#include "base/interrupt.h"
#include "color/frame_summary.h"
#include "color/srgb.h"

namespace barcode {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Images of hundreds of megapixels take seconds to draw: a stop signal is answered within
// columns or rows (barcode_mpi's; barcode_render ends at once on its own).
constexpr const char* kWhileDrawn = "while it was drawn; it was not written";

// Linear light (0..1) of an 8-bit sRGB code, through the same table as every other average.
double linear_of(uint8_t code) {
  return srgb_to_linear16()[code] / 65535.0;
}

// Palette centroids are stored as floats; they are drawn as 8-bit codes rounded the same way
// as /color/dominant, so a one-cluster stack matches the dominant style exactly.
uint8_t to_code(float value) {
  if (!(value > 0.0f)) return 0;
  return static_cast<uint8_t>(std::min(255L, std::lround(value)));
}

// linear_to_srgb8 answered from tables, without a pow() per pixel but with the same answers:
// first_[c] is the least linear value that linear_to_srgb8 maps to code c (found by bisection
// on linear_to_srgb8 itself), and start_[b] the code of the start of linear bucket b, from
// which a step or two up first_ finds the code.
class SrgbEncoder {
 public:
  static const SrgbEncoder& get() {
    static const SrgbEncoder encoder;
    return encoder;
  }
  uint8_t operator()(double linear) const {
    if (!(linear > 0.0)) return 0;  // also NaN, as linear_to_srgb8
    if (linear >= 1.0) return 255;
    int code = start_[static_cast<size_t>(linear * kBuckets)];
    while (code < 255 && linear >= first_[static_cast<size_t>(code) + 1]) ++code;
    return static_cast<uint8_t>(code);
  }

 private:
  static constexpr int kBuckets = 4096;
  SrgbEncoder() {
    first_[0] = 0.0;
    for (int code = 1; code < 256; ++code) {
      double below = 0.0, at = 1.0;  // linear_to_srgb8(below) < code <= linear_to_srgb8(at)
      while (std::nextafter(below, at) < at) {
        const double mid = below + (at - below) / 2;
        (linear_to_srgb8(mid) >= code ? at : below) = mid;
      }
      first_[static_cast<size_t>(code)] = at;
    }
    for (int b = 0; b < kBuckets; ++b) {
      // The bucket's start maps to at least this code (first_ is increasing).
      const double start = static_cast<double>(b) / kBuckets;
      start_[static_cast<size_t>(b)] = static_cast<uint8_t>(
          std::upper_bound(first_.begin() + 1, first_.end(), start) - first_.begin() - 1);
    }
  }
  std::array<double, 256> first_{};
  std::array<uint8_t, kBuckets> start_{};
};

// A weight as stacking sees it: negative and non-finite ones count as nothing.
float usable_weight(float w) {
  return std::isfinite(w) && w > 0 ? w : 0.0f;
}

// The sRGB triples of the done rows taken from `colors` ([N*3]), in file order.
std::vector<uint8_t> done_colors(const std::vector<uint8_t>& colors,
                                 const std::vector<int64_t>& rows) {
  std::vector<uint8_t> out;
  out.reserve(rows.size() * 3);
  for (int64_t row : rows) {
    const auto at = static_cast<size_t>(row) * 3;
    out.insert(out.end(), colors.begin() + static_cast<long>(at),
               colors.begin() + static_cast<long>(at + 3));
  }
  return out;
}

// A black image `width` wide (one pixel column per input column when 0) and `height` high.
Image blank_image(int64_t columns, int width, int height) {
  Image image;
  image.width = width > 0 ? width : static_cast<int>(columns);
  image.height = height;
  image.rgb.resize(static_cast<size_t>(image.width) * static_cast<size_t>(height) * 3);
  return image;
}

Image render_palette(const BarcodeFile& file, const std::vector<int64_t>& rows, int width,
                     int height) {
  const int k = file.k;
  const auto columns = static_cast<int64_t>(rows.size());
  Image image = blank_image(columns, width, height);
  const int out_width = image.width;
  // Each input column is piecewise constant in y (at most k runs), so its coverage-weighted
  // light is added at run starts and taken away at run ends: O(k) per input column and O(H)
  // per output column, instead of O(H) per input column.
  std::vector<double> change(static_cast<size_t>(height + 1) * 3, 0.0);
  std::vector<int> order(static_cast<size_t>(k));
  std::vector<float> sorted(static_cast<size_t>(k));
  std::vector<int> heights(static_cast<size_t>(k));
  const SrgbEncoder& encode = SrgbEncoder::get();
  area_resample(
      columns, out_width,
      [&](int64_t i, double cover) {
        const auto row = static_cast<size_t>(rows[static_cast<size_t>(i)]);
        const float* weights = file.weights.data() + row * static_cast<size_t>(k);
        const float* centroids = file.palette.data() + row * static_cast<size_t>(k) * 3;
        // Stored by weight already; sorted again (stable: equal weights keep their order) so
        // that any writer's file stacks correctly, in O(k log k) for files with many clusters.
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
          return usable_weight(weights[a]) > usable_weight(weights[b]);
        });
        for (int j = 0; j < k; ++j) sorted[j] = weights[order[j]];
        stack_heights(sorted.data(), k, height, heights.data());
        int top = 0;
        for (int j = 0; j < k; ++j) {
          const int h = heights[j];
          if (h == 0) continue;
          for (int c = 0; c < 3; ++c) {
            const double light = cover * linear_of(to_code(centroids[order[j] * 3 + c]));
            change[static_cast<size_t>(top) * 3 + c] += light;
            change[static_cast<size_t>(top + h) * 3 + c] -= light;
          }
          top += h;
        }
      },
      [&](int x, double total) {
        if (x % 64 == 0) throw_if_interrupted("the palette image", kWhileDrawn);
        double light[3] = {0, 0, 0};
        for (int y = 0; y < height; ++y) {
          uint8_t* pixel = image.rgb.data() + (static_cast<size_t>(y) * out_width + x) * 3;
          for (int c = 0; c < 3; ++c) {
            light[c] += change[static_cast<size_t>(y) * 3 + c];
            pixel[c] = encode(light[c] / total);
          }
        }
        std::fill(change.begin(), change.end(), 0.0);
      });
  return image;
}

// Each frame's column (/color/column) area-resampled in linear light: across frames to the
// width, then down each output column to the height.
Image render_smooth(const BarcodeFile& file, const std::vector<int64_t>& rows, int width,
                    int height) {
  const int source_height = file.column_height;
  const auto columns = static_cast<int64_t>(rows.size());
  Image image = blank_image(columns, width, height);
  const int out_width = image.width;
  // The vertical resampling, the same for every output column: (source row, cover) per y.
  std::vector<std::vector<std::pair<int, double>>> spans(static_cast<size_t>(height));
  std::vector<double> span_total(static_cast<size_t>(height));
  std::vector<std::pair<int, double>> span;
  area_resample(
      source_height, height, [&](int64_t i, double cover) { span.emplace_back(int(i), cover); },
      [&](int y, double total) {
        spans[static_cast<size_t>(y)].swap(span);
        span.clear();
        span_total[static_cast<size_t>(y)] = total;
      });
  const size_t column_values = static_cast<size_t>(source_height) * 3;
  std::vector<double> light(column_values, 0.0);
  const SrgbEncoder& encode = SrgbEncoder::get();
  area_resample(
      columns, out_width,
      [&](int64_t i, double cover) {
        const uint8_t* column =
            file.column.data() + static_cast<size_t>(rows[static_cast<size_t>(i)]) * column_values;
        for (size_t v = 0; v < column_values; ++v) light[v] += cover * linear_of(column[v]);
      },
      [&](int x, double total) {
        if (x % 64 == 0) throw_if_interrupted("the smooth image", kWhileDrawn);
        for (int y = 0; y < height; ++y) {
          uint8_t* pixel = image.rgb.data() + (static_cast<size_t>(y) * out_width + x) * 3;
          for (int c = 0; c < 3; ++c) {
            double sum = 0;
            for (const auto& [row, cover] : spans[static_cast<size_t>(y)]) {
              sum += cover * light[static_cast<size_t>(row) * 3 + c];
            }
            pixel[c] = encode(sum / (total * span_total[static_cast<size_t>(y)]));
          }
        }
        std::fill(light.begin(), light.end(), 0.0);
      });
  return image;
}

// Angle of a point, clockwise from 12 o'clock (image y grows downwards), in [0, 2*pi).
double clock_angle(double dx, double dy) {
  const double a = std::atan2(dx, -dy);
  return a < 0 ? a + 2 * kPi : a;
}

Image render_circular(const std::vector<uint8_t>& colors, int side, int thickness) {
  const auto columns = static_cast<int64_t>(colors.size() / 3);
  const double outer = side / 2.0;
  const double inner = std::max(0.0, outer - thickness);
  // Angular bins: one per sample, or, when samples outnumber the outer edge's pixels, one per
  // pixel of that edge, each the area-resampled mean of the samples it spans.
  const auto edge_pixels = static_cast<int64_t>(std::ceil(2 * kPi * outer));
  const int bins = static_cast<int>(std::min(columns, std::max<int64_t>(edge_pixels, 1)));
  const std::vector<double> bin_light = resample_linear(colors, bins);
  // Angles below are measured in bins (0..bins) clockwise from 12 o'clock.
  const double bins_per_radian = bins / (2 * kPi);
  const auto bin_of = [bins](double a) {
    if (a < 0) a += bins;  // linearised sub-sample angles may step across 12 o'clock
    if (a >= bins) a -= bins;
    return std::min(static_cast<int>(a), bins - 1);
  };
  const SrgbEncoder& encode = SrgbEncoder::get();
  Image image;
  image.width = side;
  image.height = side;
  image.rgb.assign(static_cast<size_t>(side) * static_cast<size_t>(side) * 3, 0);
  constexpr int kSub = 4;             // supersampling grid per axis on edge pixels
  constexpr double kReach = 0.70711;  // a pixel's farthest point from its centre (> sqrt(2)/2)
  constexpr double kExactBelow = 8;   // nearer the centre sub-samples use exact atan2/hypot
  for (int py = 0; py < side; ++py) {
    if (py % 64 == 0) throw_if_interrupted("the circular image", kWhileDrawn);
    for (int px = 0; px < side; ++px) {
      const double dx = px + 0.5 - outer;
      const double dy = py + 0.5 - outer;
      const double d = std::sqrt(dx * dx + dy * dy);
      if (d - kReach >= outer || d + kReach <= inner) continue;  // wholly outside: black
      uint8_t* pixel = image.rgb.data() + (static_cast<size_t>(py) * side + px) * 3;
      const double angle = clock_angle(dx, dy) * bins_per_radian;
      // A pixel wholly inside the ring and inside one bin takes the bin's colour unchanged.
      if (d - kReach >= inner && d + kReach <= outer && d > 2 * kReach) {
        const double spread = std::asin(kReach / d) * bins_per_radian;
        if (angle - spread >= 0 && angle + spread < bins &&
            bin_of(angle - spread) == bin_of(angle + spread)) {
          const double* light = &bin_light[static_cast<size_t>(bin_of(angle)) * 3];
          for (int c = 0; c < 3; ++c) pixel[c] = encode(light[c]);
          continue;
        }
      }
      // An edge pixel: the mean light of kSub x kSub point samples, black outside the ring.
      // Away from the centre a sub-sample's radius and angle are the pixel centre's plus their
      // first-order change (error below 0.004 pixel), which spares 16 atan2 calls per pixel.
      const double radial_x = dx / d, radial_y = dy / d;
      const double turn_x = -dy / (d * d) * bins_per_radian,
                   turn_y = dx / (d * d) * bins_per_radian;
      double sum[3] = {0, 0, 0};
      for (int sy = 0; sy < kSub; ++sy) {
        for (int sx = 0; sx < kSub; ++sx) {
          const double ox = (sx + 0.5) / kSub - 0.5;
          const double oy = (sy + 0.5) / kSub - 0.5;
          double r, a;
          if (d < kExactBelow) {
            r = std::hypot(dx + ox, dy + oy);
            a = clock_angle(dx + ox, dy + oy) * bins_per_radian;
          } else {
            r = d + radial_x * ox + radial_y * oy;
            a = angle + turn_x * ox + turn_y * oy;
          }
          if (r < inner || r >= outer) continue;
          const double* light = &bin_light[static_cast<size_t>(bin_of(a)) * 3];
          for (int c = 0; c < 3; ++c) sum[c] += light[c];
        }
      }
      for (int c = 0; c < 3; ++c) pixel[c] = encode(sum[c] / (kSub * kSub));
    }
  }
  return image;
}

}  // namespace

const std::vector<std::string>& style_names() {
  static const std::vector<std::string> names = {"dominant", "mean",          "palette",
                                                 "circular", "movie-palette", "smooth"};
  return names;
}

const std::string& style_name(Style style) {
  return style_names()[static_cast<size_t>(style)];
}

Style parse_style(const std::string& name) {
  const auto& names = style_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    std::string valid;
    for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
    throw usage_error("unknown style '" + name + "' (styles: " + valid + ")");
  }
  return static_cast<Style>(it - names.begin());
}

void stack_heights(const float* weights, int k, int height, int* heights) {
  if (k < 1) return;
  const auto usable = [&](int j) { return static_cast<double>(usable_weight(weights[j])); };
  double sum = 0;
  for (int j = 0; j < k; ++j) sum += usable(j);
  std::fill(heights, heights + k, 0);
  if (!(sum > 0)) {
    heights[0] = height;
    return;
  }
  const double scale = height / sum;
  const auto quota = [&](int j) { return usable(j) * scale; };
  // The floors never sum to more than height: each is at most its quota, and the quotas sum
  // to height within rounding far below one pixel.
  int given = 0;
  for (int j = 0; j < k; ++j) {
    heights[j] = static_cast<int>(std::floor(quota(j)));
    given += heights[j];
  }
  // Fewer pixels than clusters are left over (at most k when every quota rounds to just below
  // an integer): one each to the largest remainders, ties to the earlier cluster. Sorted once
  // (O(k log k)), not searched once per pixel (O(k) per pixel: minutes for a foreign file
  // with thousands of clusters per frame).
  const int left = height - given;
  if (left <= 0) return;
  std::vector<int> by_remainder(static_cast<size_t>(k));
  std::iota(by_remainder.begin(), by_remainder.end(), 0);
  const auto remainder = [&](int j) { return quota(j) - std::floor(quota(j)); };
  const int served = std::min(left, k);
  std::partial_sort(by_remainder.begin(), by_remainder.begin() + served, by_remainder.end(),
                    [&](int i, int j) {
                      const double ri = remainder(i), rj = remainder(j);
                      return ri > rj || (ri == rj && i < j);
                    });
  for (int n = 0; n < served; ++n) ++heights[by_remainder[static_cast<size_t>(n)]];
  heights[0] += left - served;  // rounding beyond one pixel per cluster: to the largest
}

std::vector<int> stack_heights(const float* weights, int k, int height) {
  std::vector<int> heights(static_cast<size_t>(std::max(k, 0)), 0);
  stack_heights(weights, k, height, heights.data());
  return heights;
}

// Each frame's dominant colour replaced by its movie-palette colour (/movie/labels of the frame's
// largest cluster), so the barcode shows the film in its own few colours.
std::vector<uint8_t> movie_palette_colors(const BarcodeFile& file,
                                          const std::vector<int64_t>& rows) {
  const auto colours = file.movie_palette.size() / 3;
  std::vector<uint8_t> out;
  out.reserve(rows.size() * 3);
  for (int64_t row : rows) {
    const size_t label = file.movie_labels[static_cast<size_t>(row) * static_cast<size_t>(file.k)];
    if (label >= colours) throw usage_error(file.path + ": /movie/labels out of range");
    for (size_t c = 0; c < 3; ++c) out.push_back(round_channel(file.movie_palette[label * 3 + c]));
  }
  return out;
}

void check_drawable(Style style, const BarcodeFile& file) {
  if (!std::any_of(file.done.begin(), file.done.end(), [](uint8_t done) { return done != 0; })) {
    throw usage_error(file.path + ": no row is marked done in /frames/done: nothing to render");
  }
  if (style == Style::kMoviePalette && file.movie_palette_pending) {
    throw usage_error(file.path +
                      ": its movie palette was never computed (every /movie/weights is 0: the "
                      "run stopped before its end); finish it with barcode_mpi --resume, or "
                      "choose another style");
  }
  if (style == Style::kMoviePalette && file.movie_palette.empty()) {
    throw usage_error(file.path + ": no movie palette (/movie): made with --movie-clusters 0?");
  }
  if (style == Style::kSmooth && file.column.empty()) {
    throw usage_error(file.path +
                      ": no per-frame columns (/color/column): the file was made by an older "
                      "barcode_mpi; rerun it to draw the smooth style");
  }
}

Image render_style(Style style, const BarcodeFile& file, int width, int height) {
  if (width < 0) throw usage_error("barcode width must not be negative");
  if (height < 1) throw usage_error("barcode height must be at least 1");
  check_drawable(style, file);
  const std::vector<int64_t> rows = file.done_rows();
  switch (style) {
    case Style::kDominant:
      return render_columns(done_colors(file.dominant, rows), width, height);
    case Style::kMean:
      return render_columns(done_colors(file.mean, rows), width, height);
    case Style::kPalette:
      return render_palette(file, rows, width, height);
    case Style::kCircular:
      return render_circular(done_colors(file.dominant, rows),
                             width > 0 ? width : kCircularDefaultSide, height);
    case Style::kMoviePalette:
      return render_columns(movie_palette_colors(file, rows), width, height);
    case Style::kSmooth:
      return render_smooth(file, rows, width, height);
  }
  throw Error("render_style: unknown style");
}

std::vector<std::string> style_output_paths(const std::string& pattern,
                                            const std::vector<Style>& styles) {
  static const std::string field = "{style}";
  std::string with_field = pattern;
  if (styles.size() > 1 && pattern.find(field) == std::string::npos) {
    // out.png -> out-{style}.png: the name --manifest gives each movie's images, so a script
    // that adds styles to its options (slurm/archive.sbatch's EXTRA_ARGS) needs no other path.
    const size_t name = pattern.find_last_of('/') + 1;  // npos + 1 == 0: no directory
    size_t dot = pattern.find_last_of('.');
    if (dot == std::string::npos || dot <= name) dot = pattern.size();  // no extension
    with_field.insert(dot, "-" + field);
  }
  std::vector<std::string> paths;
  for (Style style : styles) {
    std::string path = with_field;
    for (size_t at = path.find(field); at != std::string::npos;
         at = path.find(field, at + style_name(style).size())) {
      path.replace(at, field.size(), style_name(style));
    }
    paths.push_back(path);
  }
  return paths;
}

}  // namespace barcode
