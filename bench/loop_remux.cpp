// Makes a long benchmark input from a short clip without re-encoding: the clip's video packets
// written N times back to back with shifted timestamps (each repetition starts with the clip's
// first key frame, so the result decodes like one long film and seeks like one).
//
//   loop_remux IN OUT N      (MP4 or Matroska, in and out)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

namespace {

int fail(const std::string& what, int rc) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(rc, text, sizeof(text));
  std::fprintf(stderr, "loop_remux: %s: %s\n", what.c_str(), text);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: loop_remux IN OUT N\n");
    return 2;
  }
  const int repeats = std::atoi(argv[3]);
  AVFormatContext* in = nullptr;
  int rc = avformat_open_input(&in, argv[1], nullptr, nullptr);
  if (rc < 0) return fail(argv[1], rc);
  if ((rc = avformat_find_stream_info(in, nullptr)) < 0) return fail(argv[1], rc);
  const int video = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video < 0) return fail(std::string(argv[1]) + ": no video", video);
  AVStream* in_stream = in->streams[video];

  const AVRational tb = in_stream->time_base;  // in_stream goes with the first `in`
  // One frame's duration, for packets that state none (Matroska's often do not).
  const AVRational rate =
      in_stream->avg_frame_rate.num > 0 ? in_stream->avg_frame_rate : in_stream->r_frame_rate;
  const int64_t frame_ticks =
      rate.num > 0 ? std::max<int64_t>(1, av_rescale_q(1, av_inv_q(rate), tb)) : 1;

  // Length of one repetition: the end of its last frame. Decode timestamps are made anew from
  // the presentation timestamps (the i-th packet decodes at the (i - delay)-th presentation
  // time), since Matroska leaves those of the first packets unset and the muxer needs them
  // increasing across the repetitions ("non monotonically increasing dts" otherwise).
  AVPacket* packet = av_packet_alloc();
  int64_t span = 0;
  std::vector<int64_t> pts;  // of the video packets, in decode order
  while (av_read_frame(in, packet) >= 0) {
    if (packet->stream_index == video) {
      if (packet->pts == AV_NOPTS_VALUE) {
        std::fprintf(stderr, "loop_remux: %s: a video packet has no timestamp\n", argv[1]);
        return 1;
      }
      pts.push_back(packet->pts);
      span = std::max(span, packet->pts + (packet->duration > 0 ? packet->duration : frame_ticks));
    }
    av_packet_unref(packet);
  }
  std::vector<int64_t> presented = pts;
  std::sort(presented.begin(), presented.end());
  int64_t delay = 0;  // frames of reordering: decode never runs ahead of presentation
  for (size_t j = 0; j < pts.size(); ++j) {
    const auto shown =
        std::lower_bound(presented.begin(), presented.end(), pts[j]) - presented.begin();
    delay = std::max<int64_t>(delay, static_cast<int64_t>(j) - shown);
  }
  const auto dts_of = [&](int64_t j) {
    return j >= delay ? presented[static_cast<size_t>(j - delay)]
                      : presented.front() - (delay - j) * frame_ticks;
  };

  AVFormatContext* out = nullptr;
  if ((rc = avformat_alloc_output_context2(&out, nullptr, nullptr, argv[2])) < 0) {
    return fail(argv[2], rc);
  }
  AVStream* out_stream = avformat_new_stream(out, nullptr);
  if ((rc = avcodec_parameters_copy(out_stream->codecpar, in_stream->codecpar)) < 0) {
    return fail("copy parameters", rc);
  }
  out_stream->codecpar->codec_tag = 0;
  out_stream->time_base = tb;
  if ((rc = avio_open(&out->pb, argv[2], AVIO_FLAG_WRITE)) < 0) return fail(argv[2], rc);
  if ((rc = avformat_write_header(out, nullptr)) < 0) return fail("write header", rc);
  for (int r = 0; r < repeats; ++r) {
    // Each repetition reads the clip afresh from its first packet.
    avformat_close_input(&in);
    if ((rc = avformat_open_input(&in, argv[1], nullptr, nullptr)) < 0) return fail(argv[1], rc);
    int64_t index = 0;  // of the video packet within the repetition
    while (av_read_frame(in, packet) >= 0) {
      if (packet->stream_index != video) {
        av_packet_unref(packet);
        continue;
      }
      if (index >= static_cast<int64_t>(pts.size())) break;  // the file grew meanwhile
      const int64_t shift = span * r;
      packet->pts = pts[static_cast<size_t>(index)] + shift;
      packet->dts = dts_of(index) + shift;
      if (packet->duration <= 0) packet->duration = frame_ticks;
      ++index;
      packet->stream_index = 0;
      av_packet_rescale_ts(packet, tb, out_stream->time_base);
      packet->pos = -1;
      if ((rc = av_interleaved_write_frame(out, packet)) < 0) return fail("write", rc);
    }
  }
  if ((rc = av_write_trailer(out)) < 0) return fail("trailer", rc);
  avio_closep(&out->pb);
  avformat_free_context(out);
  av_packet_free(&packet);
  avformat_close_input(&in);
  return 0;
}
