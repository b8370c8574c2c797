"""Bad input: one clear line naming the file and the cause, the documented exit code, no crash,
and never an output file that looks complete but is not."""
import os
import shutil
import subprocess
import unittest

import numpy as np

from common import (BIN, MPI_ENV, ToolTest, assert_same_datasets, flipped_copy, media, read_h5,
                    run_tool)

USAGE = 2
INCOMPLETE = 3


class BadInput(ToolTest):
    def expect_refusal(self, args, message_parts, ranks=2, code=USAGE):
        out = self.out("out.h5")
        result = run_tool([*args, "-o", out] if "-o" not in args else args, ranks)
        self.assertEqual(result.returncode, code, result.stderr)
        errors = [l for l in result.stderr.splitlines() if "error:" in l]
        self.assertEqual(len(errors), 1, f"expected one error line:\n{result.stderr}")
        for part in message_parts:
            self.assertIn(part, errors[0])
        self.assertNotIn("Segmentation", result.stderr)
        if "-o" not in args:
            self.assertFalse(os.path.exists(out), "no output for refused input")
            self.assertFalse(os.path.exists(out + ".partial"))
        return result

    def run_as_nobody(self, args):
        """Runs one rank (MPI singleton) as an unprivileged user, for permission cases."""
        if os.geteuid() != 0:
            return subprocess.run([BIN, *args], capture_output=True, text=True, env=MPI_ENV)
        if not shutil.which("setpriv"):
            self.skipTest("setpriv is needed to drop root for permission tests")
        os.chmod(self.tmp, 0o777)  # outputs may go here; inputs keep their own modes
        return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               BIN, *args], capture_output=True, text=True, env=MPI_ENV)

    def test_missing_file(self):
        self.expect_refusal([self.out("nope.mp4")], ["nope.mp4", "No such file"])

    def test_directory_as_input(self):
        self.expect_refusal([self.tmp], [self.tmp, "directory"])

    def test_unreadable_file(self):
        movie = self.out("secret.mp4")
        shutil.copy(media("busy_h264.mp4"), movie)
        os.chmod(movie, 0o000)
        result = self.run_as_nobody([movie, "-o", self.out("x.h5")])
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("secret.mp4", result.stderr)
        self.assertIn("Permission denied", result.stderr)

    def test_text_file_named_mp4(self):
        self.expect_refusal([media("text.mp4")], ["text.mp4", "not a readable media file"])

    def test_zero_byte_file(self):
        self.expect_refusal([media("empty.mp4")], ["empty.mp4", "empty (0 bytes)"])

    def test_audio_only_file(self):
        self.expect_refusal([media("audio_only.m4a")], ["audio_only.m4a", "no video stream",
                                                         "audio"])

    def test_truncated_file_keeps_what_is_readable(self):
        out, png = self.out("t.h5"), self.out("t.png")
        result = run_tool([media("truncated.mkv"), "-o", out, "--png", png], 2)
        self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
        self.assertIn("truncated.mkv", result.stderr)
        self.assertIn("truncated", result.stderr)
        d = read_h5(out)
        self.assertEqual(d["attrs"]["complete"], 0)
        self.assertEqual(d["attrs"]["truncated"], 1)
        done = int(d["frames/done"].sum())
        self.assertGreater(done, 30)  # the readable half is processed
        self.assertLess(len(d["frames/done"]), 125)
        self.assertTrue(os.path.exists(png))

    def test_corrupt_packets_are_skipped_and_the_run_goes_on(self):
        out = self.out("c.h5")
        result = run_tool([media("corrupt_h264.mp4"), "-o", out], 2)
        self.assertIn(result.returncode, (0, INCOMPLETE), result.stderr)
        self.assertIn("corrupt_h264.mp4", result.stderr)
        self.assertIn("damaged data skipped", result.stderr)
        d = read_h5(out)
        self.assertEqual(len(d["frames/done"]), 125)
        self.assertGreater(int(d["frames/done"].sum()), 100)
        self.assertEqual(d["attrs"]["complete"], 1 if result.returncode == 0 else 0)
        self.assertEqual(d["attrs"]["frames_missing"], 125 - int(d["frames/done"].sum()))

    def test_invalid_option_values(self):
        movie = media("busy_h264.mp4")
        cases = [
            (["--clusters", "0"], ["--clusters", "between 1 and 32"]),
            (["--fps", "-2"], ["--fps", "positive"]),
            (["--start", "3", "--end", "1"], ["--end", "after --start"]),
            (["--tile-width", "400"], ["busy_h264.mp4", "--tile-width 400", "frame width 320"]),
            (["--every", "2", "--fps", "3"], ["--every and --fps exclude each other"]),
            (["--gpu", "sometimes"], ["--gpu"]),
        ]
        for extra, parts in cases:
            with self.subTest(extra=extra):
                self.expect_refusal([movie, *extra], parts)

    def test_gpu_required_without_a_gpu(self):
        if shutil.which("nvidia-smi") and subprocess.run(["nvidia-smi", "-L"],
                                                         capture_output=True).returncode == 0:
            self.skipTest("this machine has a GPU")
        self.expect_refusal([media("busy_h264.mp4"), "--gpu", "on"], ["--gpu on", "no CUDA device"])

    def test_slurm_tasks_but_one_mpi_rank(self):
        # SLURM started 4 tasks, but MPI sees one: N independent copies would each do the whole
        # job. The tool refuses and says how to launch it.
        env = dict(MPI_ENV, SLURM_NTASKS="4", SLURM_STEP_NUM_TASKS="4", SLURM_JOB_ID="1234",
                   SLURM_PROCID="0")
        result = subprocess.run([BIN, media("busy_h264.mp4"), "-o", self.out("x.h5")],
                                capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("SLURM started 4 tasks", result.stderr)
        self.assertIn("srun --mpi=pmix", result.stderr)
        self.assertFalse(os.path.exists(self.out("x.h5")))
        # One process started by hand inside a 4-task allocation (no srun step) is fine.
        env = dict(MPI_ENV, SLURM_NTASKS="4", SLURM_JOB_ID="1234")
        result = subprocess.run([BIN, media("busy_h264.mp4"), "-o", self.out("y.h5")],
                                capture_output=True, text=True, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_hdr_input_other_than_420_is_refused_not_washed_out(self):
        self.expect_refusal([media("hdr_pq_422.mkv")],
                            ["hdr_pq_422.mkv", "HDR", "PQ", "Tone-map"])

    def test_output_directory_missing(self):
        self.expect_refusal([media("busy_h264.mp4"), "-o", self.out("no/such/dir/x.h5")],
                            ["x.h5", "does not exist"])

    def test_output_directory_not_writable(self):
        locked = self.out("locked")
        os.mkdir(locked, 0o555)
        result = self.run_as_nobody([media("busy_h264.mp4"), "-o", os.path.join(locked, "x.h5")])
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("not writable", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(locked, "x.h5")))

    def test_existing_output_needs_overwrite(self):
        out = self.out("exists.h5")
        with open(out, "w") as f:
            f.write("precious")
        self.expect_refusal([media("busy_h264.mp4"), "-o", out], ["exists.h5", "--overwrite"])
        with open(out) as f:
            self.assertEqual(f.read(), "precious")

    def test_outputs_named_like_each_others_work_files(self):
        # The image is written beside its name and renamed into place: under a name of its
        # own, so that no file already there (another output, or the user's) is replaced.
        clip = media("busy_h264.mp4")
        h5, png = self.out("x.png.partial"), self.out("x.png")
        result = run_tool([clip, "-o", h5, "--png", png], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(read_h5(h5)["attrs"]["complete"], 1)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        mine = self.out("y.png.partial")
        with open(mine, "w") as f:
            f.write("precious")
        result = run_tool([clip, "-o", self.out("y.h5"), "--png", self.out("y.png")], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(mine) as f:
            self.assertEqual(f.read(), "precious")
        self.assertEqual(sorted(n for n in os.listdir(self.tmp) if ".partial-" in n), [])
        # The image may not take the name of the results' own work file.
        out = self.out("z.h5")
        self.expect_refusal([clip, "-o", out, "--png", out + ".partial"],
                            ["--png", "z.h5.partial"])
        self.assertFalse(os.path.exists(out))

    def test_outputs_and_inputs_named_by_other_spellings(self):
        # Names were compared as strings: --png ./x.h5 replaced the results with the image,
        # --png ./x.h5.partial.lock was deleted with the lock at the end (both exit 0), and
        # --from-h5 OUT.partial -o OUT --overwrite made the input afresh, losing its tiles.
        clip = media("busy_h264.mp4")
        here = os.path.join(self.tmp, "sub", "..")
        os.mkdir(os.path.join(self.tmp, "sub"))
        out = self.out("x.h5")
        for png, part in ((os.path.join(here, "x.h5"), "--png must differ from --output"),
                          (os.path.join(here, "x.h5.partial"), "--output's work file"),
                          (os.path.join(here, "x.h5.partial.lock"), "--output's work file")):
            self.expect_refusal([clip, "-o", out, "--png", png], [part], ranks=1)
            self.assertFalse(os.path.exists(out))
        self.expect_refusal([clip, "-o", os.path.join(os.path.dirname(clip), ".", "busy_h264.mp4"),
                             "--overwrite"], ["must not be the input"], ranks=1)
        source = self.out("k.h5")
        self.assertEqual(run_tool([clip, "-o", source, "--keep-thumbs", "--tile-width", "32"], 1)
                         .returncode, 0)
        os.replace(source, self.out("w.h5.partial"))
        before = os.path.getsize(self.out("w.h5.partial"))
        for extra in ([], ["--overwrite"]):
            self.expect_refusal(["--from-h5", os.path.join(here, "w.h5.partial"), "-o",
                                 self.out("w.h5"), *extra], ["is --output's work file"],
                                ranks=1)
            self.assertEqual(os.path.getsize(self.out("w.h5.partial")), before)

    def test_a_picture_that_shrinks_below_the_tile_midway(self):
        # 170x98 pictures, then 128x72 ones, with 160-pixel tiles: the small pictures are the
        # same area sums (each tile pixel covers parts of one or two of theirs), as on the GPU;
        # the run ended with exit 1 at the first of them. Exit 3: two packets of the joined
        # stream repeat a timestamp.
        results = []
        for ranks in (1, 2):
            out = self.out(f"shrink{ranks}.h5")
            result = run_tool([media("size_change_h264.ts"), "-o", out], ranks)
            self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
            self.assertIn("repeat an earlier timestamp", result.stderr)
            results.append(read_h5(out))
        done = results[0]["frames/done"]
        self.assertEqual(int(done[-5:].sum()), 5, "the small pictures' rows")
        assert_same_datasets(self, results[0], results[1], "1 and 2 ranks")

    def test_frames_patched_over_damage_are_not_complete(self):
        # Bytes flipped inside the coded pictures: every packet still reads and every frame
        # decodes, but the decoder patches some over the damage (decode_error_flags). Their
        # rows are written; the file is damaged input, not complete (it was exit 0, complete=1).
        movie = flipped_copy(media("minute_h264.mp4"), self.out("flipped.mp4"))
        results = []
        for ranks in (1, 2):
            out = self.out(f"flipped{ranks}.h5")
            result = run_tool([movie, "-o", out, "--tile-width", "64"], ranks)
            self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
            self.assertIn("sampled frames were patched over damaged data", result.stderr)
            d = read_h5(out)
            self.assertEqual(d["attrs"]["complete"], 0)
            self.assertGreater(d["attrs"]["input_damage"], 0)
            results.append(d)
        assert_same_datasets(self, results[0], results[1], "1 and 2 ranks")
        self.assertEqual(results[0]["attrs"]["input_damage"], results[1]["attrs"]["input_damage"])
        # Resumed after the patched rows were finished: they are not decoded again, and the
        # file is still not complete (it was complete=1 and exit 0 once every damaged row had
        # been written before the interruption). Here every row was: the finished file, named
        # back to OUT.partial, is what an interruption after the last row leaves.
        out = self.out("flipped1.h5")
        os.replace(out, out + ".partial")
        result = run_tool([movie, "-o", out, "--tile-width", "64", "--resume"], 2)
        self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
        self.assertIn("that an earlier, interrupted run finished were patched", result.stderr)
        d = read_h5(out)
        self.assertEqual(d["attrs"]["complete"], 0)
        self.assertEqual(d["attrs"]["input_damage"], results[0]["attrs"]["input_damage"])

    def test_frames_decoded_from_a_patched_frame_that_is_not_sampled_are_not_complete(self):
        # Three bytes flipped, sampling every 10th frame: the patched frames were not sampled,
        # the sampled ones after them (the clip has one key frame) decoded to other pixels, and
        # the run said complete=1, exit 0.
        reference = self.out("intact.h5")
        args = ["--every", "10", "--tile-width", "32", "--restarts", "1"]
        self.assertEqual(run_tool([media("minute_h264.mp4"), "-o", reference, *args], 1)
                         .returncode, 0)
        movie = flipped_copy(media("minute_h264.mp4"), self.out("flipped.mp4"), seed=4, flips=3)
        results = []
        for ranks in (1, 2):
            out = self.out(f"unsampled{ranks}.h5")
            result = run_tool([movie, "-o", out, *args], ranks)
            self.assertEqual(result.returncode, INCOMPLETE, result.stderr)
            self.assertIn("or decoded from such frames since a key frame", result.stderr)
            results.append(read_h5(out))
        # A row's checksum covers its colours: the rows whose colours came out other than the
        # intact clip's, every one of them counted.
        changed = int((read_h5(reference)["frames/checksum"] != results[0]["frames/checksum"])
                      .sum())
        self.assertGreater(changed, 0, "the damage changed no sampled row")
        for d in results:
            self.assertEqual(d["attrs"]["complete"], 0)
            self.assertGreaterEqual(d["attrs"]["input_damage"], changed)
        self.assertEqual(results[0]["attrs"]["input_damage"], results[1]["attrs"]["input_damage"])

    def test_a_jpeg_cut_short_is_not_complete(self):
        # FFmpeg's JPEG decoder fills a cut picture from what is left and flags nothing ("EOI
        # missing, emulating" in its log): it came out complete=1, exit 0. Cut in its scan, or
        # only its last two bytes (the end marker), the picture is damaged input now.
        with open(media("still.jpg"), "rb") as f:
            data = f.read()
        for name, keep in (("half", len(data) // 2), ("no_end", len(data) - 2)):
            movie = self.out(f"{name}.jpg")
            with open(movie, "wb") as f:
                f.write(data[:keep])
            out = self.out(f"{name}.h5")
            result = run_tool([movie, "-o", out], 1)
            self.assertEqual(result.returncode, INCOMPLETE, f"{name}:\n{result.stderr}")
            self.assertIn("patched over damaged data", result.stderr)
            d = read_h5(out)
            self.assertEqual(d["attrs"]["complete"], 0, name)
            self.assertEqual(d["attrs"]["input_damage"], 1, name)
        result = run_tool([media("still.jpg"), "-o", self.out("whole.h5")], 1)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_empty_output_name(self):
        self.expect_refusal([media("busy_h264.mp4"), "-o", ""], ["--output", "empty"])


if __name__ == "__main__":
    unittest.main()
