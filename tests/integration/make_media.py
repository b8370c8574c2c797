#!/usr/bin/env python3
"""Makes the integration tests' media with the ffmpeg CLI: real encoded files of every kind the
tool must handle, with known content. Idempotent: files already made are kept.

    make_media.py OUTDIR
"""
import os
import subprocess
import sys

W, H = 320, 180


STILL_COLOR = "3070c0"  # still.jpg and still.png


def ffmpeg(out, *args):
    if os.path.exists(out):
        return
    tmp = out + ".tmp" + os.path.splitext(out)[1]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, tmp], check=True)
    os.replace(tmp, out)


def solid_sequence(colors, frames_each, size=f"{W}x{H}", rate=25):
    """A lavfi graph: each colour shown for frames_each frames, back to back."""
    d = frames_each / rate
    # format=gbrp makes the source draw in RGB: drawn in YUV, red would come back as 253.
    inputs = "".join(f"color=c=0x{c}:s={size}:r={rate}:d={d},format=gbrp[v{i}];"
                     for i, c in enumerate(colors))
    return inputs + "".join(f"[v{i}]" for i in range(len(colors))) + f"concat=n={len(colors)}:v=1"


# Colours of the solid test clip, in order, 10 frames each (lossless RGB H.264: exact).
SOLID_COLORS = ["FF0000", "00FF00", "0000FF", "C86432", "FFFFFF", "000000"]
# Busy content: moving test pattern with noise, closer to film than flat colour.
BUSY = f"testsrc2=s={W}x{H}:r=25:d=5,noise=alls=12:allf=t+u"


def two_band_scenes(scenes, size, rate=25, frames_each=12, fade=True):
    """A lavfi graph: scenes of frames_each frames, each a top colour over a bottom band (the
    lower third) of another, fading in from and out to black when `fade`."""
    w, h = (int(v) for v in size.split("x"))
    band = h - h * 2 // 3
    d = frames_each / rate
    inputs = "".join(f"color=c=0x{top}:s={size}:r={rate}:d={d},"
                     f"drawbox=x=0:y={h - band}:w={w}:h={band}:color=0x{bottom}:t=fill[v{i}];"
                     for i, (top, bottom) in enumerate(scenes))
    graph = inputs + "".join(f"[v{i}]" for i in range(len(scenes))) + \
        f"concat=n={len(scenes)}:v=1"
    if fade:
        total = len(scenes) * d
        graph += f",fade=in:st=0:d=0.4,fade=out:st={total - 0.4:.2f}:d=0.4"
    return graph


# Letterbox and pillarbox clips: the same scenes with and without black bars, lossless 4:2:0
# H.264 (every frame a key frame), so that the picture inside the bars is exactly the clip
# without them. Two of the four scenes are dark at the top (luma under the bar limit), and the
# clip fades in and out: neither may shrink the crop.
SCOPE_SCENES = [("C86432", "3264C8"), ("040404", "505050"), ("20A040", "C86432"),
                ("060606", "3C2814")]
PILLAR_SCENES = [("3264C8", "E0C020"), ("050505", "606060"), ("C86432", "20A040"),
                 ("E0C020", "3264C8")]
# Mid-tone scenes of the HDR clips (top colour over a bottom band), all inside BT.709.
HDR_SCENES = [("B4643C", "3C78B4"), ("6E9650", "A0A0A0"), ("C8A078", "50508C"),
              ("8C3C50", "64A0A0")]
BT709_TAGS = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
HDR10_PARAMS = ("hdr10=1:max-cll=100,40:master-display=G(13250,34500)B(7500,3000)"
                "R(34000,16000)WP(15635,16450)L(10000000,50)")
# name -> (scenes, picture size, pad filter or None)
BAR_CLIPS = {
    "scope_h264.mp4": (SCOPE_SCENES, "320x132", "pad=320:180:0:24:black"),  # 2.42:1 in 16:9
    "scope_nobars_h264.mp4": (SCOPE_SCENES, "320x132", None),
    "pillar_h264.mp4": (PILLAR_SCENES, "240x180", "pad=320:180:40:0:black"),  # 4:3 in 16:9
    "pillar_nobars_h264.mp4": (PILLAR_SCENES, "240x180", None),
}


