#include "video/ffmpeg_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace barcode {

namespace {
thread_local bool t_reading_first_packets = false;
}  // namespace

bool reading_first_packets() {
  return t_reading_first_packets;
}

std::string av_error_text(int rc) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(rc, text, sizeof(text));
  return text;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw Error("out of memory allocating an FFmpeg packet");
  return p;
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw Error("out of memory allocating an FFmpeg frame");
  return f;
}

FormatPtr open_media(const std::string& path) {
  // Check the file ourselves first: the messages are clearer than FFmpeg's for these cases.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw usage_error(path + ": cannot open input: " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw usage_error(path + ": input is a directory, not a movie file");
  if (access(path.c_str(), R_OK) != 0) {
    throw usage_error(path + ": cannot read input: " + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    throw usage_error(path + ": input is empty (0 bytes)");
  }
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (rc < 0) {
    throw usage_error(path + ": not a readable media file (FFmpeg: " + av_error_text(rc) + ")");
  }
  FormatPtr format(raw);
  t_reading_first_packets = true;
  rc = avformat_find_stream_info(format.get(), nullptr);
  t_reading_first_packets = false;
  if (rc < 0) {
    throw usage_error(path + ": cannot read stream information (FFmpeg: " + av_error_text(rc) +
                      ")");
  }
  return format;
}

void set_ffmpeg_log_level(bool verbose) {
  av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_FATAL);
}

}  // namespace barcode
