"""--keep-thumbs stores every sampled frame's tile; --from-h5 re-clusters those tiles without
decoding, on any number of ranks, and gives exactly what a decoding run with the same options
gives. Also the per-frame columns and --space lab on known colours."""
import unittest

import h5py
import numpy as np

from common import ToolTest, assert_same_datasets, media, read_h5, run_tool
from make_media import SOLID_COLORS

# Datasets that depend only on the frames and the clustering options (not on how tiles came).
RESULTS = ["frames/index", "frames/pts", "frames/time", "frames/done", "color/dominant",
           "color/mean", "color/palette", "color/weights", "color/inertia", "color/iterations",
           "color/column", "movie/palette", "movie/weights", "movie/labels"]


def cielab(rgb):
    """CIELAB (D65) of sRGB triples (..., 3) in 0..255."""
    c = np.asarray(rgb, dtype=float) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ m.T / np.array([0.95047, 1.0, 1.08883])
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def results(d):
    return {name: d[name] for name in RESULTS}


class Thumbs(ToolTest):
    def test_thumbs_hold_the_tiles_and_columns_the_rows(self):
        # Regions by width: red x < 192, blue to 288, green to 320 of 320; tiles are 160 wide.
        d = self.barcode("regions_rgb.mkv", extra=["--keep-thumbs", "-k", "3"])
        thumbs = d["frames/thumbs"]
        self.assertEqual(thumbs.shape, (25, 90, 160, 3))
        want = np.zeros((90, 160, 3), dtype=np.uint8)
        want[:, :96] = [255, 0, 0]
        want[:, 96:144] = [0, 0, 255]
        want[:, 144:] = [0, 255, 0]
        for frame in thumbs:
            np.testing.assert_array_equal(frame, want)
        self.assertEqual(d["attrs"]["thumbs"], 1)
        # Each tile row's mean in linear light: 0.6 red, 0.1 green, 0.3 blue, as sRGB.
        np.testing.assert_array_equal(d["color/column"][0],
                                      np.broadcast_to(d["color/mean"][0], (90, 3)))

    def test_bands_come_out_in_the_column(self):
        d = self.barcode("bands_rgb.mkv")
        self.assertNotIn("frames/thumbs", d)  # only with --keep-thumbs
        column = d["color/column"]
        self.assertEqual(column.shape, (25, 90, 3))
        np.testing.assert_array_equal(column[:, :45], np.broadcast_to([255, 0, 0], (25, 45, 3)))
        np.testing.assert_array_equal(column[:, 45:], np.broadcast_to([0, 0, 255], (25, 45, 3)))

    def test_from_h5_equals_the_decoding_run_on_any_rank_count(self):
        source = self.out("source.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", source, "--keep-thumbs"], 2)
        original = read_h5(source)
        for ranks in (1, 3):
            out = self.out(f"again{ranks}.h5")
            self.run_ok(["--from-h5", source, "-o", out], ranks)
            d = read_h5(out)
            assert_same_datasets(self, results(original), results(d), f"--from-h5 on {ranks} ranks")
            self.assertNotIn("frames/thumbs", d)
            self.assertEqual(d["attrs"]["source_path"], original["attrs"]["source_path"])
            self.assertEqual(d["attrs"]["from_h5"], source)
            self.assertEqual(d["attrs"]["complete"], 1)

    def test_from_h5_with_new_options_equals_a_direct_run_with_them(self):
        source = self.out("source.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", source, "--keep-thumbs", "--every", "2"], 1)
        new = ["-k", "3", "--restarts", "2", "--space", "lab", "--movie-clusters", "5"]
        self.run_ok(["--from-h5", source, "-o", self.out("re.h5"), *new], 2)
        self.run_ok([media("busy_h264.mp4"), "-o", self.out("direct.h5"), "--every", "2", *new], 3)
        re, direct = read_h5(self.out("re.h5")), read_h5(self.out("direct.h5"))
        self.assertEqual(re["color/palette"].shape, (63, 3, 3))
        self.assertEqual(re["attrs"]["space"], "lab")
        assert_same_datasets(self, results(direct), results(re), "re-clustered vs direct")

    def test_from_h5_keeps_missing_rows_missing(self):
        # Rows the source never finished have no tile: they stay not done, and the run says
        # it is incomplete (exit 3). A truncated source stays marked truncated.
        source = self.out("trunc.h5")
        result = run_tool([media("truncated.mkv"), "-o", source, "--keep-thumbs"], 2)
        self.assertEqual(result.returncode, 3, result.stderr)
        with h5py.File(source, "r+") as f:
            f["frames/done"][3] = 0
            f["frames/done"][17] = 0
        result = run_tool(["--from-h5", source, "-o", self.out("re.h5"), "-k", "4"], 3)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("2 sampled frames missing", result.stderr)
        # Nothing was decoded: the warning said "could not be decoded".
        self.assertIn("rows have no stored tile", result.stderr)
        self.assertNotIn("decoded", result.stderr)
        before, after = read_h5(source), read_h5(self.out("re.h5"))
        np.testing.assert_array_equal(before["frames/done"], after["frames/done"])
        self.assertEqual(after["attrs"]["truncated"], 1)
        self.assertEqual(after["attrs"]["frames_missing"], 2)

    def test_from_h5_leaves_out_rows_that_fail_their_checksum(self):
        # A tile damaged on disk was clustered without a word: exit 0, complete=1, other
        # colours for its row. The checksums cover the stored tiles, as --resume checks them.
        source = self.out("src.h5")
        result = run_tool([media("busy_h264.mp4"), "-o", source, "--keep-thumbs",
                           "--tile-width", "32"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(source, "r+") as f:
            tile = f["frames/thumbs"][10]
            f["frames/thumbs"][10] = 255 - tile
            f["color/dominant"][20] = 255 - f["color/dominant"][20]
        for ranks in (1, 2):
            out = self.out(f"re{ranks}.h5")
            result = run_tool(["--from-h5", source, "-o", out], ranks)
            self.assertEqual(result.returncode, 3, result.stderr)
            self.assertIn("row 10 fails its checksum", result.stderr)
            self.assertIn("row 20 fails its checksum", result.stderr)
            done = read_h5(out)["frames/done"]
            self.assertEqual(list(np.where(done == 0)[0]), [10, 20])

    def test_from_h5_refusals(self):
        plain = self.out("plain.h5")
        self.run_ok([media("solid_rgb.mkv"), "-o", plain])
        cases = [
            (["--from-h5", plain, "-o", self.out("a.h5")], "made without --keep-thumbs"),
            (["--from-h5", media("text.mp4"), "-o", self.out("b.h5")], "not an HDF5 file"),
            (["--from-h5", plain, "-o", self.out("c.h5"), "--every", "2"],
             "--every does not apply to --from-h5"),
            ([media("solid_rgb.mkv"), "--from-h5", plain, "-o", self.out("d.h5")],
             "not several"),
            (["--from-h5", plain, "-o", plain, "--overwrite"], "must not be the input"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = run_tool(args, 2)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)
                self.assertEqual(result.stderr.count(message), 1, "reported once, by rank 0")

    def test_lab_clusters_known_colours_to_within_the_codes(self):
        d = self.barcode("solid_rgb.mkv", extra=["--space", "lab"])
        want = np.array([[int(c[i:i + 2], 16) for i in (0, 2, 4)] for c in SOLID_COLORS
                         for _ in range(10)])
        # CIELAB codes are 0.83 ΔE*ab apart: a colour comes back within a fraction of a just
        # noticeable difference (0.57 seen, for pure blue); the mean is taken in linear sRGB
        # and stays exact.
        error = np.linalg.norm(cielab(d["color/dominant"]) - cielab(want), axis=-1)
        self.assertLess(float(error.max()), 1.0)
        np.testing.assert_array_equal(d["color/mean"], want)
        self.assertEqual(d["attrs"]["space"], "lab")


if __name__ == "__main__":
    unittest.main()
