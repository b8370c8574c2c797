// Perceptual colour difference: CIEDE2000 between two sRGB colours (D65), used to compare the GPU
// and CPU paths' dominant colours (a difference under about 2 is hard to see).
#pragma once

#include <array>
#include <cstdint>

namespace barcode {

struct Lab {
  double l = 0, a = 0, b = 0;
};

// CIE L*a*b* (D65 white) of an 8-bit sRGB colour.
Lab srgb_to_lab(const std::array<uint8_t, 3>& rgb);

// CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu and Dalal (2005).
double delta_e2000(const Lab& x, const Lab& y);

}  // namespace barcode
