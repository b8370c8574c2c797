"""Sampling rules: --every, --fps, --columns, --keyframes, --start/--end, each checked against
the expected frames computed independently from ffprobe's frame list, on 1 and 3 ranks."""
import unittest

from common import ToolTest, ffprobe_frames, ffprobe_key_packets, media, run_tool, time_base


class Sampling(ToolTest):
    def check(self, movie, extra, expected_pts):
        for ranks in (1, 3):
            with self.subTest(extra=extra, ranks=ranks):
                d = self.barcode(movie, ranks, extra=extra, name=f"s{ranks}.h5")
                self.assertEqual(d["frames/pts"].tolist(), expected_pts)
                self.assertEqual(int(d["frames/done"].sum()), len(expected_pts))

    def test_every_nth_frame(self):
        frames = ffprobe_frames(media("busy_h264.mp4"))
        self.check("busy_h264.mp4", ["--every", "7"], frames[::7])

    def test_fps_on_variable_frame_rate(self):
        frames = ffprobe_frames(media("vfr_h264.mkv"))
        num, den = time_base(media("vfr_h264.mkv"))
        ticks = den / (2.0 * num)  # 2 samples per second
        expected, j = [], 0
        while frames[0] + j * ticks <= frames[-1]:
            target = frames[0] + j * ticks
            on_screen = max([f for f in frames if f <= target + 1e-6], default=frames[0])
            if not expected or expected[-1] != on_screen:
                expected.append(on_screen)
            j += 1
        self.assertGreater(len(expected), 4)
        self.check("vfr_h264.mkv", ["--fps", "2"], expected)

    def test_columns_evenly_spaced(self):
        frames = ffprobe_frames(media("long_gop_h264.mkv"))
        n = len(frames)
        expected = [frames[(2 * j + 1) * n // 20] for j in range(10)]
        self.check("long_gop_h264.mkv", ["--columns", "10"], expected)

    def test_keyframes_only(self):
        keys = ffprobe_key_packets(media("busy_h264.mp4"))
        self.assertGreater(len(keys), 1)
        self.check("busy_h264.mp4", ["--keyframes"], keys)

    def test_start_and_end(self):
        frames = ffprobe_frames(media("busy_h264.mp4"))
        num, den = time_base(media("busy_h264.mp4"))
        expected = [f for f in frames if 1.0 <= (f - frames[0]) * num / den < 3.0]
        self.check("busy_h264.mp4", ["--start", "1", "--end", "3"], expected)

    def test_a_range_shorter_than_one_tick(self):
        # An --end that rounds to the --start's tick selected the whole rest of the film (an
        # empty range read as one of unknown length). Now it holds a frame only at that tick.
        frames = ffprobe_frames(media("busy_h264.mp4"))
        self.check("busy_h264.mp4", ["--end", "0.00001"], frames[:1])
        for ranks in (1, 3):
            with self.subTest(ranks=ranks):
                result = run_tool([media("busy_h264.mp4"), "-o", self.out(f"t{ranks}.h5"),
                                   "--start", "2.03", "--end", "2.0300001"], ranks)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("no frames in the selected range", result.stderr)


if __name__ == "__main__":
    unittest.main()