def cut_copy(source, out, percent):
    """The first `percent` % of the bytes of `source`."""
    if os.path.exists(out):
        return
    with open(source, "rb") as f:
        data = f.read()
    with open(out, "wb") as f:
        f.write(data[: len(data) * percent // 100])


# Sources of the damage test: codec and container pairs with B-frames or long GOPs where they
# have them, so that damage meets reordering, seeking and listing by decoding.
FUZZ_SOURCES = {
    "fuzz_h264.mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-bf", "2",
                      "-pix_fmt", "yuv420p"],
    "fuzz_h264.mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "3",
                      "-pix_fmt", "yuv420p"],
    "fuzz_mpeg4.avi": ["-c:v", "mpeg4", "-q:v", "4", "-g", "12", "-bf", "2"],
    "fuzz_xvid.avi": ["-c:v", "libxvid", "-bf", "2", "-g", "12"],
    "fuzz_vp9.webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "12"],
    "fuzz_mpeg2.ts": ["-c:v", "mpeg2video", "-q:v", "4", "-g", "12", "-bf", "2"],
}

# Codecs with edge emulation and B-frames or long GOPs, at an odd size (see main).
ODD_420_SOURCES = {
    "odd420_h264.mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "12",
                        "-pix_fmt", "yuv420p"],
    "odd420_h264_10bit.mkv": ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "12",
                              "-pix_fmt", "yuv420p10le"],
    "odd420_hevc_10bit.mkv": ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                              "keyint=12:bframes=2:log-level=error", "-pix_fmt", "yuv420p10le"],
    "odd420_mpeg4.avi": ["-c:v", "mpeg4", "-q:v", "4", "-g", "12", "-bf", "2"],
    "odd420_vp9.webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g",
                        "12", "-pix_fmt", "yuv420p"],
    "odd420_mjpeg.avi": ["-c:v", "mjpeg", "-q:v", "4", "-pix_fmt", "yuvj420p"],
}


# Phone video: clips whose header says to show the picture turned (a display matrix), each with
# its twin made as shown (the pixels themselves turned by the ffmpeg CLI), lossless 4:2:0 H.264.
# The picture is asymmetric (testsrc2) and pillarboxed, so that a wrong turn or mirror, or a
# crop taken along the wrong axis, changes the tiles. name -> (rotate tag or display matrix,
# how the CLI makes the twin)
TURN_BASE = "turn_base.mp4"
TURNED_CLIPS = {
    "turn90.mp4": ("rotate=90", []),  # the CLI turns it as its players show it
    "turn180.mp4": ("rotate=180", []),
    "turn270.mp4": ("rotate=270", []),
    # Transposed: a quarter turn and a mirror, which no rotate tag says (the matrix is written
    # into the track header), made as shown by the transpose filter.
    "turn_transpose.mp4": ([0, 0x10000, 0, 0x10000, 0, 0, 0, 0, 1 << 30],
                           ["-vf", "transpose=cclock_flip"]),
    # 45 degrees: not followed, the tiles are those of the picture as stored.
    "turn45.mp4": ("rotate=45", None),
}


def with_track_matrix(source, out, matrix):
    """A copy of the MP4 `source` whose (first) track header holds the display `matrix`."""
    import struct
    if os.path.exists(out):
        return
    with open(source, "rb") as f:
        data = bytearray(f.read())
    at = data.find(b"tkhd")
    # After the box type: version and flags, then the times, id and duration (v0: 4 bytes
    # each, v1: 8), reserved, layer, group, volume, reserved, and the 3x3 matrix.
    at += 4 + (40 if data[at + 4] == 0 else 52)
    data[at:at + 36] = struct.pack(">9i", *matrix)
    with open(out, "wb") as f:
        f.write(bytes(data))


