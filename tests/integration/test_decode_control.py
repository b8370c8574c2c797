"""decode_control, the scaling benchmarks' tool-free control: FFmpeg's own software decoders on a
real clip count its pictures over a window; a file that cannot be decoded, or NVDEC on a machine
without a GPU, is an error that names the cause, never a rate."""
import os
import re
import shutil
import subprocess
import unittest

from common import BIN, ToolTest, media

DECODE_CONTROL = os.path.join(os.path.dirname(BIN), "decode_control")
LINE = re.compile(r"nvdec (\d+): (\d+) frames/s, software (\d+): (\d+) frames/s, "
                  r"total (\d+) frames/s")


def control(*args):
    return subprocess.run([DECODE_CONTROL, *map(str, args)], capture_output=True, text=True,
                          timeout=60)


class DecodeControl(ToolTest):
    def test_software_decoders_count_pictures_round_the_clip(self):
        # busy_h264.mp4 has 125 frames: two decoders for a second go round it several times.
        run = control(media("busy_h264.mp4"), 0, 2, 1)
        self.assertEqual(run.returncode, 0, run.stderr)
        found = LINE.fullmatch(run.stdout.strip())
        self.assertIsNotNone(found, run.stdout)
        nvdec, hw, software, sw, total = map(int, found.groups())
        self.assertEqual((nvdec, hw, software), (0, 0, 2))
        self.assertGreater(sw, 125)
        self.assertEqual(total, sw)

    def test_a_file_that_is_not_video_is_an_error_naming_it(self):
        run = control(media("audio_only.m4a"), 0, 1, 1)
        self.assertEqual(run.returncode, 1)
        self.assertIn("audio_only.m4a", run.stderr)
        self.assertIn("no video stream", run.stderr)
        self.assertEqual(run.stdout, "")

    def test_missing_file_and_bad_arguments(self):
        run = control(self.out("none.mp4"), 0, 1, 1)
        self.assertEqual(run.returncode, 1)
        self.assertIn("none.mp4", run.stderr)
        for args in ([media("busy_h264.mp4"), 0, 0, 1], [media("busy_h264.mp4"), 0, 1, 0], []):
            run = control(*args)
            self.assertEqual(run.returncode, 2, args)
            self.assertEqual(run.stdout, "")

    def test_nvdec_without_a_gpu_fails_with_the_cause(self):
        if shutil.which("nvidia-smi") and \
                subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0:
            self.skipTest("a GPU is here")
        run = control(media("busy_h264.mp4"), 1, 0, 1)
        self.assertEqual(run.returncode, 1)
        self.assertIn("CUDA device", run.stderr)


if __name__ == "__main__":
    unittest.main()
