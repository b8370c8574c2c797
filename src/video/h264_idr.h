// Whether an H.264 access unit (one packet) is an IDR picture: one that resets every reference
// and whose decoding depends on nothing before it, so a decoder may go on to it from any other
// picture without being flushed and make the same pictures a fresh decoder makes (decoder.h,
// the splice). A key frame need not be one: an open-GOP encoder marks recovery-point I pictures
// as key frames, and the pictures just after them may refer to pictures before.
#pragma once

#include <cstdint>

namespace barcode {

// How the stream's packets delimit their NAL units, from its extradata: the length-field size
// (1, 2 or 4 bytes) of an avcC record (MP4, Matroska), 0 for start codes (Annex B: MPEG-TS, raw
// .h264, or no extradata), -1 for an avcC record with a length size that does not exist.
int h264_nal_length_size(const uint8_t* extradata, int size);

// True when the first slice of the packet is an IDR slice (NAL unit type 5). Units cut short,
// lengths past the end, packets without any slice and a nal_length_size of -1 give false.
bool h264_access_unit_is_idr(const uint8_t* data, int64_t size, int nal_length_size);

}  // namespace barcode
