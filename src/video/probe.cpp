#include "video/probe.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/error.h"
#include "video/ffmpeg_util.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace barcode {
namespace {

// Names the kinds of streams a file has, for the "no video stream" message.
std::string stream_kinds(const AVFormatContext* format) {
  std::string kinds;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* st = format->streams[i];
    std::string kind = av_get_media_type_string(st->codecpar->codec_type)
                           ? av_get_media_type_string(st->codecpar->codec_type)
                           : "unknown";
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) kind = "cover picture";
    if (!kinds.empty()) kinds += ", ";
    kinds += kind;
  }
  return kinds.empty() ? "none" : kinds;
}

// Seconds of a Matroska DURATION tag ("HH:MM:SS.nnnnnnnnn"), or a negative value.
double parse_duration_tag(const AVStream* st) {
  const AVDictionaryEntry* tag = av_dict_get(st->metadata, "DURATION", nullptr, 0);
  if (!tag || !tag->value) return -1.0;
  int hours = 0, minutes = 0;
  double seconds = 0.0;
  if (std::sscanf(tag->value, "%d:%d:%lf", &hours, &minutes, &seconds) != 3) return -1.0;
  if (hours < 0 || minutes < 0 || seconds < 0) return -1.0;
  return hours * 3600.0 + minutes * 60.0 + seconds;
}

// The end of the video stream as the container's header states it (see StreamInfo).
int64_t stated_video_end(AVStream* st, const StreamInfo& info) {
  int64_t end = 0;
  // Frames times the exact frame duration (a rounded one would overstate a long VFR film).
  const AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0
                              ? st->avg_frame_rate
                              : st->r_frame_rate;
  const int entries = avformat_index_get_entries_count(st);
  if (st->nb_frames > 0 && rate.num > 0 && rate.den > 0) {
    // An MP4 cut by stream copy counts the frames its edit list hides (the decoder's lead-in
    // from the key frame before the cut): they precede the start and take no screen time.
    int64_t shown = st->nb_frames;
    for (int i = 0; i < entries; ++i) {
      const AVIndexEntry* entry = avformat_index_get_entry(st, i);
      if (entry && (entry->flags & AVINDEX_DISCARD_FRAME)) --shown;
    }
    if (shown > 0) {
      end = std::max(end, info.start_pts + av_rescale_q(shown, av_inv_q(rate), st->time_base));
    }
  }
  const double tagged = parse_duration_tag(st);
  if (tagged > 0) {
    // Muxers differ on whether it counts from the stream's first frame or from zero: take the
    // shorter reading.
    const auto ticks = static_cast<int64_t>(tagged / av_q2d(st->time_base));
    end = std::max(end, std::min(ticks, info.start_pts + ticks));
  }
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    end = std::max(end, info.start_pts + st->duration);
  }
  if (entries > 0) {
    const AVIndexEntry* last = avformat_index_get_entry(st, entries - 1);
    if (last && last->timestamp != AV_NOPTS_VALUE) {
      end = std::max(end, last->timestamp + info.frame_ticks);
    }
  }
  return end;
}

// The stream's display matrix (9 entries), or nullptr when its header has none.
const int32_t* display_matrix(const AVStream* st) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
  const AVPacketSideData* side = av_packet_side_data_get(
      st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
  if (!side || side->size < 9 * sizeof(int32_t)) return nullptr;
  return reinterpret_cast<const int32_t*>(side->data);
#else
  size_t size = 0;
  const uint8_t* data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!data || size < 9 * sizeof(int32_t)) return nullptr;
  return reinterpret_cast<const int32_t*>(data);
#endif
}

}  // namespace

