// Synthetic tiles that look like film frames at thumbnail size, shared by the GPU tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "color/kmeans.h"

namespace barcode::gpu {

using Pixels = std::vector<uint8_t>;

// Deterministic stream of numbers for the synthetic content (splitmix64 through mix64).
class Stream {
 public:
  explicit Stream(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_++); }
  int uniform(int lo, int hi) {  // lo..hi inclusive
    return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

inline uint8_t clamp_code(int v) {
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

// A tile that looks like a film frame at thumbnail size: a smooth two-colour gradient in a random
// direction, a few soft-edged ellipses of other colours, and sensor-like noise.
inline Pixels film_like_tile(int w, int h, uint64_t seed) {
  Stream s(seed);
  int a[3], b[3];
  for (int c = 0; c < 3; ++c) a[c] = s.uniform(0, 255), b[c] = s.uniform(0, 255);
  const double angle = s.uniform(0, 359) * 3.14159265358979 / 180.0;
  const double dx = std::cos(angle), dy = std::sin(angle);
  const int noise = s.uniform(0, 12);
  struct Blob {
    double cx, cy, rx, ry;
    int colour[3];
  };
  std::vector<Blob> blobs(static_cast<size_t>(s.uniform(0, 5)));
  for (auto& bl : blobs) {
    bl.cx = s.uniform(0, w - 1), bl.cy = s.uniform(0, h - 1);
    bl.rx = s.uniform(2, std::max(3, w / 3)), bl.ry = s.uniform(2, std::max(3, h / 3));
    for (int c = 0; c < 3; ++c) bl.colour[c] = s.uniform(0, 255);
  }
  Pixels rgb(size_t(w) * h * 3);
  const double span = std::abs(dx) * w + std::abs(dy) * h;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double t = ((x - (dx < 0 ? w : 0)) * dx + (y - (dy < 0 ? h : 0)) * dy) / span;
      t = std::clamp(t, 0.0, 1.0);
      double v[3];
      for (int c = 0; c < 3; ++c) v[c] = a[c] + (b[c] - a[c]) * t;
      for (const auto& bl : blobs) {
        const double ex = (x - bl.cx) / bl.rx, ey = (y - bl.cy) / bl.ry;
        const double r2 = ex * ex + ey * ey;
        if (r2 < 1.2) {
          const double alpha = r2 < 0.8 ? 1.0 : (1.2 - r2) / 0.4;  // soft edge
          for (int c = 0; c < 3; ++c) v[c] = v[c] * (1 - alpha) + bl.colour[c] * alpha;
        }
      }
      for (int c = 0; c < 3; ++c) {
        const int jitter = noise ? s.uniform(-noise, noise) : 0;
        rgb[(size_t(y) * w + x) * 3 + c] = clamp_code(static_cast<int>(std::lround(v[c])) + jitter);
      }
    }
  }
  return rgb;
}

}  // namespace barcode::gpu
