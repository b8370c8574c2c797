"""Rank and thread invariance: the HDF5 datasets are bit-identical for 1 to 4 ranks."""
import unittest

from common import ToolTest, assert_same_datasets


class Invariance(ToolTest):
    def test_datasets_identical_for_1_to_4_ranks(self):
        for movie in ["busy_h264.mp4", "busy_hevc.mkv", "vfr_h264.mkv"]:
            one = self.barcode(movie, 1, extra=["--restarts", "3", "--seed", "7"])
            self.assertEqual(one["attrs"]["ranks"], 1)
            for ranks in (2, 3, 4):
                many = self.barcode(movie, ranks, extra=["--restarts", "3", "--seed", "7"])
                self.assertEqual(many["attrs"]["ranks"], ranks)
                assert_same_datasets(self, one, many, f"{movie}: 1 rank vs {ranks}")

    def test_datasets_identical_for_any_thread_count_and_batch(self):
        one = self.barcode("long_gop_h264.mkv", 1, extra=["--threads", "1", "--batch", "64"], name="a.h5")
        other = self.barcode("long_gop_h264.mkv", 2, extra=["--threads", "3", "--batch", "7",
                                                           "--cpu-decoders", "3"], name="b.h5")
        assert_same_datasets(self, one, other, "threads 1 batch 64 vs threads 3 batch 7, 3 decoders")

    def test_seed_changes_only_what_seeding_decides(self):
        a = self.barcode("busy_h264.mp4", 1, extra=["--seed", "1", "--restarts", "1"], name="s1.h5")
        b = self.barcode("busy_h264.mp4", 1, extra=["--seed", "2", "--restarts", "1"], name="s2.h5")
        # Different seeds start k-means elsewhere: some palettes differ, the frames do not.
        self.assertTrue((a["frames/pts"] == b["frames/pts"]).all())
        self.assertFalse((a["color/palette"] == b["color/palette"]).all())


if __name__ == "__main__":
    unittest.main()
