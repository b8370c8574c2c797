#!/usr/bin/env python3
"""Makes the integration tests' media with the ffmpeg CLI: real encoded files of every kind the
tool must handle, with known content. Idempotent: files already made are kept.

    make_media.py OUTDIR
"""
import os
import subprocess
import sys

W, H = 320, 180


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
    # Variable frame rate: 50 frames at 25 fps, then 40 frames at 10 fps.
    ffmpeg(p("vfr_h264.mkv"), "-f", "lavfi", "-i", BUSY.replace("d=5", "d=3.6"), "-vf",
           "setpts='if(lt(N,50),N*0.04,2+(N-50)*0.1)/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-preset", "veryfast", "-g", "30")
    # Odd frame size (4:4:4 so that x264 accepts it).
    ffmpeg(p("odd_318x179.mp4"), "-f", "lavfi", "-i",
           "testsrc2=s=318x179:r=25:d=3,format=yuv444p", "-c:v", "libx264", "-g", "25")

    # HDR (PQ, BT.2020, 10-bit): refused rather than washed out.
    ffmpeg(p("hdr_pq.mkv"), "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1", "-c:v", "libx265",
           "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
           "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc")

    # A DivX-era AVI: MPEG-4 part 2 from Xvid with packed B-frames (several frames in one AVI
    # chunk), packets without presentation timestamps and a last frame without any timestamp.
    ffmpeg(p("packed_xvid.avi"), "-f", "lavfi", "-i", "testsrc2=s=160x90:r=25:d=3", "-c:v",
           "libxvid", "-bf", "2", "-g", "30")

    # Video and a slightly longer audio track in MKV, 29.97 fps: the video starts after zero and
    # its DURATION tag counts from zero; the file's duration is the audio's. Complete.
    ffmpeg(p("av_h264.mkv"), "-f", "lavfi", "-i", "testsrc2=s=64x36:r=30000/1001:d=4", "-f",
           "lavfi", "-i", "sine=d=6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           "-shortest")

    # Small clips of several codecs and containers for the seeded damage test (test_fuzz.py).
    tiny = "testsrc2=s=64x36:r=25:d=2,noise=alls=8:allf=t+u"
    for name, args in FUZZ_SOURCES.items():
        ffmpeg(p(name), "-f", "lavfi", "-i", tiny, *args)

    # Bad input.
    if not os.path.exists(p("text.mp4")):
        with open(p("text.mp4"), "w") as f:
            f.write("this is a text file, not a movie\n" * 40)
    open(p("empty.mp4"), "a").close()
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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test-media")
