"""Segment exactness: over 1 to 4 ranks, the frames the tool lists and decodes are exactly the
frames of one sequential pass (ffprobe), once each, for every codec and container."""
import re
import unittest

import numpy as np

from common import ToolTest, ffprobe_frames, media

MOVIES = ["busy_h264.mp4", "busy_hevc.mkv", "busy_mpeg4.avi", "busy_vp9.webm", "vfr_h264.mkv",
          "long_gop_h264.mkv"]


def decoded_count(stderr):
    m = re.search(r"frames: (\d+) in range, (\d+) decoded, (\d+) sampled, (\d+) written", stderr)
    if not m:
        raise AssertionError("no summary in output:\n" + stderr)
    return [int(x) for x in m.groups()]


class Segments(ToolTest):
    def test_union_of_segments_equals_sequential_pass(self):
        for movie in MOVIES:
            reference = ffprobe_frames(media(movie))
            self.assertGreater(len(reference), 50, movie)
            for ranks in (1, 2, 3, 4):
                with self.subTest(movie=movie, ranks=ranks):
                    h5 = self.out(f"{movie}.{ranks}.h5")
                    result = self.run_ok([media(movie), "-o", h5, "--overwrite"], ranks)
                    from common import read_h5
                    d = read_h5(h5)
                    self.assertEqual(d["frames/pts"].tolist(), reference)
                    self.assertEqual(d["frames/index"].tolist(), list(range(len(reference))))
                    self.assertTrue(np.all(d["frames/done"] == 1))
                    # Decoded frames summed over ranks: each frame decoded by exactly one rank.
                    in_range, decoded, sampled, written = decoded_count(result.stderr)
                    self.assertEqual((in_range, decoded, sampled, written), (len(reference),) * 4)


if __name__ == "__main__":
    unittest.main()
