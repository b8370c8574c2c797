// A decoder that goes on from one segment to the next without a flush (decoder.h, the splice)
// makes the pictures a fresh decoder makes, on real files: which H.264 packets are IDR pictures
// (length-prefixed in MP4, start codes in MPEG-TS, open GOPs whose key frames are not), and
// passes of one SegmentDecoder, forward, backward and after a pass that read to the end, against
// a fresh decoder for each segment, pixel for pixel.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "video/decoder.h"
#include "video/ffmpeg_util.h"
#include "video/frame_table.h"
#include "video/h264_idr.h"
#include "video/probe.h"

namespace barcode {
namespace {

std::string media(const std::string& name) {
  const char* dir = std::getenv("BARCODE_MEDIA");
  return std::string(dir ? dir : "test-media") + "/" + name;
}

// For each video packet of the file in decode order: its key flag and whether it is an IDR.
std::vector<std::pair<bool, bool>> keys_and_idrs(const std::string& path) {
  const StreamInfo info = probe_video(path);
  FormatPtr format = open_media(path);
  const AVCodecParameters* par = format->streams[info.stream_index]->codecpar;
  const int length_size = h264_nal_length_size(par->extradata, par->extradata_size);
  std::vector<std::pair<bool, bool>> out;
  PacketPtr packet = make_packet();
  while (av_read_frame(format.get(), packet.get()) >= 0) {
    if (packet->stream_index == info.stream_index) {
      out.emplace_back((packet->flags & AV_PKT_FLAG_KEY) != 0,
                       h264_access_unit_is_idr(packet->data, packet->size, length_size));
    }
    av_packet_unref(packet.get());
  }
  return out;
}

TEST(H264Idr, EveryKeyFrameOfClosedGopsIsAnIdrPictureAndNothingElseIs) {
  for (const char* name : {"busy_h264.mp4", "long_gop_h264.mkv", "minute_h264.mp4"}) {
    const auto packets = keys_and_idrs(media(name));
    ASSERT_GT(packets.size(), 100u) << name;
    int keys = 0;
    for (size_t i = 0; i < packets.size(); ++i) {
      EXPECT_EQ(packets[i].first, packets[i].second) << name << ", packet " << i;
      keys += packets[i].first;
    }
    EXPECT_GE(keys, 1) << name;
  }
}

TEST(H264Idr, OpenGopKeyFramesAfterTheFirstAreNotIdrPictures) {
  for (const char* name : {"open_gop_h264.ts", "open_gop_h264.mkv"}) {  // start codes, lengths
    const auto packets = keys_and_idrs(media(name));
    ASSERT_GT(packets.size(), 100u);
    int keys = 0, idrs = 0;
    for (const auto& [key, idr] : packets) {
      keys += key;
      idrs += idr;
      EXPECT_TRUE(key || !idr);
    }
    EXPECT_TRUE(packets.front().second) << name;  // the stream starts with one
    EXPECT_EQ(idrs, 1) << name;
    EXPECT_GE(keys, 4) << name;
  }
}

TEST(H264Idr, UnitsCutShortOrUnknownFormatsAreNotIdr) {
  // Start codes: an SEI, then an IDR slice (type 5), or a non-IDR slice (type 1).
  const std::vector<uint8_t> sei_idr = {0, 0, 0, 1, 0x06, 0x05, 0x00, 0, 0, 1, 0x65, 0x88};
  const std::vector<uint8_t> slice = {0, 0, 1, 0x41, 0x9A};
  EXPECT_TRUE(h264_access_unit_is_idr(sei_idr.data(), 12, 0));
  EXPECT_FALSE(h264_access_unit_is_idr(slice.data(), 5, 0));
  // Four-byte lengths: an SEI of 2 bytes, then an IDR slice of 2; the same with the second
  // length past the packet's end; an unknown length size.
  const std::vector<uint8_t> prefixed = {0, 0, 0, 2, 0x06, 0x05, 0, 0, 0, 2, 0x65, 0x88};
  EXPECT_TRUE(h264_access_unit_is_idr(prefixed.data(), 12, 4));
  std::vector<uint8_t> cut = prefixed;
  cut[9] = 9;
  EXPECT_FALSE(h264_access_unit_is_idr(cut.data(), 12, 4));
  EXPECT_FALSE(h264_access_unit_is_idr(prefixed.data(), 12, -1));
  EXPECT_FALSE(h264_access_unit_is_idr(nullptr, 0, 4));
  // avcC records: length size 4 (0xFF), 2 (0xFD), the invalid 3 (0xFE); start codes otherwise.
  const std::vector<uint8_t> avcc = {1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0};
  EXPECT_EQ(h264_nal_length_size(avcc.data(), 7), 4);
  std::vector<uint8_t> two = avcc, three = avcc;
  two[4] = 0xFD;
  three[4] = 0xFE;
  EXPECT_EQ(h264_nal_length_size(two.data(), 7), 2);
  EXPECT_EQ(h264_nal_length_size(three.data(), 7), -1);
  EXPECT_EQ(h264_nal_length_size(sei_idr.data(), 12), 0);
  EXPECT_EQ(h264_nal_length_size(nullptr, 0), 0);
}

// One picture out of a decoder: its time and a hash of its visible pixels.
struct Picture {
  int64_t pts;
  uint64_t hash;
  bool operator==(const Picture& o) const { return pts == o.pts && hash == o.hash; }
};

uint64_t pixel_hash(const AVFrame* frame) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (int plane = 0; plane < 3; ++plane) {
    const int w = plane == 0 ? frame->width : (frame->width + 1) / 2;
    const int rows = plane == 0 ? frame->height : (frame->height + 1) / 2;
    for (int y = 0; y < rows; ++y) {
      const uint8_t* row = frame->data[plane] + static_cast<ptrdiff_t>(y) * frame->linesize[plane];
      for (int x = 0; x < w; ++x) h = (h ^ row[x]) * 1099511628211ull;
    }
  }
  return h;
}

struct Pass {
  std::vector<Picture> pictures;
  DecodeStats stats;
};

Pass decode_pass(SegmentDecoder& decoder, const Segment& segment) {
  Pass pass;
  pass.stats = decoder.decode(segment, [&](const AVFrame* frame, int64_t pts) {
    pass.pictures.push_back({pts, pixel_hash(frame)});
    return true;
  });
  return pass;
}

// Decodes `segments` one after another with one decoder (splicing as `splice` says; `always`
// does in software what NVDEC sessions do), and each with a fresh decoder; the pictures must be
// the same. Returns the passes of the kept decoder.
std::vector<Pass> against_fresh(const std::string& name, const std::vector<Segment>& segments,
                                int threads, Splice splice = Splice::always) {
  const StreamInfo info = probe_video(media(name));
  DecodeConfig config;
  config.threads = threads;
  config.splice = splice;
  SegmentDecoder kept(info, config);
  std::vector<Pass> passes;
  for (size_t i = 0; i < segments.size(); ++i) {
    passes.push_back(decode_pass(kept, segments[i]));
    DecodeConfig flushed = config;
    flushed.splice = Splice::never;
    SegmentDecoder fresh(info, flushed);
    const Pass alone = decode_pass(fresh, segments[i]);
    EXPECT_FALSE(passes.back().pictures.empty()) << name << ", segment " << i;
    EXPECT_TRUE(passes.back().pictures == alone.pictures) << name << ", segment " << i;
    EXPECT_EQ(passes.back().stats.frames, alone.stats.frames) << name << ", segment " << i;
    EXPECT_EQ(passes.back().stats.lead_in, alone.stats.lead_in) << name << ", segment " << i;
  }
  return passes;
}

std::vector<int64_t> key_times(const std::string& name) {
  const StreamInfo info = probe_video(media(name));
  return scan_frames(info, Segment{}, false).keys;
}

// Passes forward, backward, from a key frame the last pass sent, to the end of the file and
// after it, over three IDR pictures of `name` from its key frame `first` on, decoded with
// `threads` (frame threads hold more pictures: a pass near the end of the file can then reach
// it before its first picture past its segment comes out, and drain).
void splice_sequence(const std::string& name, size_t first, const std::vector<int>& threads_list) {
  const std::vector<int64_t> k = key_times(name);
  ASSERT_GE(k.size(), first + 3) << name;
  const int64_t a = k[first], b = k[first + 1], c = k[first + 2];
  const int64_t to_the_end = Segment{}.end;
  for (int threads : threads_list) {
    const std::string what = name + ", " + std::to_string(threads) + " threads, pass ";
    // A pass reads on until a packet decodes at or after its end, and so sends the key packet
    // that ends it.
    const std::vector<Pass> passes = against_fresh(name,
                                                   {
                                                       {a, b},           // fresh
                                                       {c, c + 1},       // forward: spliced
                                                       {b, c},           // backward: spliced
                                                       {b + 1, c},       // b sent: flushed
                                                       {a, b},           // spliced
                                                       {c, to_the_end},  // spliced, drained
                                                       {a, b},           // after draining: flushed
                                                   },
                                                   threads);
    const std::vector<bool> spliced = {false, true, true, false, true, true, false};
    int64_t dropped = 0;
    for (size_t i = 0; i < passes.size(); ++i) {
      EXPECT_EQ(passes[i].stats.spliced, spliced[i]) << what << i;
      dropped += passes[i].stats.left_over;
    }
    // The passes that stopped short left pictures inside the decoder (B-pictures held for
    // reordering, and frame threads), and the splices dropped them.
    EXPECT_GT(dropped, 0) << what;
  }
}

TEST(SegmentSplice, PassesFromIdrPicturesMakeAFreshDecodersPictures) {
  splice_sequence("busy_h264.mp4", 0, {1, 4});  // IDR pictures every 48 frames
  // Matroska, a variable frame rate; the last IDR picture is 4 frames before the end.
  splice_sequence("vfr_h264.mkv", 1, {1});
}

TEST(SegmentSplice, SessionsThatDecodeInSoftwareDoNotSplice) {
  // What an NVDEC session that fell back to software (a stream NVDEC cannot decode) does.
  const std::vector<int64_t> k = key_times("busy_h264.mp4");
  ASSERT_GE(k.size(), 3u);
  const std::vector<Pass> passes = against_fresh(
      "busy_h264.mp4", {{k[0], k[1]}, {k[2], k[2] + 1}, {k[1], k[2]}}, 1, Splice::in_hardware);
  for (const Pass& pass : passes) EXPECT_FALSE(pass.stats.spliced);
}

TEST(SegmentSplice, OnlyIdrKeyFramesAreSplicedTo) {
  // Matroska: seeks land on the key frame before the begin (MPEG-TS seeks by bytes, and a pass
  // may start from an earlier key frame, the first, which is an IDR picture).
  const std::vector<int64_t> k = key_times("open_gop_h264.mkv");
  ASSERT_GE(k.size(), 4u);
  const std::vector<Pass> passes = against_fresh(
      "open_gop_h264.mkv", {{k[0], k[1]}, {k[3], k[3] + 1}, {k[1], k[3]}, {k[0], k[1]}}, 2);
  ASSERT_EQ(passes.size(), 4u);
  EXPECT_FALSE(passes[1].stats.spliced);  // recovery-point I pictures
  EXPECT_FALSE(passes[2].stats.spliced);
  EXPECT_TRUE(passes[3].stats.spliced);  // the stream's IDR picture, which that pass did not send
}

}  // namespace
}  // namespace barcode
