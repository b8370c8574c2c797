// Whether a JPEG picture (one MJPEG packet) reaches its end. FFmpeg's JPEG decoder pictures a
// file cut short without a word to the caller: it logs "EOI missing, emulating", fills the rest
// of the picture from whatever bits remain and sets no error flag, so a cut JPEG came out as a
// complete row. The end marker is the only sign, and it is checked on the packet, before any
// decoder (software or NVDEC) sees it.
#pragma once

#include <cstdint>

namespace barcode {

// True when the packet's last scan (the data after its last start-of-scan marker, FF DA) is not
// followed by an end-of-image marker (FF D9). Inside scan data a 0xFF byte is always followed by
// 0x00 or a restart marker, so FF D9 there is the end; looking after the last scan leaves out
// markers inside an embedded thumbnail, which comes before the picture's own scans. Whatever
// follows the end marker (padding, a camera's trailer) is allowed.
bool jpeg_is_cut(const uint8_t* data, int64_t size);

}  // namespace barcode
