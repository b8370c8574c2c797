"""Phone video: a clip whose header says to show the picture turned (its display matrix) gives
the results of the same clip made as shown, tile for tile, so that a portrait clip's tiles are
portrait and its column runs from the top of the picture as seen to the bottom. Quarter turns
both ways, a half turn and a transpose (a turn and a mirror); the black bars are found in the
stored picture and cut away before the turn. A turn that is not a quarter turn is not followed."""
import os
import subprocess
import unittest

import h5py

from common import ToolTest, assert_same_datasets, media, read_h5, run_tool
from make_media import with_track_matrix

# The turned clips that have a twin made as shown (make_media.py), and the tile as shown:
# the pillarboxed picture is 240x180, so a quarter turn makes it 180 wide and 240 high.
TURNED = {
    "turn90.mp4": ("turned 90 degrees counterclockwise", (160, 213)),
    "turn180.mp4": ("turned 180 degrees", (160, 120)),
    "turn270.mp4": ("turned 90 degrees clockwise", (160, 213)),
    "turn_transpose.mp4": ("turned 90 degrees clockwise, then mirrored left to right",
                           (160, 213)),
}


class Orientation(ToolTest):
    def test_turned_clip_equals_the_clip_made_as_shown(self):
        for clip, (words, tile) in TURNED.items():
            with self.subTest(clip=clip):
                turned = self.barcode(clip, extra=["--keep-thumbs"])
                shown = self.barcode("shown_" + clip, extra=["--keep-thumbs"])
                self.assertEqual(turned["attrs"]["orientation"], words)
                self.assertNotIn("orientation", shown["attrs"])
                self.assertEqual((turned["attrs"]["tile_width"], turned["attrs"]["tile_height"]),
                                 tile)
                self.assertEqual(turned["frames/thumbs"].shape[1:3], (tile[1], tile[0]))
                # The bars are cut in the stored picture: its width is the shown height.
                self.assertEqual(turned["attrs"]["crop"], "240:180:40:0")
                assert_same_datasets(self, turned, shown, clip)

    def test_turn_is_followed_on_several_ranks(self):
        one = self.barcode("turn90.mp4", 1, extra=["--keep-thumbs"])
        three = self.barcode("turn90.mp4", 3, extra=["--keep-thumbs"])
        assert_same_datasets(self, one, three)

    def test_a_turn_between_quarter_turns_is_not_followed(self):
        h5 = self.out("turn45.h5")
        result = self.run_ok([media("turn45.mp4"), "-o", h5, "--keep-thumbs"])
        self.assertIn("turned by 45 degrees counterclockwise, not a multiple of 90",
                      result.stderr)
        base = self.barcode("turn_base.mp4", extra=["--keep-thumbs"])
        turned = read_h5(h5)
        self.assertNotIn("orientation", turned["attrs"])
        assert_same_datasets(self, turned, base)

    def test_a_matrix_stretched_along_one_axis_still_turns(self):
        # Each column scaled apart, as FFmpeg reads it (-90 degrees): the quarter turn of
        # turn270.mp4. It was refused as "-90 degrees counterclockwise, not a multiple of 90".
        stretched = self.out("stretched.mp4")
        with_track_matrix(media("turn_base.mp4"), stretched,
                          [0, 0x20000, 0, -0x10000, 0, 0, 0, 0, 1 << 30])
        result = self.barcode(stretched, extra=["--keep-thumbs"])
        self.assertEqual(result["attrs"]["orientation"], "turned 90 degrees clockwise")
        assert_same_datasets(self, result, self.barcode("turn270.mp4", extra=["--keep-thumbs"]))

    def test_a_degenerate_matrix_is_ignored_with_a_warning(self):
        # A zero column would flatten the picture to a line: used as stored, and said so
        # (it was ignored without a word).
        flat = self.out("flat.mp4")
        with_track_matrix(media("turn_base.mp4"), flat, [0x10000, 0, 0, 0, 0, 0, 0, 0, 1 << 30])
        h5 = self.out("flat.h5")
        result = self.run_ok([flat, "-o", h5, "--keep-thumbs"])
        self.assertIn("display matrix is degenerate", result.stderr)
        turned = read_h5(h5)
        self.assertNotIn("orientation", turned["attrs"])
        assert_same_datasets(self, turned, self.barcode("turn_base.mp4", extra=["--keep-thumbs"]))

    def test_pixel_aspect_stated_by_the_container_shapes_the_tile(self):
        # An MP4 whose pasp box says 2:1 while the H.264 stream says 1:1: players show it twice
        # as wide, and so is the tile (it was 160x90, the stream's square pixels).
        wide = self.out("wide.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", media("turn_base.mp4"), "-c", "copy",
                        "-aspect", "640:180", wide], check=True)
        result = self.barcode(wide, extra=["--crop", "none", "--tile-width", "160"])
        self.assertEqual((result["attrs"]["tile_width"], result["attrs"]["tile_height"]),
                         (160, 45))

    def test_clustering_stored_tiles_again_keeps_how_they_were_made(self):
        # --from-h5: the same tiles, so the same orientation, crop and tone mapping (all three
        # were left out of the new file).
        for clip, facts in (("turn90.mp4", ("orientation", "crop", "crop_method")),
                            ("hdr_pq.mkv", ("tone_map", "hdr_transfer", "hdr_source_peak",
                                            "hdr_max_cll"))):
            with self.subTest(clip=clip):
                kept = self.out(clip + ".kept.h5")
                self.run_ok([media(clip), "-o", kept, "--keep-thumbs"])
                again = self.out(clip + ".again.h5")
                self.run_ok(["--from-h5", kept, "-o", again, "-k", "5"], ranks=2)
                source, result = read_h5(kept)["attrs"], read_h5(again)["attrs"]
                for name in facts:
                    self.assertIn(name, source)
                    self.assertEqual(result.get(name), source[name], name)

    def test_resume_refuses_rows_turned_otherwise(self):
        # The input's header changed where its content fingerprint does not look (a large file
        # whose track header lies between the sampled bytes): the rows already made were turned
        # otherwise, and resuming made a file of rows turned two ways. Here the partial file's
        # record of the turn is changed instead.
        out = self.out("r.h5")
        self.run_ok([media("turn90.mp4"), "-o", out, "--keep-thumbs"])
        os.rename(out, out + ".partial")
        self.run_ok([media("turn90.mp4"), "-o", out, "--keep-thumbs", "--resume"])
        os.rename(out, out + ".partial")
        with h5py.File(out + ".partial", "r+") as f:
            f.attrs["orientation"] = "turned 180 degrees"
        result = run_tool([media("turn90.mp4"), "-o", out, "--keep-thumbs", "--resume"])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("its rows were made turned 180 degrees, the input is now shown turned 90 "
                      "degrees counterclockwise", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_tile_width_is_checked_against_the_width_as_shown(self):
        # 200 fits the stored frame (320 wide) but not the picture as shown (180 wide).
        result = run_tool([media("turn90.mp4"), "-o", self.out("x.h5"), "--tile-width", "200"])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("larger than the frame width 180 (as shown", result.stderr)

    def test_gpu_equals_cpu(self):
        # The tile kernel turns NVDEC surfaces (turn_busy_h264.mp4) and uploaded software
        # frames (the lossless clips): the file equals a CPU run's.
        self.assert_gpu_file_equals_cpu(["turn_busy_h264.mp4", *TURNED])


if __name__ == "__main__":
    unittest.main()
