"""Known colours in, exact colours out (lossless RGB media), and known proportions."""
import subprocess
import unittest

import numpy as np

from common import ToolTest, media
from make_media import SOLID_COLORS, STILL_COLOR


def rgb(hex_colour):
    return [int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)]


class Colors(ToolTest):
    def test_solid_colours_come_out_exactly(self):
        d = self.barcode("solid_rgb.mkv")
        expected = np.array([rgb(c) for c in SOLID_COLORS for _ in range(10)], dtype=np.uint8)
        self.assertEqual(d["color/dominant"].shape, (60, 3))
        np.testing.assert_array_equal(d["color/dominant"], expected)
        np.testing.assert_array_equal(d["color/mean"], expected)
        np.testing.assert_array_equal(d["color/weights"][:, 0], np.ones(60, dtype=np.float32))
        np.testing.assert_array_equal(d["color/inertia"], np.zeros(60))
        np.testing.assert_array_equal(d["frames/done"], np.ones(60, dtype=np.uint8))

    def test_largest_region_is_dominant_with_exact_weights(self):
        d = self.barcode("regions_rgb.mkv", extra=["--clusters", "3"])
        n = d["frames/done"].shape[0]
        self.assertEqual(n, 25)
        np.testing.assert_array_equal(d["color/dominant"], np.tile([255, 0, 0], (n, 1)))
        np.testing.assert_array_equal(d["color/weights"],
                                      np.tile(np.float32([0.6, 0.3, 0.1]), (n, 1)))
        np.testing.assert_array_equal(
            d["color/palette"], np.tile(np.float32([[255, 0, 0], [0, 0, 255], [0, 255, 0]]), (n, 1, 1)))

    def test_mean_is_averaged_in_linear_light(self):
        # Regions 60% red, 30% blue, 10% green: linear means 0.6, 0.1, 0.3 -> sRGB codes.
        d = self.barcode("regions_rgb.mkv", extra=["--clusters", "3"])
        def encode(v):
            return round(255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055))
        np.testing.assert_array_equal(d["color/mean"][0], [encode(0.6), encode(0.1), encode(0.3)])

    def test_progress_counts_every_rank(self):
        result = self.run_ok([media("solid_rgb.mkv"), "-o", self.out("p.h5"), "--batch", "8"], 3)
        # Rank 0 reports all ranks' frames, not only its own third.
        self.assertIn("progress: 60/60 frames (100.0%)", result.stderr)

    def test_a_still_image_is_one_column(self):
        # A PNG of one colour: that colour, exactly.
        d = self.barcode("still.png")
        self.assertEqual(d["attrs"]["complete"], 1)
        np.testing.assert_array_equal(d["color/dominant"], [rgb(STILL_COLOR)])
        # A JPEG that FFmpeg reads with image2, which reads nothing after a seek to the start:
        # it once failed with "none of the 1 sampled frames could be decoded".
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=format_name",
                                "-of", "csv=p=0", media("still.jpg")],
                               capture_output=True, text=True, check=True)
        self.assertEqual(probe.stdout.strip(), "image2")
        d = self.barcode("still.jpg")
        self.assertEqual(d["attrs"]["complete"], 1)
        np.testing.assert_array_equal(d["frames/done"], [1])

    def test_odd_frame_size(self):
        d = self.barcode("odd_318x179.mp4")
        self.assertEqual(d["attrs"]["source_width"], 318)
        self.assertEqual(d["attrs"]["source_height"], 179)
        self.assertEqual(d["attrs"]["tile_height"], round(160 * 179 / 318))
        self.assertEqual(int(d["frames/done"].sum()), 75)


if __name__ == "__main__":
    unittest.main()
