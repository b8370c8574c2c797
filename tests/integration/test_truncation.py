"""Never reported complete while frames are missing: files cut short or zeroed that read to a
clean end of file are found by what their header states (exit 3, truncated=1, the gap marked);
complete files are never taken for truncated ones (--keyframes, a DivX-era AVI with packed
B-frames), and every frame FFmpeg decodes from a valid file is listed and written. A Matroska
block lost where FFmpeg reads the first packets at open is damage too; an element of the header
FFmpeg does not know is not."""
import subprocess
import unittest

import numpy as np

from common import ToolTest, ffprobe_frames, media, read_h5, run_tool

INCOMPLETE = 3


class Truncation(ToolTest):
    def run_incomplete(self, movie, ranks):
        out = self.out(f"{movie}.{ranks}.h5")
        result = run_tool([media(movie), "-o", out, "--overwrite"], ranks)
        self.assertEqual(result.returncode, INCOMPLETE, f"{movie} on {ranks} ranks:\n"
                         f"{result.stderr}")
        self.assertIn(movie, result.stderr)
        return read_h5(out), result.stderr

    def test_cut_files_are_incomplete_and_the_gap_is_marked(self):
        # (file, seconds the header states): cut at 10, 50, 90 % of the bytes.
        for movie, stated in (("cut10_mpeg4.avi", 5.0), ("cut50_mpeg4.avi", 5.0),
                              ("cut90_mpeg4.avi", 5.0), ("cut90_h264.mkv", 5.0)):
            for ranks in (1, 2):
                with self.subTest(movie=movie, ranks=ranks):
                    d, stderr = self.run_incomplete(movie, ranks)
                    a = d["attrs"]
                    self.assertEqual(a["complete"], 0)
                    self.assertEqual(a["truncated"], 1)
                    self.assertIn("the file states 5.0", stderr)
                    # The gap runs from where the readable video ends to the stated end.
                    self.assertAlmostEqual(a["gap_end"], stated, places=2)
                    last = d["frames/time"][-1]
                    self.assertGreaterEqual(a["gap_start"], last)
                    self.assertLess(a["gap_start"], last + 0.2)
                    self.assertLess(a["gap_start"], stated - 0.3)
                    # What was readable is all there.
                    self.assertTrue(np.all(d["frames/done"] == 1))

    def test_an_flv_cut_at_a_tag_near_its_end_is_truncated(self):
        # An FLV of video alone states its duration in its metadata; the end was allowed two
        # seconds (for audio that outlasts the picture), so a cut at a tag boundary within the
        # last two seconds read as complete: exit 0, complete=1.
        whole = self.out("whole.flv")
        subprocess.run(["ffmpeg", "-v", "error", "-i", media("busy_h264.mp4"), "-an", "-c",
                        "copy", whole], check=True)
        with open(whole, "rb") as f:
            data = f.read()
        tags, at = [], 13  # the header and the first tag's back pointer, then tags of 11 + size
        while at + 11 <= len(data):
            tags.append(at)
            at += 11 + int.from_bytes(data[at + 1:at + 4], "big") + 4
        cut = self.out("cut.flv")
        with open(cut, "wb") as f:
            f.write(data[:tags[len(tags) * 9 // 10]])
        for ranks in (1, 2):
            with self.subTest(ranks=ranks):
                out = self.out(f"cut{ranks}.h5")
                result = run_tool([cut, "-o", out], ranks)
                self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
                self.assertIn("the file states 5.0", result.stderr)
                a = read_h5(out)["attrs"]
                self.assertEqual((a["complete"], a["truncated"]), (0, 1))
                out = self.out(f"whole{ranks}.h5")
                result = run_tool([whole, "-o", out], ranks)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(read_h5(out)["attrs"]["complete"], 1)

    def test_a_range_that_runs_into_the_cut_is_truncated(self):
        # --start 2 --end 4 of a file whose video stops at 2.64 s (of 5 stated): truncated, the
        # gap up to the range's end. It once said truncated=0. A range within what is readable,
        # and a complete file's range, are complete.
        for ranks in (1, 2):
            with self.subTest(ranks=ranks):
                out = self.out(f"range{ranks}.h5")
                result = run_tool([media("cut50_mpeg4.avi"), "-o", out, "--overwrite",
                                   "--start", "2", "--end", "4"], ranks)
                self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
                self.assertIn("the range asked for (--end) reaches 4.0", result.stderr)
                a = read_h5(out)["attrs"]
                self.assertEqual((a["complete"], a["truncated"]), (0, 1))
                self.assertAlmostEqual(a["gap_end"], 4.0, places=2)
                self.assertLess(a["gap_start"], 3.0)
        for movie, end in (("cut50_mpeg4.avi", "2"), ("busy_mpeg4.avi", "4")):
            with self.subTest(movie=movie, end=end):
                out = self.out("inside.h5")
                result = run_tool([media(movie), "-o", out, "--overwrite", "--start", "1",
                                   "--end", end], 2)
                self.assertNotIn("truncated", result.stderr)
                self.assertEqual(read_h5(out)["attrs"]["truncated"], 0)

    def test_a_range_that_ends_in_a_gap_between_frames_is_complete(self):
        # Variable frame rate: frames until 2 s, none until 10 s. A range that ends inside the
        # gap reads the frame at 10 s past its end: the stream goes on, nothing is truncated (a
        # range ending at 6 s was reported truncated from 2 s on).
        for extra, frames in ((["--end", "6"], 50), (["--start", "1", "--end", "7"], 25), ([], 100)):
            for ranks in (1, 2):
                with self.subTest(extra=extra, ranks=ranks):
                    out = self.out(f"gap{ranks}.h5")
                    result = run_tool([media("gap_h264.flv"), "-o", out, "--overwrite", *extra],
                                      ranks)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    d = read_h5(out)
                    self.assertEqual((d["attrs"]["complete"], d["attrs"]["truncated"]), (1, 0))
                    self.assertEqual(int(d["frames/done"].sum()), frames)

    def test_zeroed_range_is_incomplete(self):
        rows = {}
        for ranks in (1, 2):
            d, _ = self.run_incomplete("zeroed_mpeg4.avi", ranks)
            self.assertEqual(d["attrs"]["complete"], 0)
            self.assertLess(len(d["frames/pts"]), 125)
            rows[ranks] = d["frames/pts"].tolist()
        self.assertEqual(rows[1], rows[2])

    def test_packed_b_frames_avi_lists_every_decoded_frame(self):
        movie = "packed_xvid.avi"
        reference = ffprobe_frames(media(movie))  # includes the untimed last frame
        self.assertGreater(len(reference), 70)
        for ranks in (1, 2, 3):
            with self.subTest(ranks=ranks):
                h5 = self.out(f"x{ranks}.h5")
                result = run_tool([media(movie), "-o", h5], ranks)
                self.assertEqual(result.returncode, 0, result.stderr)
                d = read_h5(h5)
                self.assertEqual(d["frames/pts"].tolist(), reference)
                self.assertTrue(np.all(d["frames/done"] == 1))
                self.assertEqual(d["attrs"]["complete"], 1)
                self.assertEqual(d["attrs"]["truncated"], 0)

    def test_keyframes_on_a_complete_file_is_complete(self):
        # One key frame in 8 s: the last key frame is far from the end of the video.
        for extra in (["--keyframes"], ["--config", self.preview_config()]):
            with self.subTest(extra=extra):
                h5 = self.out("k.h5")
                result = run_tool([media("long_gop_h264.mkv"), "-o", h5, "--overwrite", *extra],
                                  2)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertNotIn("truncated", result.stderr)
                d = read_h5(h5)
                self.assertEqual(d["attrs"]["truncated"], 0)
                self.assertEqual(d["attrs"]["complete"], 1)

    def test_complete_files_with_audio_are_complete(self):
        # The header's facts agree with the packets within half a frame: no false alarm where
        # the audio outlasts the video or the video starts after zero.
        for movie in ("av_h264.mkv", "busy_h264.mp4", "vfr_h264.mkv", "busy_mpeg4.avi"):
            with self.subTest(movie=movie):
                h5 = self.out("c.h5")
                result = run_tool([media(movie), "-o", h5, "--overwrite", "--tile-width", "32"],
                                  2)
                self.assertEqual(result.returncode, 0, result.stderr)
                d = read_h5(h5)
                self.assertEqual((d["attrs"]["complete"], d["attrs"]["truncated"]), (1, 0))
                self.assertEqual((d["attrs"]["gap_start"], d["attrs"]["gap_end"]), (-1, -1))
                self.assertEqual(d["attrs"]["input_damage"], 0)

    def test_matroska_whose_audio_runs_seconds_past_the_picture_is_complete(self):
        # The file's duration is the audio's (10 s); the video's own DURATION tag (2 s) agrees
        # with its packets. It was reported truncated (exit 3) while the same streams in MP4
        # were complete.
        for ext in ("mkv", "mp4"):
            with self.subTest(container=ext):
                movie = self.out(f"long_audio.{ext}")
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                                "testsrc2=s=96x64:d=2:r=25", "-f", "lavfi", "-i", "sine=d=10",
                                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", movie],
                               check=True)
                h5 = self.out(f"long_audio_{ext}.h5")
                result = run_tool([movie, "-o", h5, "--tile-width", "32"], 2)
                self.assertEqual(result.returncode, 0, result.stderr)
                d = read_h5(h5)
                self.assertEqual((d["attrs"]["complete"], d["attrs"]["truncated"]), (1, 0))
                self.assertEqual(int(d["frames/done"].sum()), 50)

    def test_mp4_and_mov_cut_by_stream_copy_are_complete(self):
        # `ffmpeg -ss 0.7 -c copy` keeps the frames from the key frame before the cut and hides
        # them with an edit list; the header's frame count includes them. Such a cut was
        # reported truncated (exit 3) by the hidden frames' 0.7 s.
        source = self.out("gop.mp4")
        for bframes in ("0", "3"):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                            "testsrc2=s=96x64:r=25:d=6", "-c:v", "libx264", "-g", "50", "-bf",
                            bframes, source], check=True)
            for ext in ("mp4", "mov"):
                with self.subTest(bframes=bframes, container=ext):
                    movie = self.out(f"cut.{ext}")
                    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "0.7", "-i", source,
                                    "-c", "copy", movie], check=True)
                    h5 = self.out(f"cut_{ext}.h5")
                    result = run_tool([movie, "-o", h5, "--overwrite", "--tile-width", "32"], 2)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    d = read_h5(h5)
                    self.assertEqual((d["attrs"]["complete"], d["attrs"]["truncated"]), (1, 0))
                    self.assertEqual(len(d["frames/pts"]), len(ffprobe_frames(movie)))
                    self.assertEqual(int(d["frames/done"].sum()), len(d["frames/pts"]))

    def test_block_lost_while_ffmpeg_reads_the_first_packets_is_incomplete(self):
        # One flipped bit turns the 4th block's SimpleBlock ID (0xA3) into an unknown one
        # (0xE3): the demuxer skips that frame with only a debug message, and as FFmpeg meets it
        # while opening the file (reading the first packets for the stream's parameters), the
        # packets after, the decoder's frames and the header's DURATION all agree without it.
        with open(media("fuzz_h264.mkv"), "rb") as f:
            data = bytearray(f.read())
        position, size = mkv_packets(media("fuzz_h264.mkv"))[3]
        start = simple_block_start(data, position, size)
        data[start] ^= 0x40
        movie = self.out("lost_block.mkv")
        with open(movie, "wb") as f:
            f.write(data)
        self.assertEqual(len(mkv_packets(movie)), 49)  # the block is lost (of 50)
        rows = {}
        for ranks in (1, 2):
            with self.subTest(ranks=ranks):
                out = self.out(f"lost.{ranks}.h5")
                result = run_tool([movie, "-o", out, "--tile-width", "16", "-k", "2"], ranks)
                self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
                self.assertIn("skipped them; frames there are missing", result.stderr)
                d = read_h5(out)
                self.assertEqual(d["attrs"]["complete"], 0)
                self.assertGreaterEqual(d["attrs"]["input_damage"], 1)
                self.assertEqual(len(d["frames/pts"]), 49)
                rows[ranks] = (d["frames/index"].tolist(), d["frames/pts"].tolist())
        self.assertEqual(rows[1], rows[2])

    def test_unknown_header_element_is_complete(self):
        # Newer muxers write header elements FFmpeg does not know ("Unknown entry" in its
        # debug log while it reads the header): the file is whole. The header's Void element
        # given an unknown ID stands for one.
        with open(media("fuzz_h264.mkv"), "rb") as f:
            data = bytearray(f.read())
        void = segment_child(data, 0xEC)
        data[void] = 0xE3
        movie = self.out("new_header.mkv")
        with open(movie, "wb") as f:
            f.write(data)
        log = subprocess.run(["ffprobe", "-v", "debug", movie], capture_output=True,
                             text=True).stderr
        self.assertIn("Unknown entry 0xE3", log)
        for ranks in (1, 2):
            with self.subTest(ranks=ranks):
                out = self.out(f"new.{ranks}.h5")
                result = run_tool([movie, "-o", out, "--tile-width", "16", "-k", "2"], ranks)
                self.assertEqual(result.returncode, 0, result.stderr)
                d = read_h5(out)
                self.assertEqual((d["attrs"]["complete"], d["attrs"]["input_damage"]), (1, 0))
                self.assertEqual(len(d["frames/pts"]), 50)

    def preview_config(self):
        import os
        return os.path.join(os.environ.get("BARCODE_SOURCE", "../.."), "configs", "preview.toml")


