"""HDR input: PQ and HLG 10-bit HEVC clips made from an SDR clip of known mid-tone colours are
tone-mapped (BT.2390 EETF) back to colours within a stated CIEDE2000 of the SDR source and of
FFmpeg's own zscale + tonemap chain on the same frames; the HDR metadata is read and recorded;
4:2:2 HDR is still refused."""
import unittest

import numpy as np

from common import ToolTest, media, run_tool

# CIEDE2000 bounds, per frame, on the mean colour and on the dominant colour (the scenes are
# mid-tones, all below the EETF's knee, so only rounding separates the paths).
MAX_DE_SDR = 1.5       # against the SDR clip the HDR clips were made from
MAX_DE_FFMPEG = 1.5    # against zscale + tonemap=clip of the same HDR frames


def srgb_to_lab(rgb):
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1, lab2):
    """CIEDE2000 (Sharma, Wu, Dalal 2005) between arrays of CIELAB colours."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, np.float64), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, hsum + 360, hsum - 360), hsum) / 2
    h_bar = np.where(c1p * c2p == 0, hsum, h_bar)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    sc, sh = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    rt = (-2 * np.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
          * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2
                   + rt * (dc / sc) * (dH / sh))


class Hdr(ToolTest):
    def assert_close(self, got, want, bound, context):
        for name in ("color/mean", "color/dominant"):
            de = ciede2000(srgb_to_lab(got[name]), srgb_to_lab(want[name]))
            print(f"{context} {name}: CIEDE2000 mean {de.mean():.3f}, max {de.max():.3f}")
            self.assertLessEqual(de.max(), bound, f"{context} {name}")

    def test_ciede2000_reference_pairs(self):
        # Two pairs of Sharma, Wu and Dalal's test data.
        self.assertAlmostEqual(float(ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485])),
                               2.0425, places=4)
        self.assertAlmostEqual(float(ciede2000([50, -1.3802, -84.2814], [50, 0, -82.7485])),
                               1.0000, places=4)

    def test_pq_and_hlg_come_back_to_the_sdr_source_and_match_ffmpeg(self):
        sdr = self.barcode("hdr_sdr_source.mkv")
        self.assertNotIn("tone_map", sdr["attrs"])
        for clip, transfer in (("hdr_pq_scenes.mkv", "PQ"), ("hdr_hlg_scenes.mkv", "HLG")):
            with self.subTest(clip=clip):
                hdr = self.barcode(clip)
                a = hdr["attrs"]
                self.assertEqual(a["hdr_transfer"], transfer)
                self.assertIn("BT.2390 EETF", a["tone_map"])
                self.assertIn("MaxCLL", a["tone_map"])
                self.assertEqual((a["hdr_max_cll"], a["hdr_max_fall"]), (100, 40))
                self.assertEqual(a["hdr_source_peak"], 100.0)
                if transfer == "PQ":
                    self.assertEqual(a["hdr_mastering_max_luminance"], 1000.0)
                    self.assertEqual(a["hdr_mastering_min_luminance"], 0.005)
                self.assert_close(hdr, sdr, MAX_DE_SDR, f"{transfer} vs SDR source")
                ffmpeg = self.barcode(clip.replace(".mkv", "_ffmpeg_sdr.mkv"))
                self.assert_close(hdr, ffmpeg, MAX_DE_FFMPEG, f"{transfer} vs FFmpeg tonemap")

    def test_results_do_not_depend_on_ranks(self):
        one = self.barcode("hdr_pq_scenes.mkv", 1)
        three = self.barcode("hdr_pq_scenes.mkv", 3)
        for name in ("color/dominant", "color/mean", "color/palette", "color/column"):
            np.testing.assert_array_equal(one[name], three[name], name)

    def test_gpu_equals_cpu(self):
        # NVDEC decodes the 10-bit HEVC to P010 surfaces and the kernel tone-maps them with the
        # CPU twin's tables: the file equals a CPU run's.
        self.assert_gpu_file_equals_cpu(("hdr_pq_scenes.mkv", "hdr_hlg_scenes.mkv", "hdr_pq.mkv"))

    def test_without_metadata_the_source_peak_is_1000(self):
        a = self.barcode("hdr_pq.mkv")["attrs"]
        self.assertEqual(a["hdr_source_peak"], 1000.0)
        self.assertEqual(a["hdr_max_cll"], 0)
        self.assertIn("default", a["tone_map"])

    def test_hdr_422_is_refused(self):
        result = run_tool([media("hdr_pq_422.mkv"), "-o", self.out("x.h5")])
        self.assertEqual(result.returncode, 2, result.stderr)
        for text in ("HDR", "PQ", "yuv422p10le", "Tone-map"):
            self.assertIn(text, result.stderr)


if __name__ == "__main__":
    unittest.main()
