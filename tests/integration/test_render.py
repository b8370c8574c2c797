"""The PNG barcode: one column per sample in the sample's dominant colour, area resampling in
linear light for --width, --height, and options from a --config file."""
import unittest

import numpy as np
from PIL import Image

from common import ToolTest, media, read_h5
from make_media import SOLID_COLORS


def to_linear(c):
    c = c / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb8(v):
    s = np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)
    return np.clip(np.round(s * 255), 0, 255).astype(np.uint8)


class Render(ToolTest):
    def test_width_0_gives_one_column_per_sample_in_its_dominant_colour(self):
        h5, png = self.out("r.h5"), self.out("r.png")
        self.run_ok([media("busy_h264.mp4"), "-o", h5, "--png", png, "--height", "20",
                     "--width", "0"], 2)
        d = read_h5(h5)
        img = np.asarray(Image.open(png).convert("RGB"))
        self.assertEqual(img.shape, (20, 125, 3))
        for row in (0, 19):
            np.testing.assert_array_equal(img[row], d["color/dominant"])

    def test_default_width_is_1920_with_few_samples_widened_into_bands(self):
        # 60 samples of 6 colours (10 each) widened to 1920 columns: each sample is a band of
        # 32 columns in its own colour, nothing blended since 1920 / 60 is whole.
        h5, png = self.out("d.h5"), self.out("d.png")
        self.run_ok([media("solid_rgb.mkv"), "-o", h5, "--png", png, "--height", "2"], 1)
        img = np.asarray(Image.open(png).convert("RGB"))
        self.assertEqual(img.shape, (2, 1920, 3))
        want = np.repeat(read_h5(h5)["color/dominant"], 32, axis=0)
        np.testing.assert_array_equal(img[1], want)

    def test_width_resamples_by_area_in_linear_light(self):
        h5, png = self.out("w.h5"), self.out("w.png")
        # 60 columns of 6 colours (10 each) into 4 columns: each output column spans 15 inputs.
        self.run_ok([media("solid_rgb.mkv"), "-o", h5, "--png", png, "--width", "4",
                     "--height", "3"], 1)
        img = np.asarray(Image.open(png).convert("RGB"))
        self.assertEqual(img.shape, (3, 4, 3))
        cols = np.array([[int(c[i:i + 2], 16) for i in (0, 2, 4)] for c in SOLID_COLORS
                         for _ in range(10)], dtype=np.float64)
        lin = to_linear(cols)
        expected = np.array([to_srgb8(lin[15 * x:15 * (x + 1)].mean(axis=0)) for x in range(4)])
        np.testing.assert_allclose(img[0].astype(int), expected.astype(int), atol=1)

    def test_movie_palette_style_maps_frames_to_the_movie_palette(self):
        h5, png = self.out("m.h5"), self.out("m-{style}.png")
        # Six solid colours and six movie colours: each frame maps to its own colour exactly.
        self.run_ok([media("solid_rgb.mkv"), "-o", h5, "--png", png, "--movie-clusters", "6",
                     "--style", "dominant,movie-palette", "--height", "2"], 2)
        dominant = np.asarray(Image.open(self.out("m-dominant.png")).convert("RGB"))
        mapped = np.asarray(Image.open(self.out("m-movie-palette.png")).convert("RGB"))
        np.testing.assert_array_equal(mapped, dominant)
        d = read_h5(h5)
        self.assertEqual(d["movie/palette"].shape, (6, 3))
        np.testing.assert_allclose(d["movie/weights"], np.full(6, 1 / 6), rtol=1e-9)

    def test_config_file_sets_options(self):
        cfg = self.out("preset.toml")
        with open(cfg, "w") as f:
            f.write("clusters = 3\nevery = 5\nrestarts = 2\n")
        h5 = self.out("c.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", h5, "--config", cfg], 1)
        d = read_h5(h5)
        self.assertEqual(d["color/palette"].shape, (25, 3, 3))
        self.assertIn("clusters=3", d["attrs"]["options"].replace(" ", ""))
        self.assertIn("every=5", d["attrs"]["options"].replace(" ", ""))

    def test_shipped_presets_load(self):
        import os
        root = os.path.join(os.path.dirname(__file__), "..", "..", "configs")
        for name in ("default.toml", "preview.toml", "quality.toml"):
            with self.subTest(preset=name):
                h5 = self.out(name + ".h5")
                self.run_ok([media("busy_h264.mp4"), "-o", h5, "--config", os.path.join(root, name),
                             "--end", "1"], 1)
                self.assertGreater(int(read_h5(h5)["frames/done"].sum()), 0)


if __name__ == "__main__":
    unittest.main()