StreamInfo probe_video(const std::string& path) {
  FormatPtr format = open_media(path);
  int best = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* st = format->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;  // cover art is not the film
    if (best < 0 ||
        st->codecpar->width * st->codecpar->height >
            format->streams[best]->codecpar->width * format->streams[best]->codecpar->height) {
      best = static_cast<int>(i);
    }
  }
  if (best < 0) {
    throw usage_error(path + ": no video stream (streams: " + stream_kinds(format.get()) + ")");
  }
  const AVStream* st = format->streams[best];
  const AVCodecParameters* par = st->codecpar;
  if (!avcodec_find_decoder(par->codec_id)) {
    throw usage_error(path + ": no decoder for video codec " + avcodec_get_name(par->codec_id));
  }
  if (par->width <= 0 || par->height <= 0) {
    throw usage_error(path + ": video stream has no frame size (corrupt header?)");
  }
  // HDR transfer curves are tone-mapped to SDR (color/tonemap.h) by the 4:2:0 tile conversion,
  // the CPU's and the GPU's; other layouts would come out washed out: refuse them.
  const bool hdr =
      par->color_trc == AVCOL_TRC_SMPTE2084 || par->color_trc == AVCOL_TRC_ARIB_STD_B67;
  const auto layout = static_cast<AVPixelFormat>(par->format);
  if (hdr && layout != AV_PIX_FMT_YUV420P10LE && layout != AV_PIX_FMT_YUV420P &&
      layout != AV_PIX_FMT_P010LE && layout != AV_PIX_FMT_NV12) {
    const char* name = av_get_pix_fmt_name(layout);
    throw usage_error(path + ": HDR video (" +
                      (par->color_trc == AVCOL_TRC_SMPTE2084 ? "PQ" : "HLG") +
                      " transfer) in pixel format " + (name ? name : "unknown") +
                      " is not supported: only 4:2:0 HDR is tone-mapped. Tone-map it to SDR "
                      "first, e.g. ffmpeg -i IN -vf zscale=t=linear:npl=100,tonemap=hable,"
                      "zscale=p=bt709:t=bt709:m=bt709:r=tv,format=yuv420p OUT");
  }
  StreamInfo info;
  info.path = path;
  info.stream_index = best;
  info.codec = avcodec_get_name(par->codec_id);
  const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  info.pix_fmt = pix ? pix : "unknown";
  info.color_trc = par->color_trc;
  info.width = par->width;
  info.height = par->height;
  // The container's pixel aspect first, as FFmpeg's players take it (an MP4's or MOV's pasp
  // box, Matroska's display size), the stream's own where the container states none.
  const AVRational sar =
      av_guess_sample_aspect_ratio(format.get(), const_cast<AVStream*>(st), nullptr);
  if (sar.num > 0 && sar.den > 0) info.sar = sar;
  if (const int32_t* matrix = display_matrix(st)) {
    if (!orientation_of_display_matrix(matrix, &info.orientation)) {
      // A zero determinant takes in the zero columns for which FFmpeg's angle is NaN.
      const double determinant =
          static_cast<double>(matrix[0]) * matrix[4] - static_cast<double>(matrix[1]) * matrix[3];
      if (determinant != 0) {
        info.unfollowed_turn = av_display_rotation_get(matrix);
      } else {
        info.degenerate_turn = true;
      }
    }
  }
  info.time_base = st->time_base;
  if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) {
    info.frame_rate = av_q2d(st->avg_frame_rate);
  } else if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0) {
    info.frame_rate = av_q2d(st->r_frame_rate);
  }
  if (info.frame_rate > 0) {
    info.frame_ticks = std::max<int64_t>(
        1, static_cast<int64_t>(1.0 / (info.frame_rate * av_q2d(st->time_base)) + 0.5));
  }
  info.start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    info.end_pts = info.start_pts + st->duration;
  } else if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
    info.end_pts = info.start_pts + av_rescale_q(format->duration, AV_TIME_BASE_Q, st->time_base);
  }
  if (info.end_pts > info.start_pts) {
    info.duration = to_seconds(info.end_pts - info.start_pts, info.time_base);
  }
  info.duration_is_the_videos =
      format->nb_streams == 1 && format->duration_estimation_method == AVFMT_DURATION_FROM_STREAM;
  info.stated_end_pts = stated_video_end(format->streams[best], info);
  // Look at the first packets: does the container give presentation timestamps?
  PacketPtr packet = make_packet();
  for (int seen = 0; seen < 64 && av_read_frame(format.get(), packet.get()) >= 0;) {
    if (packet->stream_index == best) {
      ++seen;
      if (packet->pts == AV_NOPTS_VALUE) info.packets_have_pts = false;
    }
    av_packet_unref(packet.get());
  }
  struct stat file_stat {};
  if (stat(path.c_str(), &file_stat) == 0) {
    info.file_size = static_cast<int64_t>(file_stat.st_size);
    info.file_mtime = static_cast<int64_t>(file_stat.st_mtime);
  }
  return info;
}

}  // namespace barcode
