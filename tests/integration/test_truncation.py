"""Never reported complete while frames are missing: files cut short or zeroed that read to a
clean end of file are found by what their header states (exit 3, truncated=1, the gap marked);
complete files are never taken for truncated ones (--keyframes, a DivX-era AVI with packed
B-frames), and every frame FFmpeg decodes from a valid file is listed and written."""
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

    def preview_config(self):
        import os
        return os.path.join(os.environ.get("BARCODE_SOURCE", "../.."), "configs", "preview.toml")


if __name__ == "__main__":
    unittest.main()
