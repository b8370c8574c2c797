// sRGB <-> linear light, for averaging colours the way light adds up.
#pragma once

#include <array>
#include <cstdint>

namespace barcode {

// The sRGB transfer functions on 0..1: encoded value -> linear light, and back.
double srgb_decode(double encoded);
double srgb_encode(double linear);

// Linear light of each 8-bit sRGB code, scaled to 0..65535 and rounded: integer so that sums over
// a tile are exact and independent of summation order (CPU and GPU agree bit for bit).
const std::array<uint16_t, 256>& srgb_to_linear16();

// The 8-bit sRGB code nearest to a linear-light value in 0..1.
uint8_t linear_to_srgb8(double linear);

// Mean colour of n interleaved sRGB pixels, averaged in linear light, back to sRGB.
std::array<uint8_t, 3> mean_color_linear(const uint8_t* rgb, int64_t n);

}  // namespace barcode
