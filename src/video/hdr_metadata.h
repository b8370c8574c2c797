// The tone mapping of a stream (color/tonemap.h): none for SDR; for PQ and HLG, the BT.2390
// parameters from the stream's HDR metadata. Decided from the file alone, so every rank, CPU or
// GPU, decides the same.
#pragma once

#include "color/tonemap.h"
#include "video/probe.h"

namespace barcode {

// Mastering display colour volume (SMPTE ST 2086) and content light level (MaxCLL, MaxFALL) are
// read from the container where it has them, else from the first decoded frame's SEI (how HEVC
// in Matroska usually carries them). The source peak is MaxCLL, else the mastering display's
// peak, else 1000 cd/m2 (the usual PQ grading peak and BT.2100's nominal HLG display).
// Throws Error when the first frame cannot be decoded.
ToneMapParams tone_map_params_for(const StreamInfo& info);

}  // namespace barcode
