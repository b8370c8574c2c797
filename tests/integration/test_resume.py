"""Checkpoint and resume: a run stopped by SIGUSR1 (what SLURM sends before the time limit) or
killed with SIGKILL leaves OUT.partial with the finished rows marked done; --resume, on any
number of ranks, finishes it, and the file equals an uninterrupted run's."""
import os
import signal
import subprocess
import time
import unittest

import h5py
import numpy as np

from common import (BIN, MPI_ENV, ToolTest, assert_same_datasets, flipped_copy, media, read_h5,
                    rows_done, run_tool)

INTERRUPTED = 4
# Slow enough (many restarts, small write rounds) that the signal lands mid-run, with a margin
# that k-means getting faster does not eat: 80 restarts had become about 1.5 s of work, and 160
# (2.7 s on 2 ranks) let the signal of a loaded machine land after the last row was written;
# 640 are about 8 s. With stored tiles, so that resuming must also keep the tiles of rows
# finished before the interruption.
SLOW = [media("long_gop_h264.mkv"), "--restarts", "640", "--batch", "8", "--threads", "1",
        "--keep-thumbs"]


class Resume(ToolTest):
    def start(self, out, args=SLOW):
        cmd = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", BIN, *args,
               "-o", out, "-v", "0"]
        return subprocess.Popen(cmd, env=MPI_ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def wait_for_rows(self, out, proc, rows=1):
        # The partial file appears once planning is done; wait until `rows` rows are marked done
        # in it (a fixed wait was too short on a loaded machine). The file is readable while
        # written: its metadata is on disk before the first row.
        deadline = time.time() + 120
        while time.time() < deadline:
            self.assertIsNone(proc.poll(), "the run ended before it could be interrupted")
            if os.path.exists(out + ".partial") and rows_done(out + ".partial") >= rows:
                return
            time.sleep(0.2)
        self.fail("no row was written within 120 s")

    def killed_mid_run(self, out, args=SLOW, rows=1):
        """Starts the slow run on 2 ranks and kills it with SIGKILL once it has written `rows`
        rows: mpirun and the ranks, which Open MPI puts in process groups of their own (killing
        mpirun's group alone left them writing into OUT.partial while the test resumed it)."""
        proc = self.start(out, args)
        self.wait_for_rows(out, proc, rows)
        os.killpg(proc.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-KILL", "-f", out], check=False)
        proc.communicate(timeout=60)
        deadline = time.time() + 30
        while subprocess.run(["pgrep", "-f", out], capture_output=True).returncode == 0:
            self.assertLess(time.time(), deadline, "the killed run's ranks are still running")
            time.sleep(0.1)

    def stopped_at_stage(self, cmd, stage, number):
        """Runs `cmd` (one process, -v 2), sends signal `number` once its stage line `stage`
        appears, and checks that it ends within 3 s with exit 4. Returns the rest of stderr."""
        with subprocess.Popen(cmd, env=MPI_ENV, stderr=subprocess.PIPE, text=True) as proc:
            for line in proc.stderr:
                if stage in line:
                    break
            asked = time.time()
            proc.send_signal(number)
            rest = proc.stderr.read()
            proc.wait(timeout=120)
        self.assertLess(time.time() - asked, 3.0, rest)
        self.assertEqual(proc.returncode, INTERRUPTED, rest)
        return rest

    def reference(self):
        return self.barcode("long_gop_h264.mkv", 1, extra=SLOW[1:], name="reference.h5")

    def check_partial(self, out):
        d = read_h5(out + ".partial")
        done = int(d["frames/done"].sum())
        self.assertGreater(done, 0)
        self.assertLess(done, len(d["frames/done"]))
        self.assertEqual(d["attrs"]["complete"], 0)
        self.assertFalse(os.path.exists(out), "an interrupted run must not look finished")
        return done

    def signal_mid_run(self, out, number):
        """Starts the slow run on 2 ranks, sends signal `number` to mpirun's group once it has
        written rows, and checks the checkpoint: exit 4, OUT.partial part done and marked
        interrupted, no OUT. Returns the run's stderr."""
        proc = self.start(out)
        self.wait_for_rows(out, proc)
        os.killpg(proc.pid, number)
        _, stderr = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, INTERRUPTED, stderr)
        self.check_partial(out)
        self.assertEqual(read_h5(out + ".partial")["attrs"]["interrupted"], 1)
        return stderr

    def test_signal_while_mpi_starts_ends_with_exit_4(self):
        # A SIGUSR1 forwarded while MPI_Init was still running ended the rank by the signal's
        # default action (exit 138 from mpirun, no requeue): the handlers came after MPI_Init.
        # A process started alone spawns Open MPI's orted from inside MPI_Init; the signal is
        # sent while that child is there.
        out = self.out("early.h5")
        proc = subprocess.Popen([BIN, media("busy_h264.mp4"), "-o", out], env=MPI_ENV,
                                stderr=subprocess.PIPE, text=True)
        deadline, in_init = time.time() + 30, False
        while not in_init and proc.poll() is None and time.time() < deadline:
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True)
            in_init = children.returncode == 0
            if in_init:
                proc.send_signal(signal.SIGUSR1)
            time.sleep(0.001)
        _, stderr = proc.communicate(timeout=120)
        if not in_init:
            self.skipTest("this MPI library spawns no process during MPI_Init: no window seen")
        self.assertEqual(proc.returncode, INTERRUPTED, stderr)
        self.assertIn("interrupted by signal 10", stderr)
        self.assertFalse(os.path.exists(out))

    def test_signal_checkpoints_and_resume_finishes(self):
        out = self.out("sig.h5")
        self.assertIn("--resume", self.signal_mid_run(out, signal.SIGUSR1))
        result = run_tool([*SLOW, "-o", out, "--resume"], 3)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("resuming with", result.stderr)
        assert_same_datasets(self, self.reference(), read_h5(out), "resumed after a signal")

    def test_sigusr2_to_mpirun_checkpoints_like_sigusr1(self):
        # Open MPI forwards SIGUSR1 and SIGUSR2 to the ranks; the README offers both.
        self.signal_mid_run(self.out("usr2.h5"), signal.SIGUSR2)

    def test_signal_stops_a_long_run_within_seconds(self):
        """SIGUSR1 with seconds of decoding and clustering left on every rank (one software
        decoder each, whose range is its whole segment, and one key frame in the whole clip):
        every rank stops at its next frame, writes what it finished and the job exits 4 within
        5 s; --resume on another rank count then gives the uninterrupted run's file."""
        # About 9 s of clustering per rank: before the decoders checked for signals per frame,
        # the job went on for 12.5 s after the signal and threw most of it away. (With 40
        # restarts the faster k-means finished the whole job in 3 s, so that on a loaded
        # machine it could end before the signal: keep this run long.)
        args = [media("minute_h264.mp4"), "--restarts", "160", "--tile-width", "240",
                "--cpu-decoders", "1", "--threads", "1"]
        out = self.out("stop.h5")
        cmd = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", BIN, *args,
               "-o", out, "-v", "0"]
        proc = subprocess.Popen(cmd, env=MPI_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        self.wait_for_rows(out, proc)
        signalled = time.time()
        os.killpg(proc.pid, signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=120)
        elapsed = time.time() - signalled
        self.assertEqual(proc.returncode, INTERRUPTED, stderr)
        self.assertLess(elapsed, 5.0, "the job went on working after the signal")
        done = self.check_partial(out)
        # Far from done: the signal stopped the work, not only the writing.
        self.assertLess(done, 1500 * 3 // 4)
        result = run_tool([*args, "-o", out, "--resume"], 3)
        self.assertEqual(result.returncode, 0, result.stderr)
        reference = self.barcode("minute_h264.mp4", 2, extra=args[1:], name="minute.h5")
        assert_same_datasets(self, reference, read_h5(out), "resumed after a prompt stop")

    def test_a_signal_to_one_rank_stops_every_rank(self):
        """SIGUSR1 to rank 1's process alone (a node's signal): the write rounds pass it on, the
        job checkpoints and exits 4, and rank 0 says that another rank got it."""
        out = self.out("one-rank.h5")
        proc = self.start(out)
        self.wait_for_rows(out, proc)
        rank1 = None
        # The ranks (and mpirun) name the output on their command lines; Open MPI gives each
        # rank its number in the environment.
        for pid in subprocess.run(["pgrep", "-f", out], capture_output=True,
                                  text=True).stdout.split():
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if b"OMPI_COMM_WORLD_RANK=1" in f.read().split(b"\0"):
                        rank1 = int(pid)
            except OSError:
                continue
        self.assertIsNotNone(rank1, "rank 1's process not found")
        os.kill(rank1, signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, INTERRUPTED, stderr)
        self.check_partial(out)
        self.assertIn("interrupted by a signal to another rank", stderr)
        self.assertNotIn("signal 0", stderr)

    def test_a_signal_while_frames_are_listed(self):
        # Listing an AVI's frames means decoding it (its packets carry no presentation times):
        # a signal then waited for the whole listing, about 11 s for 1000 copies of a 5-s
        # clip. Now it ends the run at once, exit 4, nothing written.
        movie = self.out("long.avi")
        subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", "400", "-i",
                        media("busy_mpeg4.avi"), "-c", "copy", movie], check=True)
        out = self.out("listed.h5")
        rest = self.stopped_at_stage([BIN, movie, "-o", out, "-v", "2"], "input probed",
                                     signal.SIGINT)
        self.assertIn("while its frames were listed", rest)
        self.assertFalse(os.path.exists(out) or os.path.exists(out + ".partial"))

    def test_a_signal_while_the_images_are_drawn(self):
        # Drawing 4096 x 65536 images took 17 s after the file was complete, and a signal then
        # changed nothing: the run went on and exited 0. Now it stops within rows, leaves no
        # temporary image, keeps the complete file, and --resume draws what is missing.
        out, png = self.out("big.h5"), self.out("big-{style}.png")
        cmd = [BIN, media("busy_h264.mp4"), "-o", out, "--png", png, "--style",
               "dominant,smooth,circular", "--width", "4096", "--height", "65536",
               "--tile-width", "32", "-v", "2"]
        rest = self.stopped_at_stage(cmd, "file closed and renamed", signal.SIGTERM)
        self.assertIn("interrupted by signal 15", rest)
        self.assertIn("is complete: run again with --resume", rest)
        self.assertEqual(read_h5(out)["attrs"]["complete"], 1)
        self.assertEqual([n for n in os.listdir(self.tmp) if ".partial" in n], [])
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--png", png, "--style",
                           "dominant,smooth,circular", "--width", "64", "--height", "16",
                           "--tile-width", "32", "--resume"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        for style in ("dominant", "smooth", "circular"):
            self.assertTrue(os.path.exists(self.out(f"big-{style}.png")), style)

    def test_kill_9_then_resume_equals_uninterrupted_run(self):
        out = self.out("kill.h5")
        self.killed_mid_run(out)
        self.check_partial(out)
        result = run_tool([*SLOW, "-o", out, "--resume"], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        assert_same_datasets(self, self.reference(), read_h5(out), "resumed after kill -9")

    def test_kill_9_after_patched_rows_then_resume_is_not_complete(self):
        # The count of patched frames among the done rows is an attribute, which HDF5 kept in
        # its cache until the file was closed: after kill -9 the rows patched over damage were
        # on disk and marked done, their count was not, and --resume ended complete=1, exit 0.
        movie = flipped_copy(media("minute_h264.mp4"), self.out("flipped.mp4"))
        args = [movie, "--restarts", "160", "--tile-width", "240", "--cpu-decoders", "1",
                "--threads", "1", "--batch", "8"]
        out = self.out("patched.h5")
        # Each rank decodes its half in order; at 80 % of the rows both are past the damage,
        # which is 30 % into the file.
        self.killed_mid_run(out, args, rows=1500 * 8 // 10)
        self.check_partial(out)
        self.assertGreater(read_h5(out + ".partial")["attrs"].get("concealed_in_done_rows", 0),
                           0, "the patched rows' count was not on disk with them")
        result = run_tool([*args, "-o", out, "--resume"], 2)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("that an earlier, interrupted run finished were patched", result.stderr)
        self.assertEqual(read_h5(out)["attrs"]["complete"], 0)

    def test_a_rerun_without_resume_keeps_the_interrupted_rows(self):
        # A run without --resume used to make OUT.partial afresh, silently throwing away the
        # rows an interrupted run had finished. Now it is refused; --overwrite starts afresh.
        out = self.out("kept.h5")
        self.killed_mid_run(out)
        done = self.check_partial(out)
        before = os.path.getmtime(out + ".partial")
        result = run_tool([*SLOW, "-o", out], 1)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("kept.h5.partial: exists with the rows of an interrupted run; pass "
                      "--resume", result.stderr)
        self.assertEqual(os.path.getmtime(out + ".partial"), before)
        self.assertEqual(self.check_partial(out), done)
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--overwrite"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(out + ".partial"))

    def test_resume_refuses_a_partial_file_of_other_options(self):
        out = self.out("other.h5")
        self.killed_mid_run(out)
        result = run_tool([*SLOW, "-o", out, "--resume", "--seed", "9"], 1)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("cannot resume: --seed differs (0 in the file, 9 now)", result.stderr)
        # Another movie under the same name: it was told as rows, clusters or tile height that
        # differ (or an older version).
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume"], 2)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("other.h5.partial: cannot resume: the input changed: source", result.stderr)

    def test_an_interrupted_overwrite_says_how_to_continue_it(self):
        # It said "rerun with --resume", which kept the old OUT.h5: "exists, but was made from
        # another input".
        out = self.out("again.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", out, "--tile-width", "16"])
        proc = self.start(out, [*SLOW, "--overwrite"])
        self.wait_for_rows(out, proc)
        os.killpg(proc.pid, signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, INTERRUPTED, stderr)
        self.assertIn("rerun with --resume --overwrite to continue", stderr)
        result = run_tool([*SLOW, "-o", out, "--resume", "--overwrite"], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("resuming with", result.stderr)

    def test_resume_remakes_rows_whose_frames_were_damaged(self):
        # /frames is outside the rows' checksums. A damaged timestamp made one rank refuse in
        # the middle of a collective step while the other read on: 2 ranks hung for good. A
        # damaged time or frame index was kept, and the file said complete=1.
        out = self.out("frames.h5")
        self.killed_mid_run(out, rows=6)
        partial = out + ".partial"
        with h5py.File(partial, "r+") as f:
            done = np.flatnonzero(f["frames/done"][()])
            f["frames/pts"][done[0]] += 1
            f["frames/time"][done[1]] = 12373.3
            f["frames/index"][done[2]] = 1 << 30
        result = run_tool([*SLOW, "-o", out, "--resume"], 2, timeout=240)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("1 rows marked done fail their checksum or do not match", result.stderr)
        assert_same_datasets(self, self.reference(), read_h5(out), "resumed over damage")

    def test_resume_refuses_an_empty_or_cut_partial_file_and_leaves_it(self):
        # An empty OUT.partial was opened and given a superblock ("the file's rows ... differ");
        # one cut short failed as an I/O error, exit 1, with HDF5's call in the message.
        out = self.out("cut.h5")
        self.killed_mid_run(out)
        with open(out + ".partial", "rb") as f:
            whole = f.read()
        for size in (0, 512, len(whole) // 2):
            with self.subTest(size=size):
                with open(out + ".partial", "wb") as f:
                    f.write(whole[:size])
                result = run_tool([*SLOW, "-o", out, "--resume"], 2, timeout=120)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("cut.h5.partial: cannot resume:", result.stderr)
                self.assertIn("remove it or run without --resume", result.stderr)
                self.assertNotIn("H5Fopen(", result.stderr)
                self.assertEqual(os.path.getsize(out + ".partial"), size)

    def test_resume_of_a_finished_run_does_nothing(self):
        out = self.out("done.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", out])
        before = os.path.getmtime(out)
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("nothing to resume", result.stderr)
        self.assertEqual(os.path.getmtime(out), before)
        # With --overwrite the finished run is redone.
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume", "--overwrite"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("nothing to resume", result.stderr)
        self.assertGreater(os.path.getmtime(out), before)


    def test_resume_of_a_finished_run_draws_it_as_barcode_render_does(self):
        # A row damaged on disk after the run finished was drawn as it was, exit 0, where
        # barcode_render leaves it out and exits 3.
        out = self.out("damaged.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", out])
        with h5py.File(out, "r+") as f:
            f["color/dominant"][3] = f["color/dominant"][3] ^ 0x40
        png = self.out("damaged.png")
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume", "--png", png], 2)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("1 rows fail their checksum", result.stderr)
        # Drawn: its image is kept, and said to be (it may be another style's).
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume", "--png", png,
                           "--style", "circular"], 1)
        self.assertIn("damaged.png exists: kept as it is, not drawn again", result.stderr)
        render = os.path.join(os.path.dirname(BIN), "barcode_render")
        drawn = self.out("render.png")
        rendered = subprocess.run([render, out, "-o", drawn], capture_output=True, text=True)
        self.assertEqual(rendered.returncode, 3, rendered.stderr)
        with open(png, "rb") as a, open(drawn, "rb") as b:
            self.assertEqual(a.read(), b.read())

if __name__ == "__main__":
    unittest.main()
