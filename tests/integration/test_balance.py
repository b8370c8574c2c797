"""Rows moved between ranks (--balance): a rank whose decoders have nothing left takes the end of
the rows of the rank expected to finish last, and the file is the one a single rank writes."""
import unittest

from common import ToolTest, assert_same_datasets, media, read_h5, run_tool

# Clustering that is dear on the zoom and cheap on the flat colour (make_media.py's uneven clip).
DEAR = ["-k", "16", "--restarts", "20", "--tol", "0", "--max-iter", "200", "-v", "2"]


class Balance(ToolTest):
    def run_uneven(self, ranks, name, extra=()):
        h5 = self.out(name)
        result = self.run_ok([media("uneven_h264.mp4"), "-o", h5, "--overwrite", *DEAR, *extra],
                             ranks)
        return read_h5(h5), result.stderr

    def test_rows_move_to_the_rank_that_finished_and_the_file_is_one_ranks(self):
        one, _ = self.run_uneven(1, "one.h5")
        moved, log = self.run_uneven(2, "moved.h5")
        # Rank 1 has the flat half: it takes rows of rank 0's zoom.
        self.assertIn("rank 1: takes from rank 0", log)
        self.assertIn("rank 0: gives rank 1", log)
        assert_same_datasets(self, one, moved, "1 rank vs 2 ranks that moved rows")
        three, _ = self.run_uneven(3, "three.h5")
        assert_same_datasets(self, one, three, "1 rank vs 3 ranks")

    def test_balance_off_keeps_every_rank_on_its_segment(self):
        one, _ = self.run_uneven(1, "one.h5")
        kept, log = self.run_uneven(2, "kept.h5", ["--balance", "off"])
        self.assertNotIn("takes from rank", log)
        assert_same_datasets(self, one, kept, "1 rank vs 2 ranks, --balance off")

    def test_balance_refuses_other_values(self):
        result = run_tool([media("uneven_h264.mp4"), "-o", self.out("x.h5"), "--balance", "maybe"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--balance", result.stderr)


if __name__ == "__main__":
    unittest.main()