def mkv_packets(path):
    """(position, size) of each video packet in file order, as FFmpeg's demuxer reports them."""
    text = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos,size",
         "-of", "compact=p=0", path], capture_output=True, text=True, check=True).stdout
    packets = [dict(field.split("=") for field in line.split("|")) for line in text.split()]
    return [(int(p["pos"]), int(p["size"])) for p in packets]


def ebml_size(data, at):
    """(value, length) of the EBML variable-length number at `at`."""
    length = 1
    while not data[at] & (0x80 >> (length - 1)):
        length += 1
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1:at + length]:
        value = value << 8 | byte
    return value, length


def simple_block_start(data, position, size):
    """Offset of the SimpleBlock ID of the packet whose block body FFmpeg places at `position`
    (the track number, timecode and flags, 4 bytes, then `size` bytes of frame)."""
    for length in range(1, 9):
        start = position - length - 1
        if data[start] == 0xA3 and ebml_size(data, start + 1) == (size + 4, length):
            return start
    raise AssertionError(f"no SimpleBlock before {position}")


def segment_child(data, element_id):
    """Offset of the first one-byte-ID element `element_id` among the Segment's children."""
    _, length = ebml_size(data, 4)  # the EBML header: 4-byte ID, then its size
    at = 4 + length + ebml_size(data, 4)[0]
    at += 4 + ebml_size(data, at + 4)[1]  # into the Segment
    while at < len(data):
        if data[at] == element_id:
            return at
        id_length = ebml_size(data, at)[1]  # IDs are variable-length numbers too
        size, length = ebml_size(data, at + id_length)
        at += id_length + length + size
    raise AssertionError(f"no element 0x{element_id:X} in the Segment")


if __name__ == "__main__":
    unittest.main()
