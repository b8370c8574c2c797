"""loop_remux, the benchmarks' long-input maker: an MP4 or a Matroska clip repeated N times
without re-encoding decodes as one film with N times the frames (Matroska leaves the first
packets' decode timestamps unset, and the muxer refused the repetitions' timestamps)."""
import os
import subprocess
import unittest

import h5py

from common import BIN, ToolTest, media

LOOP_REMUX = os.path.join(os.path.dirname(BIN), "loop_remux")


def packets(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                          "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


class LoopRemux(ToolTest):
    def check(self, clip):
        name = os.path.basename(clip)
        long = self.out("long-" + name)
        subprocess.run([LOOP_REMUX, clip, long, "3"], check=True, capture_output=True)
        self.assertEqual(packets(long), 3 * packets(clip))
        out = self.out("long-" + name + ".h5")
        self.run_ok([long, "-o", out])
        with h5py.File(out, "r") as f:
            self.assertTrue(bool(f.attrs["complete"]))
            self.assertEqual(len(f["frames/done"]), 3 * packets(clip))

    def test_mp4(self):
        self.check(media("busy_h264.mp4"))

    def test_matroska_with_b_frames(self):
        # HEVC with four B-frames and open GOPs: the old repetitions' decode timestamps went
        # backwards here.
        self.check(media("busy_hevc.mkv"))
        mkv = self.out("busy.mkv")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", media("busy_h264.mp4"), "-c", "copy",
                        mkv], check=True)
        self.check(mkv)


if __name__ == "__main__":
    unittest.main()
