"""--manifest: many movies in one run. With more movies than ranks each rank takes whole movies
from a queue, otherwise all ranks split each movie; either way every movie's file equals a direct
run's, a bad movie is recorded as failed while the others finish, outputs are named as
slurm/archive.sbatch names them, and a rerun skips what is complete."""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from common import BIN, MPI_ENV, ToolTest, assert_same_datasets, media, read_h5, run_tool

GOOD = ["busy_h264.mp4", "solid_rgb.mkv", "bands_rgb.mkv", "busy_vp9.webm", "regions_rgb.mkv"]
LOOP_REMUX = os.path.join(os.path.dirname(BIN), "loop_remux")
RENDER = os.environ.get("BARCODE_RENDER", os.path.join(os.path.dirname(BIN), "barcode_render"))
SOURCE = os.environ.get("BARCODE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


def output_name(line):
    """The rule of slurm/archive.sbatch: stem (braces made parentheses, at most 200 bytes, cut
    between UTF-8 characters), then 12 hex digits of the line's SHA-1."""
    stem = os.path.basename(line.rstrip("/")).rsplit(".", 1)[0]  # a/b/ names b, as basename does
    stem = stem.replace("{", "(").replace("}", ")")
    stem = stem.encode()[:200].decode(errors="ignore")
    return f"{stem}-{hashlib.sha1(line.encode()).hexdigest()[:12]}"


class Manifest(ToolTest):
    def write_manifest(self, names):
        path = self.out("list.txt")
        with open(path, "w") as f:
            f.write("".join(media(n) + "\n" for n in names))
        return path

    def looped(self, clip, times, name):
        """`clip` repeated `times` times by loop_remux into the test's folder."""
        path = self.out(name)
        subprocess.run([LOOP_REMUX, media(clip), path, str(times)], check=True,
                       capture_output=True)
        return path

    def direct(self, name):
        out = self.out(f"direct-{name}.h5")
        self.run_ok([media(name), "-o", out, "--overwrite"], 1)
        return read_h5(out)

    def check_outputs(self, names, outdir):
        for name in names:
            stem = output_name(media(name))
            with self.subTest(movie=name):
                self.assertTrue(os.path.getsize(os.path.join(outdir, stem + ".png")) > 0)
                got = read_h5(os.path.join(outdir, stem + ".h5"))
                self.assertEqual(got["attrs"]["complete"], 1)
                assert_same_datasets(self, self.direct(name), got, f"{name} from the manifest")

    def test_several_movies_at_once_on_one_rank(self):
        # One rank works on three movies at a time, each in a thread with its share of the
        # decoders: every file equals a direct run's, and a bad movie among them is recorded.
        names = GOOD[:2] + ["text.mp4"] + GOOD[2:]
        outdir = self.out("at-once")
        result = run_tool(["--manifest", self.write_manifest(names), "-o", outdir,
                           "--movies-at-once", "3", "--threads", "3"], 1)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("3 at once per rank", result.stderr)
        self.check_outputs(GOOD, outdir)
        self.assertIn("5 done, 1 failed, 0 interrupted, 0 not started, of 6", result.stderr)
        record = os.path.join(outdir, "failed", output_name(media("text.mp4")) + ".txt")
        self.assertTrue(os.path.exists(record))

    def test_many_short_movies_at_once_never_crash(self):
        # Rank 0 reckoned a movie's file size through HDF5 outside HDF5's lock while other
        # movies' threads were inside it: a crash (segmentation fault in H5Acreate2 or a
        # corrupt heap at exit) in about one run in fifteen of 18 short movies, 6 at once.
        links = self.out("movies")
        os.mkdir(links)
        for i in range(18):
            name = ["busy_h264.mp4", "still.jpg", "pillar_h264.mp4"][i % 3]
            os.symlink(media(name), os.path.join(links, f"m{i}-{name}"))
        listing = self.out("many.txt")
        with open(listing, "w") as f:
            f.write("".join(os.path.join(links, n) + "\n" for n in sorted(os.listdir(links))))
        for attempt in range(4):
            outdir = self.out(f"many{attempt}")
            result = run_tool(["--manifest", listing, "-o", outdir, "--movies-at-once", "6",
                               "--tile-width", "32", "--restarts", "1"], 1)
            self.assertEqual(result.returncode, 0, f"attempt {attempt}:\n{result.stderr[-3000:]}")
            self.assertIn("18 done", result.stderr)

    def test_movies_planned_ahead_equal_direct_runs(self):
        # Two slots and two planners: most movies are planned while others are being made, a
        # bad one among them is that movie's failure (its plan's error recorded), and every
        # file equals a direct run's.
        names = GOOD[:2] + ["text.mp4"] + GOOD[2:]
        outdir = self.out("ahead")
        result = run_tool(["--manifest", self.write_manifest(names), "-o", outdir,
                           "--movies-at-once", "2", "--threads", "2", "-v", "2"], 1)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertGreaterEqual(result.stderr.count("plan made ahead"), 2, result.stderr)
        self.check_outputs(GOOD, outdir)
        self.assertIn("5 done, 1 failed, 0 interrupted, 0 not started, of 6", result.stderr)
        name = output_name(media("text.mp4"))
        with open(os.path.join(outdir, "failed", name + ".txt")) as f:
            self.assertEqual(f.read().split("\t")[0], "2")
        with open(os.path.join(outdir, "logs", name + ".log")) as f:
            self.assertIn("text.mp4", f.read())

    def test_queue_of_whole_movies_with_a_bad_one(self):
        names = GOOD[:2] + ["text.mp4"] + GOOD[2:]
        outdir = self.out("archive")
        result = run_tool(["--manifest", self.write_manifest(names), "-o", outdir], 2)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("whole movies to ranks from a queue", result.stderr)
        self.check_outputs(GOOD, outdir)
        # The bad movie: a failure record as archive.sbatch writes it, and no output.
        record = os.path.join(outdir, "failed", output_name(media("text.mp4")) + ".txt")
        with open(record) as f:
            code, path, _date, _job = f.read().rstrip("\n").split("\t")
        self.assertEqual((code, path), ("2", media("text.mp4")))
        # The summary: one line per movie, in manifest order.
        with open(os.path.join(outdir, "manifest-summary.tsv")) as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        self.assertEqual([r[1] for r in rows], [media(n) for n in names])
        self.assertEqual([r[3] for r in rows], ["done", "done", "FAILED", "done", "done", "done"])
        self.assertEqual(rows[0][5], "125")  # frames of busy_h264.mp4
        self.assertIn("5 done, 1 failed, 0 interrupted, 0 not started, of 6", result.stderr)
        # scripts/archive_status.sh reads the same tree.
        status = subprocess.run(["bash", os.path.join(SOURCE, "scripts", "archive_status.sh"),
                                 self.out("list.txt"), outdir], capture_output=True, text=True)
        self.assertEqual(status.stdout.splitlines()[:4],
                         ["done 5", "failed 1", "missing 0", "total 6"], status.stderr)
        # A rerun skips the complete movies and tries the bad one again.
        before = os.path.getmtime(os.path.join(outdir, output_name(media(GOOD[0])) + ".h5"))
        again = run_tool(["--manifest", self.out("list.txt"), "-o", outdir], 3)
        self.assertEqual(again.returncode, 1, again.stderr)
        self.assertIn("6 movies, 5 complete already", again.stderr)
        self.assertEqual(before,
                         os.path.getmtime(os.path.join(outdir, output_name(media(GOOD[0])) + ".h5")))

    def test_fewer_short_clips_than_ranks_go_whole_unless_split_movies_all(self):
        # Two clips of a few seconds on three ranks: by default a rank each at once, not one
        # after another on all three (each movie's start would cost every rank more than it
        # saves); --split-movies all makes each with every rank.
        for flags, said, ranks in (([], "whole movies to ranks from a queue", 1),
                                   (["--split-movies", "all"],
                                    "one after another, all ranks on each", 3)):
            with self.subTest(flags=flags):
                outdir = self.out(f"few{ranks}")
                result = run_tool(["--manifest", self.write_manifest(GOOD[:2]), "-o", outdir,
                                   *flags], 3)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(said, result.stderr)
                self.check_outputs(GOOD[:2], outdir)
                got = read_h5(os.path.join(outdir, output_name(media(GOOD[0])) + ".h5"))
                self.assertEqual(got["attrs"]["ranks"], ranks)

    def test_the_long_movie_left_over_is_made_by_all_ranks_after_the_queue(self):
        # Four movies on two ranks: the queue would leave one rank idle while the other makes
        # the 3-minute movie (7 s of a one-core rank by the estimate, against 0.1 s for each
        # clip); it is made by both ranks after the clips instead, and equals a direct run. A
        # still picture among them (a movie of no known length) counts as a short one.
        long_movie = self.looped("minute_h264.mp4", 3, "three-minutes.mp4")
        listing = self.out("long.txt")
        with open(listing, "w") as f:
            f.write(f"{media(GOOD[0])}\n{long_movie}\n{media(GOOD[1])}\n{media('still.png')}\n")
        outdir = self.out("long")
        common = ["--threads", "1", "--tile-width", "32", "--restarts", "1"]
        result = run_tool(["--manifest", listing, "-o", outdir, *common, "-v", "2"], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("whole movies to ranks from a queue, 1 at once per rank; then the last 1 "
                      "one after another, all ranks on each", result.stderr)
        got = read_h5(os.path.join(outdir, output_name(long_movie) + ".h5"))
        self.assertEqual(got["attrs"]["ranks"], 2)
        self.assertEqual(got["attrs"]["complete"], 1)
        direct = self.out("direct-long.h5")
        self.run_ok([long_movie, "-o", direct, *common], 1)
        assert_same_datasets(self, read_h5(direct), got, "the long movie made by both ranks")
        for name in GOOD[:2] + ["still.png"]:
            clip = read_h5(os.path.join(outdir, output_name(media(name)) + ".h5"))
            self.assertEqual(clip["attrs"]["ranks"], 1, name)
        self.assertIn("4 done, 0 failed, 0 interrupted, 0 not started, of 4", result.stderr)
        # The movies made together come after every movie of the queue.
        lines = [l for l in result.stderr.splitlines() if "manifest: line" in l and "->" in l]
        self.assertIn("three-minutes.mp4", lines[-1], result.stderr)

    def test_a_film_among_many_clips_gets_the_whole_rank_after_them(self):
        # Eleven movies on one rank, four at once: a slot has a quarter of the rank, and the
        # film (the largest file, probed; the clips beyond the 8 probed reckoned from their
        # sizes) is made after the clips with all of it. Its file equals a direct run's.
        long_movie = self.looped("minute_h264.mp4", 3, "three-minutes.mp4")
        links = self.out("clips")
        os.mkdir(links)
        clips = [os.path.join(links, f"c{i}-{name}") for i, name in
                 enumerate((GOOD[:2] + ["pillar_h264.mp4", "bands_rgb.mkv", "busy_vp9.webm"]) * 2)]
        for clip in clips:
            os.symlink(media(os.path.basename(clip).split("-", 1)[1]), clip)
        listing = self.out("many.txt")
        with open(listing, "w") as f:
            f.write("".join(line + "\n" for line in [clips[0], long_movie, *clips[1:]]))
        outdir = self.out("many")
        common = ["--threads", "1", "--tile-width", "32", "--restarts", "1"]
        result = run_tool(["--manifest", listing, "-o", outdir, "--movies-at-once", "4",
                           *common, "-v", "2"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("whole movies to ranks from a queue, 4 at once per rank; then the last 1 "
                      "one after another, all ranks on each", result.stderr)
        self.assertIn("estimated time on one rank", result.stderr)
        lines = [l for l in result.stderr.splitlines() if "manifest: line" in l and "->" in l]
        self.assertEqual(len(lines), 11, result.stderr)
        self.assertIn("three-minutes.mp4", lines[-1], result.stderr)
        got = read_h5(os.path.join(outdir, output_name(long_movie) + ".h5"))
        direct = self.out("direct-long.h5")
        self.run_ok([long_movie, "-o", direct, *common], 1)
        assert_same_datasets(self, read_h5(direct), got, "the film made with the whole rank")
        self.assertIn("11 done, 0 failed, 0 interrupted, 0 not started, of 11", result.stderr)

    def test_ranks_of_unequal_cores_agree_on_the_movies_made_together(self):
        # Two ranks, one core and two (nodes of two kinds): each rank's own speed made an 8-minute
        # film worth making together on one and not on the other, and the ranks met in
        # different collective calls (MPI_ERR_TRUNCATE). They now reckon with one speed, the
        # slower, and agree.
        film = self.looped("busy_h264.mp4", 96, "eight-minutes.mp4")
        links = self.out("unequal")
        os.mkdir(links)
        lines = []
        for i in range(3):
            os.symlink(film, os.path.join(links, f"film{i}.mp4"))
            lines.append(os.path.join(links, f"film{i}.mp4"))
        for i in range(5):
            os.symlink(media("busy_h264.mp4"), os.path.join(links, f"clip{i}.mp4"))
            lines.append(os.path.join(links, f"clip{i}.mp4"))
        listing = self.out("unequal.txt")
        with open(listing, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        outdir = self.out("unequal-out")
        common = ["--manifest", listing, "-o", outdir, "--tile-width", "32", "--restarts", "1"]
        cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", "1", BIN, *common,
               "--threads", "1", ":", "-np", "1", BIN, *common, "--threads", "2"]
        result = subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("8 done, 0 failed, 0 interrupted, 0 not started, of 8", result.stderr)

    def test_split_movies_counts_the_last_movies_and_refuses_other_words(self):
        # --split-movies 1 of three clips on two ranks: the smallest is made by both after the
        # queue; a word it does not know is a usage error.
        names = GOOD[:3]
        outdir = self.out("one-split")
        result = run_tool(["--manifest", self.write_manifest(names), "-o", outdir,
                           "--split-movies", "1"], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("then the last 1 one after another, all ranks on each", result.stderr)
        self.check_outputs(names, outdir)
        ranks = sorted(read_h5(os.path.join(outdir, output_name(media(n)) + ".h5"))["attrs"]
                       ["ranks"] for n in names)
        self.assertEqual(ranks, [1, 1, 2])
        bad = run_tool(["--manifest", self.write_manifest(names), "-o", outdir,
                        "--split-movies", "some"], 1)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("--split-movies some: must be auto, all or a number", bad.stderr)
        alone = run_tool([media(GOOD[0]), "-o", self.out("x.h5"), "--split-movies", "1"], 1)
        self.assertEqual(alone.returncode, 2, alone.stderr)
        self.assertIn("--split-movies applies to --manifest only", alone.stderr)

    def test_signal_stops_the_queue_and_a_rerun_finishes_it(self):
        # Slow clustering so that the signal lands while movies are being made: about 4 s of
        # work after the first .partial appears on an idle 2-core machine, against the 0.5 s
        # waited (60 restarts left 1.4 s once k-means got faster, and the run could end first).
        slow = ["--restarts", "180", "--batch", "8", "--threads", "1"]
        names = ["long_gop_h264.mkv", "busy_h264.mp4", "busy_hevc.mkv"]
        outdir = self.out("signal")
        cmd = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", BIN, "--manifest",
               self.write_manifest(names), "-o", outdir, *slow]
        proc = subprocess.Popen(cmd, env=MPI_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline and not any(
                f.endswith(".partial") for f in (os.listdir(outdir) if os.path.isdir(outdir) else [])):
            time.sleep(0.1)
        time.sleep(0.5)
        self.assertIsNone(proc.poll(), "the run ended before it could be interrupted")
        os.killpg(proc.pid, signal.SIGUSR1)
        _, stderr = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 4, stderr)
        self.assertIn("interrupted", stderr)
        result = run_tool(["--manifest", self.out("list.txt"), "-o", outdir, *slow], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        for name in names:
            with self.subTest(movie=name):
                direct = self.out(f"direct-{name}.h5")
                self.run_ok([media(name), "-o", direct, *slow], 1)
                got = read_h5(os.path.join(outdir, output_name(media(name)) + ".h5"))
                assert_same_datasets(self, read_h5(direct), got, f"{name} after a signal")

    def test_under_srun_ranks_working_alone_are_not_a_split_launch(self):
        # srun sets SLURM_STEP_NUM_TASKS in every task. A queue's rank works alone on its
        # movie (one rank of its own), which must not be taken for N copies of a 1-rank job,
        # while a real split launch (MPI sees 1 rank of 2 tasks) is still refused, once.
        manifest = self.write_manifest(GOOD[:3])
        cmd = ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none",
               "-x", "SLURM_STEP_NUM_TASKS=2", BIN, "--manifest", manifest, "-o", self.out("q")]
        result = subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("whole movies to ranks from a queue", result.stderr)
        cmd[2] = "1"
        result = subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stderr.count("SLURM started 2 tasks but MPI sees 1 rank"), 1)

    def test_summary_lines_and_an_incomplete_movie(self):
        # The summary's `line` is the movie's line in the file (comments and blank lines
        # counted), and a movie that ends incomplete (exit 3) is recorded like a failure: a
        # record, and its cause in logs/NAME.log where archive.sbatch keeps messages.
        manifest = self.out("commented.txt")
        with open(manifest, "w") as f:
            f.write(f"# an archive\n\n{media(GOOD[0])}\n# damaged:\n{media('truncated.mkv')}\n")
        outdir = self.out("lines")
        # A failure recorded for the good movie by an earlier run is stale once it is done.
        good = output_name(media(GOOD[0]))
        for sub, ext in (("failed", ".txt"), ("logs", ".log")):
            os.makedirs(os.path.join(outdir, sub), exist_ok=True)
            with open(os.path.join(outdir, sub, good + ext), "w") as f:
                f.write("stale\n")
        result = run_tool(["--manifest", manifest, "-o", outdir], 1)
        for sub, ext in (("failed", ".txt"), ("logs", ".log")):
            self.assertFalse(os.path.exists(os.path.join(outdir, sub, good + ext)), sub)
        self.assertEqual(result.returncode, 1, result.stderr)
        with open(os.path.join(outdir, "manifest-summary.tsv")) as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        self.assertEqual([(r[0], r[3], r[4]) for r in rows],
                         [("3", "done", "0"), ("5", "incomplete", "3")])
        self.assertIn("line 5  incomplete", result.stderr)
        name = output_name(media("truncated.mkv"))
        with open(os.path.join(outdir, "failed", name + ".txt")) as f:
            self.assertEqual(f.read().split("\t")[0], "3")
        with open(os.path.join(outdir, "logs", name + ".log")) as f:
            text = f.read()
        self.assertIn("incomplete", text)
        self.assertIn(name + ".h5", text)

    def test_a_repeated_line_is_done_once(self):
        manifest = self.write_manifest([GOOD[0], GOOD[1], GOOD[0], GOOD[2], GOOD[1]])
        result = run_tool(["--manifest", manifest, "-o", self.out("rep")], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.count("repeats"), 2, result.stderr)
        self.assertIn("3 done, 0 failed", result.stderr)
        self.check_outputs(GOOD[:3], self.out("rep"))

    def test_a_finished_movie_made_otherwise_is_neither_skipped_nor_replaced(self):
        # Other clustering options, then another movie at the same path: the finished result
        # is kept, the movie is recorded as failed with the cause, and --overwrite remakes it.
        movie = self.out("movie.mp4")
        with open(media(GOOD[0]), "rb") as src, open(movie, "wb") as dst:
            dst.write(src.read())
        manifest = self.out("one.txt")
        with open(manifest, "w") as f:
            f.write(movie + "\n")
        outdir = self.out("other")
        h5 = os.path.join(outdir, output_name(movie) + ".h5")
        self.assertEqual(run_tool(["--manifest", manifest, "-o", outdir, "-k", "4"], 1).returncode, 0)
        before = read_h5(h5)
        record = os.path.join(outdir, "failed", output_name(movie) + ".txt")
        with open(media(GOOD[1]), "rb") as src, open(movie, "wb") as dst:
            dst.write(src.read())
        for args in (["-k", "5"], ["-k", "4"]):
            with self.subTest(args=args):
                result = run_tool(["--manifest", manifest, "-o", outdir] + args, 1)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("0 complete already", result.stderr)
                self.assertIn("exists, but was made from another file at this path or with other",
                              result.stderr)
                assert_same_datasets(self, before, read_h5(h5), "the finished result")
                with open(record) as f:
                    self.assertEqual(f.read().split("\t")[:2], ["2", movie])
        result = run_tool(["--manifest", manifest, "-o", outdir, "-k", "5", "--overwrite"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(record))
        self.assertIn("k=5 ", read_h5(h5)["attrs"]["result_options"])

    def test_a_fifo_fails_that_movie_alone_and_a_finished_movie_gone_stays_done(self):
        # A FIFO would block whoever opens it (a planner thread, or the check of finished work
        # at the start): that movie's failure, and the other movies are made. A finished movie
        # whose file has gone since keeps its result and counts done, as archive_status.sh and
        # archive.sbatch count it, while its image is there and the options agree; otherwise it
        # cannot be checked or made again: that movie's failure, its file kept.
        outdir = self.out("gone")
        gone = self.out("gone.mp4")
        shutil.copy(media(GOOD[0]), gone)
        fifo = self.out("pipe.mp4")
        os.mkfifo(fifo)
        manifest = self.out("gone.txt")
        with open(manifest, "w") as f:
            f.write(f"{gone}\n{media(GOOD[1])}\n")
        self.assertEqual(run_tool(["--manifest", manifest, "-o", outdir], 1).returncode, 0)
        h5 = os.path.join(outdir, output_name(gone) + ".h5")
        before = os.path.getmtime(h5)
        os.remove(gone)
        with open(manifest, "a") as f:
            f.write(f"{fifo}\n{media(GOOD[2])}\n{media(GOOD[3])}\n")
        result = run_tool(["--manifest", manifest, "-o", outdir, "--movies-at-once", "2",
                           "--threads", "2"], 1, timeout=120)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("4 done, 1 failed, 0 interrupted, 0 not started, of 5", result.stderr)
        self.assertIn("is a FIFO", result.stderr)
        self.assertIn(f"{gone}: not found; its complete result", result.stderr)
        self.assertEqual(os.path.getmtime(h5), before)
        self.assertFalse(os.path.exists(os.path.join(outdir, "failed",
                                                     output_name(gone) + ".txt")))
        with open(os.path.join(outdir, "failed", output_name(fifo) + ".txt")) as f:
            self.assertEqual(f.read().split("\t")[:2], ["2", fifo])
        self.check_outputs(GOOD[1:4], outdir)
        # Other options, or the image gone too: the movie fails, and its file is kept.
        os.remove(fifo)
        with open(manifest, "w") as f:
            f.write(f"{gone}\n")
        record = os.path.join(outdir, "failed", output_name(gone) + ".txt")
        for change, args in (("other options", ["-k", "5"]), ("image gone", [])):
            if change == "image gone":
                os.remove(os.path.join(outdir, output_name(gone) + ".png"))
            with self.subTest(change=change):
                result = run_tool(["--manifest", manifest, "-o", outdir, *args], 1)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("0 done, 1 failed", result.stderr)
                self.assertEqual(os.path.getmtime(h5), before)
                with open(record) as f:
                    self.assertEqual(f.read().split("\t")[:2], ["2", gone])

    def test_long_and_braced_names(self):
        # A 240-byte stem would make NAME.h5.partial.lock too long for the file system, and a
        # "{style}" in a name would be taken for the image's placeholder: both are named by the
        # rule (stem cut, braces made parentheses), and archive_status.sh finds them done.
        movies = [self.out("é" * 120 + ".mp4"), self.out("a{style}b.mkv")]
        shutil.copy(media(GOOD[0]), movies[0])
        shutil.copy(media(GOOD[1]), movies[1])
        manifest = self.out("names.txt")
        with open(manifest, "w") as f:
            f.write("".join(m + "\n" for m in movies))
        outdir = self.out("names")
        result = run_tool(["--manifest", manifest, "-o", outdir], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        for movie in movies:
            name = output_name(movie)
            self.assertLessEqual(len(name.encode()), 213)
            self.assertEqual(read_h5(os.path.join(outdir, name + ".h5"))["attrs"]["complete"], 1)
            self.assertTrue(os.path.getsize(os.path.join(outdir, name + ".png")) > 0)
        self.assertEqual(output_name(movies[1])[:6], "a(styl")
        status = subprocess.run(["bash", os.path.join(SOURCE, "scripts", "archive_status.sh"),
                                 manifest, outdir], capture_output=True, text=True)
        self.assertEqual(status.stdout.splitlines()[:3], ["done 2", "failed 0", "missing 0"],
                         status.stdout + status.stderr)

    def test_the_scripts_read_a_manifest_as_the_tool_does(self):
        # archive_status.sh took every physical line for a movie: a DOS line end, a byte order
        # mark, trailing blanks, comments and repeats gave names the tool never wrote, and a
        # finished archive never showed as done. A path ending in / got another name from the
        # tool than from the scripts, one Latin-1 name made the tool refuse the whole manifest,
        # and the images of a run with several styles were not found.
        folder = os.fsencode(self.out("odd"))
        solid = os.path.join(folder, b"solid.mkv")
        latin = os.path.join(folder, b"lat\xe9in.mkv")
        directory = os.path.join(folder, b"adir.mkv") + b"/"
        os.makedirs(directory)
        shutil.copy(media(GOOD[1]), solid)
        shutil.copy(media(GOOD[2]), latin)
        manifest = self.out("odd.txt")
        with open(manifest, "wb") as f:
            f.write(b"\xef\xbb\xbf" + solid + b"\r\n# films\r\n" + latin + b"  \r\n   \r\n" +
                    solid + b"\r\n" + directory + b"\r\n")
        outdir = self.out("odd-out")
        # Bytes out: the messages name the Latin-1 path.
        result = subprocess.run(["mpirun", "-np", "1", "--oversubscribe", "--bind-to", "none", BIN,
                                 "--manifest", manifest, "-o", outdir, "--style", "dominant,mean"],
                                env=MPI_ENV, capture_output=True, timeout=600)
        stderr = result.stderr.decode(errors="replace")
        self.assertEqual(result.returncode, 1, stderr)
        self.assertIn("2 done, 1 failed", stderr)
        script = os.path.join(SOURCE, "scripts", "archive_status.sh")
        status = subprocess.run(["bash", script, manifest, outdir], capture_output=True)
        self.assertEqual(status.stdout.splitlines(),
                         [b"done 2", b"failed 1", b"missing 0", b"total 3",
                          b"failed 2 " + directory], status.stderr)
        self.assertEqual(status.returncode, 1)
        with open(os.path.join(outdir, "manifest-summary.tsv"), "rb") as f:
            rows = [row.split(b"\t") for row in f.read().splitlines()[1:]]
        self.assertEqual([r[1] for r in rows], [solid, latin, directory])
        for row in rows:  # each name as the scripts make it
            named = subprocess.run(["bash", "-c", 'source <(sed -n "/^movie_name()/,/^}/p" "$0")'
                                    '; movie_name "$1"', script, row[1]], capture_output=True)
            self.assertEqual(named.stdout.rstrip(b"\n"), row[2])
        self.assertTrue(rows[2][2].startswith(b"adir-"), rows[2][2])
        # The gallery page is UTF-8: the Latin-1 byte shows as U+FFFD.
        gallery = subprocess.run([RENDER, "--gallery", outdir], capture_output=True, text=True,
                                 timeout=120)
        self.assertEqual(gallery.returncode, 0, gallery.stderr)
        with open(os.path.join(outdir, "index.html"), "rb") as f:
            page = f.read().decode("utf-8")
        self.assertIn('data-source="' + os.fsdecode(folder) + "/lat\ufffdin.mkv", page)
        # Only the directory is left: the status is 0 once it leaves the manifest.
        with open(manifest, "wb") as f:
            f.write(solid + b"\n" + latin + b"\n")
        status = subprocess.run(["bash", script, manifest, outdir], capture_output=True)
        self.assertEqual(status.stdout.splitlines()[:4],
                         [b"done 2", b"failed 0", b"missing 0", b"total 2"], status.stderr)
        self.assertEqual(status.returncode, 0)
        # slurm/archive.sbatch reads and names by the same functions, kept in step by hand.
        with open(os.path.join(SOURCE, "slurm", "archive.sbatch")) as f:
            sbatch = f.read()
        with open(script) as f:
            status_script = f.read()
        for function in ("movie_name", "manifest_is_text", "manifest_lines", "has_image"):
            pattern = re.compile(r"^" + function + r"\(\) \{\n.*?^\}\n", re.M | re.S)
            self.assertEqual(pattern.search(sbatch).group(0),
                             pattern.search(status_script).group(0), function)
        # has_image knows every style the tool can draw (an image of one it missed would leave
        # a finished movie counted missing and made again).
        listed = re.search(r'for style in "" ([^;]*);', status_script).group(1).split()
        usage = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
        styles = re.search(r"--style TEXT:\{([^}]*)\}", usage).group(1).split(",")
        self.assertEqual(sorted(listed), sorted("-" + style for style in styles))
        # What is no manifest is a usage error, not an archive with nothing left to do.
        empty = self.out("empty.txt")
        open(empty, "w").close()
        for wrong in (self.tmp, empty, media("busy_h264.mp4"), outdir):
            status = subprocess.run(["bash", script, wrong, outdir], capture_output=True)
            self.assertEqual(status.returncode, 2, (wrong, status.stdout, status.stderr))

    def test_what_is_left_of_a_movie_is_finished_not_redone(self):
        # A complete file whose image is missing gets its image drawn, the file kept; an
        # OUT.partial that cannot be resumed (not HDF5, or made with other options) is made
        # afresh instead of failing the movie on every run.
        names = GOOD[:3]
        outdir = self.out("left")
        manifest = self.write_manifest(names)
        self.assertEqual(run_tool(["--manifest", manifest, "-o", outdir], 1).returncode, 0)
        first, second, third = (os.path.join(outdir, output_name(media(n))) for n in names)
        before = os.path.getmtime(first + ".h5")
        os.remove(first + ".png")
        os.rename(second + ".h5", second + ".h5.partial")
        os.remove(second + ".png")
        with open(second + ".h5.partial", "r+b") as f:
            f.write(b"not HDF5")
        other = self.out("other.h5")
        self.run_ok([media(names[2]), "-o", other, "-k", "5"])
        os.remove(third + ".h5")
        os.remove(third + ".png")
        shutil.copy(other, third + ".h5.partial")
        result = run_tool(["--manifest", manifest, "-o", outdir], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("3 done, 0 failed", result.stderr)
        self.assertEqual(result.stderr.count("made afresh"), 2, result.stderr)
        self.assertEqual(os.path.getmtime(first + ".h5"), before)
        self.assertTrue(os.path.getsize(first + ".png") > 0)
        self.check_outputs(names, outdir)

    def test_records_that_cannot_be_written_are_reported(self):
        # A full disk: the failure record and the summary go to /dev/full, and the run says so.
        outdir = self.out("full")
        name = output_name(media("text.mp4"))
        os.makedirs(os.path.join(outdir, "failed"))
        os.symlink("/dev/full", os.path.join(outdir, "failed", name + ".txt"))
        os.symlink("/dev/full", os.path.join(outdir, "manifest-summary.tsv"))
        result = run_tool(["--manifest", self.write_manifest([GOOD[0], "text.mp4"]), "-o",
                           outdir], 1)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(name + ".txt: cannot record the failure", result.stderr)
        self.assertIn("manifest-summary.tsv: cannot write the summary", result.stderr)

    def test_usage_errors(self):
        manifest = self.write_manifest(GOOD[:1])
        empty = self.out("empty.txt")
        open(empty, "w").close()
        cases = [
            (["--manifest", empty, "-o", self.out("d")], "lists no movie"),
            (["--manifest", self.out("none.txt"), "-o", self.out("d")], "cannot read"),
            (["--manifest", manifest, "-o", manifest + ".x", "--png", "x.png"],
             "--png does not apply to --manifest"),
            (["--manifest", manifest, media("busy_h264.mp4"), "-o", self.out("d")], "not several"),
        ]
        open(manifest + ".x", "w").close()
        cases.append((["--manifest", manifest, "-o", manifest + ".x"], "must be a directory"))
        cases.append((["--manifest", self.tmp, "-o", self.out("d")], "is a directory"))
        for movie in ("busy_h264.mp4", "solid_rgb.mkv"):  # a movie given by mistake
            cases.append((["--manifest", media(movie), "-o", self.out("d")], "is not text"))
        for args, message in cases:
            with self.subTest(args=args):
                result = run_tool(args, 2)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertEqual(result.stderr.count(message), 1, result.stderr)


if __name__ == "__main__":
    unittest.main()
