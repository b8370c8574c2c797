"""Black bars (--crop): the picture of a letterboxed (2.42:1 in 16:9) and a pillarboxed (4:3 in
16:9) clip is found within 2 px of the truth on 1 and 3 ranks, and the clip's colours are then
those of the same clip made without bars; fades and dark scenes do not shrink the crop; --crop
none and --crop W:H:X:Y do what they say."""
import unittest

import numpy as np

from common import ToolTest, assert_same_datasets, media, run_tool

# name -> (clip without bars, true picture rectangle W, H, X, Y)
CLIPS = {
    "scope_h264.mp4": ("scope_nobars_h264.mp4", (320, 132, 0, 24)),
    "pillar_h264.mp4": ("pillar_nobars_h264.mp4", (240, 180, 40, 0)),
}
RESULTS = ["color/dominant", "color/mean", "color/palette", "color/weights", "color/column"]


def rect(text):
    return tuple(int(v) for v in text.split(":"))


class Crop(ToolTest):
    def test_bars_are_found_and_colours_equal_the_clip_without_bars(self):
        for clip, (plain, truth) in CLIPS.items():
            want = self.barcode(plain)
            self.assertEqual(rect(want["attrs"]["crop"]), (truth[0], truth[1], 0, 0))
            for ranks in (1, 3):
                with self.subTest(clip=clip, ranks=ranks):
                    got = self.barcode(clip, ranks)
                    crop = rect(got["attrs"]["crop"])
                    self.assertTrue(got["attrs"]["crop_method"].startswith("auto"))
                    for found, true in zip(crop, truth):
                        self.assertLessEqual(abs(found - true), 2, f"crop {crop}, truth {truth}")
                    for name in RESULTS:
                        np.testing.assert_array_equal(got[name], want[name], name)

    def test_gpu_equals_cpu(self):
        # GPU ranks crop NVDEC surfaces in the kernel: the file equals a CPU run's.
        self.assert_gpu_file_equals_cpu(CLIPS)

    def test_crop_none_is_the_whole_frame(self):
        d = self.barcode("scope_h264.mp4", extra=["--crop", "none"])
        self.assertEqual(d["attrs"]["crop"], "320:180:0:0")
        self.assertEqual(d["attrs"]["crop_method"], "none")
        self.assertEqual((d["attrs"]["tile_width"], d["attrs"]["tile_height"]), (160, 90))
        # The bars are then a quarter of each tile, the largest cluster of the dark scenes.
        self.assertTrue((d["color/dominant"] <= 1).all(axis=1).any())

    def test_no_bars_auto_equals_none(self):
        auto = self.barcode("busy_h264.mp4", name="auto.h5")
        none = self.barcode("busy_h264.mp4", extra=["--crop", "none"], name="none.h5")
        self.assertEqual(auto["attrs"]["crop"], "320:180:0:0")
        assert_same_datasets(self, auto, none)

    def test_given_crop_equals_found_crop(self):
        auto = self.barcode("pillar_h264.mp4", name="auto.h5")
        given = self.barcode("pillar_h264.mp4", extra=["--crop", "240:180:40:0"], name="given.h5")
        self.assertTrue(given["attrs"]["crop_method"].startswith("given"))
        assert_same_datasets(self, auto, given)

    def test_bad_crop_is_a_usage_error(self):
        for spec in ("240:180:41:0", "400:180:0:0", "1:180:0:0", "wide", "240:180:40"):
            with self.subTest(spec=spec):
                result = run_tool([media("pillar_h264.mp4"), "-o", self.out("x.h5"), "--crop",
                                   spec])
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("--crop", result.stderr)


if __name__ == "__main__":
    unittest.main()
