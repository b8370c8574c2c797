// The tool-free control of the scaling benchmarks: what FFmpeg's own decoders reach on this
// host, with none of barcode_mpi's pipeline (no planning, pools, sinks, MPI or clustering).
// Several decoders run at once, each a thread with its own demuxer and codec context, each
// starting at its own place in the file and going round it until the window ends:
//   - NVDEC decoders (FFmpeg's CUDA hwaccel on the first visible GPU), pictures left on the GPU;
//   - software decoders, one thread each (FFmpeg's own picture pools).
// Frames are counted over one window of wall time that starts once every decoder has its first
// picture, so set-up does not count. Run one process per GPU (CUDA_VISIBLE_DEVICES, taskset) to
// see what the host gives several GPUs at once.
//
//   decode_control FILE NVDEC SOFTWARE SECONDS
// Output: one line, "nvdec N: F frames/s, software M: F frames/s, total F frames/s".
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/hwcontext.h>
}

namespace {

using Clock = std::chrono::steady_clock;

// What every decoder thread shares: the start line and the window's end.
struct Race {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::string failure;

  void fail(const std::string& what) {
    const std::lock_guard<std::mutex> lock(failure_mutex);
    if (failure.empty()) failure = what;
    stop = true;
  }
};

std::string error_text(int rc) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(rc, text, sizeof(text));
  return text;
}

AVPixelFormat cuda_format(AVCodecContext*, const AVPixelFormat* formats) {
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_CUDA) return *f;
  }
  return AV_PIX_FMT_NONE;  // no NVDEC for this stream: the decoder fails, which is reported
}

// One decoder: opens the file, seeks to `start` (a fraction of the duration), reaches its first
// picture, waits for the start line, then counts pictures until the window ends.
void decode(const char* path, AVBufferRef* cuda, double start, Race* race, int64_t* frames) {
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVPacket* packet = av_packet_alloc();
  AVFrame* picture = av_frame_alloc();
  bool counted_in = false;
  try {
    int rc = avformat_open_input(&format, path, nullptr, nullptr);
    if (rc < 0) throw std::string("opening: ") + error_text(rc);
    if ((rc = avformat_find_stream_info(format, nullptr)) < 0)
      throw std::string("reading stream info: ") + error_text(rc);
    const AVCodec* decoder = nullptr;
    const int stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (stream < 0 || !decoder) throw std::string("no video stream");
    codec = avcodec_alloc_context3(decoder);
    if (!codec) throw std::string("out of memory");
    if ((rc = avcodec_parameters_to_context(codec, format->streams[stream]->codecpar)) < 0)
      throw std::string("codec parameters: ") + error_text(rc);
    if (cuda) {
      codec->hw_device_ctx = av_buffer_ref(cuda);
      codec->get_format = cuda_format;
    } else {
      codec->thread_count = 1;
    }
    if ((rc = avcodec_open2(codec, decoder, nullptr)) < 0)
      throw std::string("opening the decoder: ") + error_text(rc);
    if (format->duration > 0 && start > 0) {
      const auto at = static_cast<int64_t>(start * static_cast<double>(format->duration));
      if ((rc = avformat_seek_file(format, -1, INT64_MIN, at, at, 0)) < 0)
        throw std::string("seeking: ") + error_text(rc);
    }
    bool counting = false;
    while (!race->stop) {
      rc = av_read_frame(format, packet);
      if (rc == AVERROR_EOF) {
        // Round the file again: drain the decoder, then start over from the beginning.
        avcodec_send_packet(codec, nullptr);
        while (avcodec_receive_frame(codec, picture) >= 0) {
          if (counting) ++*frames;
          av_frame_unref(picture);
        }
        avcodec_flush_buffers(codec);
        if ((rc = avformat_seek_file(format, -1, INT64_MIN, 0, 0, 0)) < 0)
          throw std::string("seeking to the start: ") + error_text(rc);
        continue;
      }
      if (rc < 0) throw std::string("reading: ") + error_text(rc);
      if (packet->stream_index != stream) {
        av_packet_unref(packet);
        continue;
      }
      rc = avcodec_send_packet(codec, packet);
      av_packet_unref(packet);
      if (rc < 0 && rc != AVERROR(EAGAIN)) throw std::string("decoding: ") + error_text(rc);
      while ((rc = avcodec_receive_frame(codec, picture)) >= 0) {
        av_frame_unref(picture);
        if (counting) {
          ++*frames;
        } else if (!counted_in) {
          // First picture: this decoder is ready; wait for the others before counting.
          counted_in = true;
          ++race->ready;
          while (!race->go && !race->stop)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          counting = true;
        }
      }
      if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
        throw std::string("receiving a picture: ") + error_text(rc);
    }
  } catch (const std::string& what) {
    race->fail(std::string(path) + (cuda ? " (NVDEC): " : " (software): ") + what);
  }
  if (!counted_in) ++race->ready;  // a failed decoder does not hold the others back
  av_frame_free(&picture);
  av_packet_free(&packet);
  avcodec_free_context(&codec);
  avformat_close_input(&format);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: decode_control FILE NVDEC SOFTWARE SECONDS\n");
    return 2;
  }
  const char* path = argv[1];
  const int nvdec = std::atoi(argv[2]);
  const int software = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  if (nvdec < 0 || software < 0 || nvdec + software < 1 || !(seconds > 0)) {
    std::fprintf(stderr, "decode_control: need at least one decoder and a window above 0 s\n");
    return 2;
  }
  av_log_set_level(AV_LOG_ERROR);
  AVBufferRef* cuda = nullptr;
  if (nvdec > 0) {
    const int rc = av_hwdevice_ctx_create(&cuda, AV_HWDEVICE_TYPE_CUDA, nullptr, nullptr, 0);
    if (rc < 0) {
      std::fprintf(stderr, "decode_control: opening the CUDA device: %s\n", error_text(rc).c_str());
      return 1;
    }
  }
  const int decoders = nvdec + software;
  Race race;
  std::vector<int64_t> frames(static_cast<size_t>(decoders), 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < decoders; ++i) {
    const double start = static_cast<double>(i) / decoders;
    threads.emplace_back(decode, path, i < nvdec ? cuda : nullptr, start, &race,
                         &frames[static_cast<size_t>(i)]);
  }
  while (race.ready < decoders) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto begin = Clock::now();
  race.go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  race.stop = true;
  const double window = std::chrono::duration<double>(Clock::now() - begin).count();
  for (std::thread& t : threads) t.join();
  av_buffer_unref(&cuda);
  if (!race.failure.empty()) {
    std::fprintf(stderr, "decode_control: %s\n", race.failure.c_str());
    return 1;
  }
  double hw = 0, sw = 0;
  for (int i = 0; i < decoders; ++i) (i < nvdec ? hw : sw) += static_cast<double>(frames[i]);
  std::printf("nvdec %d: %.0f frames/s, software %d: %.0f frames/s, total %.0f frames/s\n", nvdec,
              hw / window, software, sw / window, (hw + sw) / window);
  return 0;
}