def turned_clips(p):
    ffmpeg(p(TURN_BASE), "-f", "lavfi", "-i",
           "testsrc2=s=240x180:r=25:d=1,format=yuv420p,pad=320:180:40:0:black",
           "-c:v", "libx264", "-qp", "0", "-g", "1", "-pix_fmt", "yuv420p")
    for name, (turn, twin) in TURNED_CLIPS.items():
        if isinstance(turn, str):
            ffmpeg(p(name), "-i", p(TURN_BASE), "-c", "copy", "-metadata:s:v:0", turn)
        else:
            with_track_matrix(p(TURN_BASE), p(name), turn)
        if twin is not None:
            source = p(TURN_BASE) if twin else p(name)
            ffmpeg(p("shown_" + name), "-i", source, *twin, "-c:v", "libx264", "-qp", "0",
                   "-g", "1", "-pix_fmt", "yuv420p")
    # A phone's portrait clip as NVDEC decodes it (lossless H.264 is a profile NVDEC lacks):
    # lossy, B-frames, turned a quarter clockwise.
    ffmpeg(p("turn_busy_h264.mp4"), "-i", p("busy_h264.mp4"), "-c", "copy", "-metadata:s:v:0",
           "rotate=270")


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)

    # Known colours, lossless: exact colours must come out.
    ffmpeg(p("solid_rgb.mkv"), "-f", "lavfi", "-i", solid_sequence(SOLID_COLORS, 10),
           "-c:v", "libx264rgb", "-qp", "0", "-g", "12")
    # Regions of known proportions: 60% red, 30% blue, 10% green (by width), lossless.
    ffmpeg(p("regions_rgb.mkv"), "-f", "lavfi", "-i",
           f"color=c=red:s={W}x{H}:r=25:d=1,format=gbrp,"
           f"drawbox=x=192:y=0:w=96:h={H}:color=blue:t=fill,"
           f"drawbox=x=288:y=0:w=32:h={H}:color=lime:t=fill",
           "-c:v", "libx264rgb", "-qp", "0")
    # Horizontal bands: the top half red, the bottom half blue, lossless (the smooth style).
    ffmpeg(p("bands_rgb.mkv"), "-f", "lavfi", "-i",
           f"color=c=red:s={W}x{H}:r=25:d=1,format=gbrp,"
           f"drawbox=x=0:y={H // 2}:w={W}:h={H // 2}:color=blue:t=fill",
           "-c:v", "libx264rgb", "-qp", "0")
    # Codecs and containers for segment exactness; B-frames and long GOPs where the codec has them.
    ffmpeg(p("busy_h264.mp4"), "-f", "lavfi", "-i", BUSY, "-c:v", "libx264", "-preset", "veryfast",
           "-pix_fmt", "yuv420p", "-g", "48", "-bf", "3")
    ffmpeg(p("busy_hevc.mkv"), "-f", "lavfi", "-i", BUSY, "-c:v", "libx265", "-preset", "ultrafast",
           "-x265-params", "keyint=40:open-gop=1:bframes=4:log-level=error", "-pix_fmt", "yuv420p")
    ffmpeg(p("busy_mpeg4.avi"), "-f", "lavfi", "-i", BUSY, "-c:v", "mpeg4", "-q:v", "5", "-g", "30",
           "-bf", "2")
    ffmpeg(p("busy_vp9.webm"), "-f", "lavfi", "-i", BUSY.replace("d=5", "d=3"), "-c:v", "libvpx-vp9",
           "-deadline", "realtime", "-cpu-used", "8", "-g", "30")
    ffmpeg(p("long_gop_h264.mkv"), "-f", "lavfi", "-i", BUSY.replace("d=5", "d=8"), "-c:v", "libx264",
           "-preset", "ultrafast", "-g", "250", "-bf", "2")
    # Open GOPs in MPEG-TS (start codes) and Matroska: key frames after the first are
    # recovery-point I pictures, not IDR pictures, and the B-pictures before them refer across.
    ffmpeg(p("open_gop_h264.ts"), "-f", "lavfi", "-i", BUSY, "-c:v", "libx264", "-preset",
           "veryfast", "-x264-params", "open-gop=1:keyint=24:min-keyint=24:scenecut=0:bframes=3",
           "-pix_fmt", "yuv420p")
    ffmpeg(p("open_gop_h264.mkv"), "-i", p("open_gop_h264.ts"), "-c", "copy")  # seeks exactly
    # Long enough that a run still has seconds of decoding and clustering left when a signal
    # comes (test_resume's stop-within-seconds test): 60 s of changing picture, one key frame.
    ffmpeg(p("minute_h264.mp4"), "-f", "lavfi", "-i",
           "testsrc2=s=480x270:r=25:d=60,hue=H=2*PI*t/7:s=1.5", "-c:v", "libx264", "-preset",
           "ultrafast", "-g", "1500", "-pix_fmt", "yuv420p")
    # Uneven work: 12 s of a Mandelbrot zoom, whose frames take long to cluster with many
    # clusters and restarts, then 12 s of one flat colour, which takes almost nothing. Two ranks
    # get one half each: the second finishes long before the first (test_balance).
    ffmpeg(p("uneven_h264.mp4"), "-f", "lavfi", "-i", "mandelbrot=s=320x180:r=25,trim=duration=12",
           "-f", "lavfi", "-i", "color=c=0x2040a0:s=320x180:r=25:d=12", "-filter_complex",
           "[0:v][1:v]concat=n=2:v=1,format=yuv420p[v]", "-map", "[v]", "-c:v", "libx264",
           "-preset", "ultrafast", "-g", "25")
    # Variable frame rate: 50 frames at 25 fps, then 40 frames at 10 fps.
    ffmpeg(p("vfr_h264.mkv"), "-f", "lavfi", "-i", BUSY.replace("d=5", "d=3.6"), "-vf",
           "setpts='if(lt(N,50),N*0.04,2+(N-50)*0.1)/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-preset", "veryfast", "-g", "30")
    # Odd frame size (4:4:4 so that x264 accepts it).
    ffmpeg(p("odd_318x179.mp4"), "-f", "lavfi", "-i",
           "testsrc2=s=318x179:r=25:d=3,format=yuv444p", "-c:v", "libx264", "-g", "25")

    for name, (scenes, size, pad) in BAR_CLIPS.items():
        graph = two_band_scenes(scenes, size) + ",format=yuv420p" + (f",{pad}" if pad else "")
        ffmpeg(p(name), "-f", "lavfi", "-i", graph, "-c:v", "libx264", "-qp", "0", "-g", "1",
               "-pix_fmt", "yuv420p")

    # HDR (PQ, BT.2020, 10-bit) without metadata: tone-mapped with the default source peak.
    ffmpeg(p("hdr_pq.mkv"), "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1", "-c:v", "libx265",
           "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
           "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc")
    # HDR 4:2:2 (only 4:2:0 is tone-mapped): refused rather than washed out.
    ffmpeg(p("hdr_pq_422.mkv"), "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=0.2", "-c:v",
           "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt",
           "yuv422p10le", "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace",
           "bt2020nc")
    # PQ and HLG made from an SDR clip of known mid-tone colours by zscale (display-referred:
    # SDR white at 100 cd/m2), 10-bit HEVC, lossless, with MaxCLL 100 (and, for PQ, a mastering
    # display) in the SEI; and FFmpeg's own tone mapping of them back to SDR (zscale + tonemap).
    ffmpeg(p("hdr_sdr_source.mkv"), "-f", "lavfi", "-i",
           two_band_scenes(HDR_SCENES, f"{W}x{H}", fade=False) + ",format=yuv420p",
           "-c:v", "libx264", "-qp", "0", "-g", "1", *BT709_TAGS)
    to_linear = "zscale=tin=bt709:pin=bt709:min=bt709:rin=tv:t=linear:npl=100,format=gbrpf32le"
    for name, transfer, params in (("hdr_pq_scenes.mkv", "smpte2084", HDR10_PARAMS),
                                   ("hdr_hlg_scenes.mkv", "arib-std-b67", "max-cll=100,40")):
        ffmpeg(p(name), "-i", p("hdr_sdr_source.mkv"), "-vf",
               f"{to_linear},zscale=p=bt2020:t={transfer}:m=bt2020nc:r=tv,format=yuv420p10le",
               "-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
               f"log-level=error:lossless=1:keyint=5:{params}", "-color_trc", transfer,
               "-color_primaries", "bt2020", "-colorspace", "bt2020nc")
        ffmpeg(p(name.replace(".mkv", "_ffmpeg_sdr.mkv")), "-i", p(name), "-vf",
               "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
               "tonemap=tonemap=clip:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p",
               "-c:v", "ffv1", *BT709_TAGS)

    # A DivX-era AVI: MPEG-4 part 2 from Xvid with packed B-frames (several frames in one AVI
    # chunk), packets without presentation timestamps and a last frame without any timestamp.
    ffmpeg(p("packed_xvid.avi"), "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=3", "-c:v",
           "libxvid", "-bf", "2", "-g", "30")

    # Video and a slightly longer audio track in MKV, 29.97 fps: the video starts after zero and
    # its DURATION tag counts from zero; the file's duration is the audio's. Complete.
    ffmpeg(p("av_h264.mkv"), "-f", "lavfi", "-i", "testsrc2=s=64x36:r=30000/1001:d=4", "-f",
           "lavfi", "-i", "sine=d=6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           "-shortest")

    # Pictures of sizes no codec block divides (170x98), 4:2:0 in 8 and 10 bits, for decoding
    # into the tool's own picture memory (tests/unit/picture_memory_test.cpp): a second each.
    small = "testsrc2=s=170x98:r=25:d=1,noise=alls=8:allf=t+u"
    for name, args in ODD_420_SOURCES.items():
        ffmpeg(p(name), "-f", "lavfi", "-i", small, *args)
    # H.264 in MPEG-TS whose picture size changes midway (two clips joined by the concat
    # protocol): the decoder asks for pictures of a new size.
    if not os.path.exists(p("size_change_h264.ts")):
        for part, (size, offset) in enumerate((("170x98", "0"), ("128x72", "0.6"))):
            ffmpeg(p(f"size_part{part}.ts"), "-f", "lavfi", "-i",
                   f"testsrc2=s={size}:r=25:d=0.6,noise=alls=8:allf=t+u", "-c:v", "libx264",
                   "-preset", "ultrafast", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p",
                   "-output_ts_offset", offset)
        ffmpeg(p("size_change_h264.ts"), "-i",
               f"concat:{p('size_part0.ts')}|{p('size_part1.ts')}", "-c", "copy")

    # Small clips of several codecs and containers for the seeded damage test (test_fuzz.py).
    tiny = "testsrc2=s=64x36:r=25:d=2,noise=alls=8:allf=t+u"
    for name, args in FUZZ_SOURCES.items():
        ffmpeg(p(name), "-f", "lavfi", "-i", tiny, *args)

    # Bad input.
    if not os.path.exists(p("text.mp4")):
        with open(p("text.mp4"), "w") as f:
            f.write("this is a text file, not a movie\n" * 40)
    open(p("empty.mp4"), "a").close()
    # Variable frame rate with a gap: 2 s of frames, nothing for 8 s, 2 s more (a complete file).
    ffmpeg(p("gap_h264.flv"), "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=4", "-vf",
           "setpts=PTS+gte(T\\,2)*8/TB", "-fps_mode", "passthrough", "-c:v", "libx264",
           "-preset", "veryfast", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p")
    # Still images: one picture, timed at 0. FFmpeg reads this JPEG with its image2 demuxer
    # (others with jpeg_pipe, by their content), the PNG with png_pipe.
    ffmpeg(p("still.jpg"), "-f", "lavfi", "-i", "testsrc=s=320x240:d=1", "-frames:v", "1")
    ffmpeg(p("still.png"), "-f", "lavfi", "-i",
           f"color=c=0x{STILL_COLOR}:s=320x180:d=1,format=rgb24", "-frames:v", "1")
    ffmpeg(p("audio_only.m4a"), "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac")
    if not os.path.exists(p("truncated.mkv")):
        ffmpeg(p("truncated_src.mkv"), "-i", p("busy_h264.mp4"), "-c", "copy")
        with open(p("truncated_src.mkv"), "rb") as f:
            data = f.read()
        with open(p("truncated.mkv"), "wb") as f:
            f.write(data[: len(data) * 55 // 100])
    # Cut short and zeroed copies that read to a clean end of file: only the header's length
    # (AVI frame count, Matroska DURATION tag) shows that frames are missing.
    for percent in (10, 50, 90):
        cut_copy(p("busy_mpeg4.avi"), p(f"cut{percent}_mpeg4.avi"), percent)
    cut_copy(p("truncated_src.mkv"), p("cut90_h264.mkv"), 90)
    if not os.path.exists(p("zeroed_mpeg4.avi")):
        with open(p("busy_mpeg4.avi"), "rb") as f:
            data = bytearray(f.read())
        start = len(data) // 3
        data[start:start + 20000] = bytes(20000)
        with open(p("zeroed_mpeg4.avi"), "wb") as f:
            f.write(bytes(data))
    if not os.path.exists(p("corrupt_h264.mp4")):
        # Garbage over a stretch in the middle of the media data: the container still indexes
        # every packet, but some packets no longer decode.
        with open(p("busy_h264.mp4"), "rb") as f:
            data = bytearray(f.read())
        start = len(data) // 2
        for i in range(start, start + 4000):
            data[i] = (i * 7919) & 0xFF
        with open(p("corrupt_h264.mp4"), "wb") as f:
            f.write(bytes(data))
    turned_clips(p)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test-media")
