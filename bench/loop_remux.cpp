// Makes a long benchmark input from a short clip without re-encoding: the clip's video packets
// written N times back to back with shifted timestamps (each repetition starts with the clip's
// first key frame, so the result decodes like one long film and seeks like one).
//
//   loop_remux IN.mp4 OUT.mp4 N
#include <cstdio>
#include <cstdlib>
#include <string>

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

  // Length of one repetition: the end of its last frame.
  AVPacket* packet = av_packet_alloc();
  int64_t span = 0;
  while (av_read_frame(in, packet) >= 0) {
    if (packet->stream_index == video && packet->pts != AV_NOPTS_VALUE) {
      span = std::max(span, packet->pts + packet->duration);
    }
    av_packet_unref(packet);
  }

  AVFormatContext* out = nullptr;
  if ((rc = avformat_alloc_output_context2(&out, nullptr, nullptr, argv[2])) < 0) {
    return fail(argv[2], rc);
  }
  AVStream* out_stream = avformat_new_stream(out, nullptr);
  if ((rc = avcodec_parameters_copy(out_stream->codecpar, in_stream->codecpar)) < 0) {
    return fail("copy parameters", rc);
  }
  out_stream->codecpar->codec_tag = 0;
  out_stream->time_base = in_stream->time_base;
  if ((rc = avio_open(&out->pb, argv[2], AVIO_FLAG_WRITE)) < 0) return fail(argv[2], rc);
  if ((rc = avformat_write_header(out, nullptr)) < 0) return fail("write header", rc);
  for (int r = 0; r < repeats; ++r) {
    // Each repetition reads the clip afresh from its first packet.
    avformat_close_input(&in);
    if ((rc = avformat_open_input(&in, argv[1], nullptr, nullptr)) < 0) return fail(argv[1], rc);
    while (av_read_frame(in, packet) >= 0) {
      if (packet->stream_index != video) {
        av_packet_unref(packet);
        continue;
      }
      const int64_t shift = span * r;
      if (packet->pts != AV_NOPTS_VALUE) packet->pts += shift;
      if (packet->dts != AV_NOPTS_VALUE) packet->dts += shift;
      packet->stream_index = 0;
      av_packet_rescale_ts(packet, in_stream->time_base, out_stream->time_base);
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
