"""slurm/*.sbatch and the archive scripts on a real single-node SLURM cluster on localhost.

One cluster (tests/slurm/localslurm.py) serves the whole module. Exits with 77 (ctest's
SKIP_RETURN_CODE) when SLURM or munge is not installed, or when not root (slurmd must be).

Environment (as for the integration tests): BARCODE_MPI, the tool; BARCODE_MEDIA, the media
made by tests/integration/make_media.py; BARCODE_SOURCE, the source tree.
"""
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("BARCODE_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
sys.path.insert(0, HERE)

import common  # noqa: E402  (tests/integration/common.py)
from common import assert_same_datasets, media, read_h5, rows_done, run_tool  # noqa: E402
from localslurm import LocalSlurm, missing_programs  # noqa: E402

BARCODE_SBATCH = os.path.join(SOURCE, "slurm", "barcode.sbatch")
ARCHIVE_SBATCH = os.path.join(SOURCE, "slurm", "archive.sbatch")
MAKE_MANIFEST = os.path.join(SOURCE, "scripts", "make_manifest.sh")
ARCHIVE_STATUS = os.path.join(SOURCE, "scripts", "archive_status.sh")
SKIP = 77

cluster = None


def setUpModule():
    global cluster
    cluster = LocalSlurm()
    # Registered before start, so a failed start or a failing test still stops the daemons.
    unittest.addModuleCleanup(cluster.stop)
    cluster.start()


def job_env(**extra):
    """The environment jobs are submitted with (sbatch passes it on): the tool, root-friendly
    Open MPI settings, and the script settings given."""
    env = {k: v for k, v in common.MPI_ENV.items() if not k.startswith("SLURM_")}
    env.update(SLURM_CONF=cluster.env["SLURM_CONF"], BARCODE_MPI=os.path.abspath(common.BIN))
    env.update(extra)
    return env


def sbatch(script, *args, cwd, env, wait=True, timeout=180):
    """Submits `script` (with --wait unless wait is False); returns (job id, returncode)."""
    cmd = ["sbatch", "--parsable", *(["--wait"] if wait else []), *args, script]
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    job = r.stdout.strip().split(";")[0]
    if not job.isdigit():
        raise AssertionError(f"sbatch failed ({r.returncode}):\n{r.stdout}\n{r.stderr}\n"
                             + cluster.logs())
    return job, r.returncode


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def job_logs(directory, prefix):
    """Concatenated .out/.err files of jobs whose names start with prefix, for messages."""
    out = []
    for fn in sorted(os.listdir(directory)):
        if fn.startswith(prefix) and fn.endswith((".out", ".err")):
            out.append(f"--- {fn}\n{read(os.path.join(directory, fn))}")
    return "\n".join(out)


def tool_ranks(output):
    """The barcode_mpi processes writing `output` (given to them as -o OUTPUT)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        if os.path.basename(args[0]) == b"barcode_mpi" and os.fsencode(output) in args:
            pids.append(int(pid))
    return pids


def usr1_pending(pid):
    """Whether SIGUSR1 waits for process `pid` (true once it has gone: nothing to wait for)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return True
    mask = int(fields["ShdPnd"], 16) | int(fields["SigPnd"], 16)
    return bool(mask & (1 << (signal.SIGUSR1 - 1)))


@contextlib.contextmanager
def ranks_held(output, what):
    """Holds the ranks writing `output` stopped (SIGSTOP) while the body sends SIGUSR1 on its
    way to them, and lets them go on once each has it pending. A run of a few seconds finished
    its last rows before the signal had passed through the batch shell and srun (seen under
    load), and there was nothing left to resume."""
    ranks = tool_ranks(output)
    if not ranks:
        raise AssertionError(f"no barcode_mpi process writes {output}:\n{what()}")
    for pid in ranks:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
        deadline = time.time() + 60
        while not all(usr1_pending(pid) for pid in ranks):
            if time.time() > deadline:
                raise AssertionError(f"SIGUSR1 never reached ranks {ranks}:\n{what()}")
            time.sleep(0.05)
    finally:
        for pid in ranks:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="barcode-slurm-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class BarcodeJob(TempDirTest):
    def wait_for_rows(self, path, what):
        """Waits until `path` (an OUT.partial being written) has rows marked done: a fixed wait
        after the file appeared raced the run (a fast machine finished all 200 rows first)."""
        deadline = time.time() + 120
        while rows_done(path) == 0:
            self.assertLess(time.time(), deadline, what())
            time.sleep(0.1)

    def signal_batch_once(self, job, path, settle):
        """Once `path` exists (and `settle` seconds more), sends SIGUSR1 to the job's batch
        shell: what --signal=B:USR1@120 does at the time limit, now."""
        deadline = time.time() + 60
        while not os.path.exists(path):
            self.assertLess(time.time(), deadline, job_logs(self.tmp, "barcode-"))
            time.sleep(0.2)
        time.sleep(settle)
        subprocess.run(["scancel", "--batch", "--signal=USR1", job], env=cluster.env,
                       check=True)

    def signal_batch_after_rows(self, job, partial):
        """signal_batch_once, once the tool has marked rows done in `partial`, its ranks held
        until the signal has reached them."""
        what = lambda: job_logs(self.tmp, "barcode-")  # noqa: E731
        self.wait_for_rows(partial, what)
        with ranks_held(partial[:-len(".partial")], what):
            self.signal_batch_once(job, partial, settle=0.0)

    def wait_for_requeued_job(self, job, finished, timeout):
        """Waits until the requeued job is COMPLETED and its second attempt made `finished`
        (the first attempt's batch shell can read COMPLETED before the requeue shows). Slurm
        keeps a requeued job pending for about two minutes (Reason=BeginTime); the test, as the
        administrator, lets it start sooner."""
        released = False
        deadline = time.time() + timeout
        while True:
            state = cluster.job_states(job).get(job, ("",))[0]
            if state == "COMPLETED" and os.path.exists(finished):
                return
            self.assertNotIn(state, ("FAILED", "CANCELLED", "TIMEOUT"),
                             job_logs(self.tmp, "barcode-"))
            self.assertLess(time.time(), deadline,
                            f"job {job} not restarted:\n{job_logs(self.tmp, 'barcode-')}\n"
                            f"{cluster.job_states(job)}\n"
                            + subprocess.run(["squeue"], env=cluster.env, capture_output=True,
                                             text=True).stdout)
            if not released and state == "PENDING":
                # Let SLURM finish cancelling the first attempt's step first: a second attempt
                # started at once had its srun step aborted by that late cancel (seen here).
                time.sleep(5)
                subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"],
                               env=cluster.env, check=True)
                released = True
            time.sleep(0.5)

    def test_two_tasks_equal_direct_mpirun(self):
        """slurm/barcode.sbatch with 2 tasks (srun --mpi=pmix) writes the same datasets as a
        direct `mpirun -np 2` run, bit for bit."""
        clip = media("busy_h264.mp4")
        out = os.path.join(self.tmp, "out")
        extra = ["--restarts", "3", "--seed", "7"]
        job, rc = sbatch(BARCODE_SBATCH, "--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1",
                         "--gres=gpu:2", "--time=5", cwd=self.tmp,
                         env=job_env(INPUT=clip, OUTPUT_DIR=out, EXTRA_ARGS=" ".join(extra)))
        logs = job_logs(self.tmp, "barcode-")
        self.assertEqual(rc, 0, logs)
        # The name pattern %x-%j of --output/--error.
        self.assertTrue(os.path.exists(os.path.join(self.tmp, f"barcode-{job}.out")), logs)
        self.assertIn("launching with pmix", logs)
        self.assertIn("2 ranks x 1 threads", logs)
        via_slurm = read_h5(os.path.join(out, "busy_h264.h5"))
        self.assertEqual(via_slurm["attrs"]["ranks"], 2)
        self.assertEqual(via_slurm["attrs"]["complete"], 1)
        self.assertGreater(os.path.getsize(os.path.join(out, "busy_h264.png")), 0)

        direct_h5 = os.path.join(self.tmp, "direct.h5")
        r = run_tool([clip, "-o", direct_h5, *extra], ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_datasets(self, read_h5(direct_h5), via_slurm, "sbatch vs mpirun -np 2")

    def test_sbatch_signal_requeue_resume_equals_uninterrupted(self):
        """The whole time-limit path with the real tool: SIGUSR1 to the batch shell (what
        --signal=B:USR1@120 sends) reaches the ranks; barcode_mpi writes what it has and exits
        with 4; the job requeues itself; the second attempt resumes with --resume; the file
        equals an uninterrupted direct mpirun run's."""
        clip = media("minute_h264.mp4")
        out = os.path.join(self.tmp, "out")
        extra = ["--restarts", "12"]  # 1500 frames: seconds of work left when the signal comes
        env = job_env(INPUT=clip, OUTPUT_DIR=out, EXTRA_ARGS=" ".join(extra))
        job, _ = sbatch(BARCODE_SBATCH, "--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1",
                        "--gres=gpu:2", "--time=5", cwd=self.tmp, env=env, wait=False)
        final = os.path.join(out, "minute_h264.h5")
        self.signal_batch_after_rows(job, final + ".partial")
        self.wait_for_requeued_job(job, final, timeout=120)
        logs = job_logs(self.tmp, "barcode-")
        self.assertIn("exited with 4", logs)
        self.assertIn("(restart 1)", logs)
        self.assertIn("resuming with", logs)
        direct = os.path.join(self.tmp, "direct.h5")
        r = run_tool([clip, "-o", direct, *extra], ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_datasets(self, read_h5(direct), read_h5(final), "sbatch, signal, requeue")

    def test_srun_signal_then_resume_equals_uninterrupted(self):
        """The real tool under srun: SIGUSR1 mid-run (what SLURM sends before the time limit)
        makes every rank write what it has and exit with 4; `--resume` under srun finishes
        OUT.partial, and the file equals an uninterrupted direct mpirun run's."""
        clip = media("minute_h264.mp4")
        out = os.path.join(self.tmp, "r.h5")
        args = [clip, "-o", out, "--restarts", "12", "--threads", "1", "--resume"]
        env = dict(cluster.env, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        srun = ["srun", "--mpi=pmix", "-n", "2", "--cpus-per-task=1", os.path.abspath(common.BIN)]
        first = subprocess.Popen(srun + args, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        self.wait_for_rows(out + ".partial", lambda: "no row was written")
        with ranks_held(out, lambda: "srun's ranks"):
            self.assertIsNone(first.poll(), "the run ended before it could be interrupted")
            first.send_signal(signal.SIGUSR1)  # srun forwards it to every task
        output, _ = first.communicate(timeout=120)
        self.assertEqual(first.returncode, 4, output)
        self.assertIn("interrupted by signal", output)
        partial = read_h5(out + ".partial")
        self.assertGreater(int(partial["frames/done"].sum()), 0)
        self.assertLess(int(partial["frames/done"].sum()), len(partial["frames/done"]))
        second = subprocess.run(srun + args, env=env, capture_output=True, text=True,
                                timeout=180)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("resuming with", second.stderr)
        direct = os.path.join(self.tmp, "direct.h5")
        r = run_tool([clip, "-o", direct, "--restarts", "12"], ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_datasets(self, read_h5(direct), read_h5(out), "srun, signal, resume vs mpirun")

    def test_manifest_under_srun(self):
        """`srun barcode_mpi --manifest`: more movies than tasks, so each task takes whole
        movies from the queue (MPI one-sided counter under PMIx) and works on them alone; srun's
        SLURM_STEP_NUM_TASKS must not make those ranks look like a split launch. Every file
        equals a direct run's."""
        movies = ["busy_h264.mp4", "solid_rgb.mkv", "bands_rgb.mkv"]
        manifest = os.path.join(self.tmp, "list.txt")
        with open(manifest, "w") as f:
            f.write("".join(media(m) + "\n" for m in movies))
        out = os.path.join(self.tmp, "archive")
        env = dict(cluster.env, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        srun = ["srun", "--mpi=pmix", "-n", "2", "--cpus-per-task=1", os.path.abspath(common.BIN),
                "--manifest", manifest, "-o", out]
        r = subprocess.run(srun, env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("whole movies to ranks from a queue", r.stderr)
        self.assertIn("3 done, 0 failed", r.stderr)
        for movie in movies:
            with self.subTest(movie=movie):
                name = [f for f in os.listdir(out)
                        if f.startswith(movie.rsplit(".", 1)[0] + "-") and f.endswith(".h5")]
                self.assertEqual(len(name), 1, os.listdir(out))
                direct = os.path.join(self.tmp, movie + ".h5")
                d = run_tool([media(movie), "-o", direct], ranks=1)
                self.assertEqual(d.returncode, 0, d.stderr)
                assert_same_datasets(self, read_h5(direct), read_h5(os.path.join(out, name[0])),
                                     "manifest under srun vs direct")

    def test_interrupted_exit_code_requeues(self):
        """The template's requeue logic alone, with a stand-in for the tool: SIGUSR1 to the batch
        shell, as --signal=B:USR1@120 sends it, reaches the tool through srun; the stand-in
        exits with 4; the job requeues itself and the second run finishes."""
        stub = os.path.join(self.tmp, "stub_tool.sh")
        marks = os.path.join(self.tmp, "marks")
        os.mkdir(marks)
        with open(stub, "w") as f:
            f.write(f"""#!/bin/bash
# First run: wait for SIGUSR1, then exit 4 ("checkpointed, interrupted"). Later runs: done.
run=${{SLURM_RESTART_COUNT:-0}}
if [ "$run" = 0 ]; then
  trap 'touch {marks}/got_usr1; exit 4' USR1
  touch {marks}/started
  for _ in $(seq 600); do sleep 0.1; done
  exit 1
fi
touch {marks}/restart_$run
exit 0
""")
        os.chmod(stub, 0o755)
        env = job_env(INPUT="/nonexistent/movie.mp4", OUTPUT_DIR=os.path.join(self.tmp, "out"),
                      BARCODE_MPI=stub)
        job, _ = sbatch(BARCODE_SBATCH, "--ntasks-per-node=1", "--cpus-per-task=1",
                        "--gres=gpu:1", "--time=5", cwd=self.tmp, env=env, wait=False)
        self.signal_batch_once(job, os.path.join(marks, "started"), settle=0.0)
        self.wait_for_requeued_job(job, os.path.join(marks, "restart_1"), timeout=90)
        logs = job_logs(self.tmp, "barcode-")
        self.assertTrue(os.path.exists(os.path.join(marks, "got_usr1")), logs)
        self.assertIn("requeueing job", logs)
        self.assertIn("(restart 1)", logs)  # --open-mode=append kept both attempts' lines
        self.assertEqual(cluster.job_states(job)[job][0], "COMPLETED", logs)


class Archive(unittest.TestCase):
    """A tree of 5 movies (two of them both called clip.mp4) and one text file named .mp4,
    run as an array with K=2, then resubmitted."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="barcode-slurm-archive-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        tree = os.path.join(cls.tmp, "tree")
        files = {  # sorted order = manifest order; K=2 puts the broken file first in task 1
            "a/clip.mp4": "busy_h264.mp4",
            "b/clip.mp4": "odd_318x179.mp4",
            "c/broken.mp4": "text.mp4",
            "c/solid.mkv": "solid_rgb.mkv",
            "regions.MKV": "regions_rgb.mkv",
            "vfr.mkv": "vfr_h264.mkv",
        }
        for rel, src in files.items():
            os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
            shutil.copy(media(src), os.path.join(tree, rel))
        # Not movies, or hidden: not in the manifest.
        with open(os.path.join(tree, "notes.txt"), "w") as f:
            f.write("not a movie\n")
        os.makedirs(os.path.join(tree, ".trash"))
        shutil.copy(media("solid_rgb.mkv"), os.path.join(tree, ".trash", "old.mkv"))
        shutil.copy(media("solid_rgb.mkv"), os.path.join(tree, "c", "._solid.mkv"))

        cls.tree = os.path.realpath(tree)
        cls.broken = os.path.join(cls.tree, "c/broken.mp4")
        cls.manifest = os.path.join(cls.tmp, "manifest.txt")
        subprocess.run(["bash", MAKE_MANIFEST, "-o", cls.manifest, tree], check=True)
        cls.paths = read(cls.manifest).splitlines()
        cls.out = os.path.join(cls.tmp, "scratch")
        cls.jobs = os.path.join(cls.tmp, "jobs")
        os.mkdir(cls.jobs)
        cls.status_before = cls.status()

        options = ["--ntasks=1", "--cpus-per-task=1", "--gres=gpu:1", "--time=5"]
        env = job_env(MANIFEST=cls.manifest, OUTPUT_DIR=cls.out, K="2",
                      EXTRA_ARGS="--restarts 2")
        # First run: through the self-submitting mode, which sizes the array (3 tasks).
        r = subprocess.run(["bash", ARCHIVE_SBATCH, "--wait", "--parsable", *options],
                           cwd=cls.jobs, env=env, capture_output=True, text=True, timeout=180)
        cls.first_job = r.stdout.strip().split(";")[0]
        cls.first_rc = r.returncode
        cls.first_stderr = r.stderr
        cls.status_first = cls.status()
        cls.mtimes_first = cls.output_mtimes()
        # Resubmission by hand, the plain sbatch way, with the array given explicitly.
        cls.second_job, cls.second_rc = sbatch(ARCHIVE_SBATCH, "--array=0-2", *options,
                                               cwd=cls.jobs, env=env)
        cls.status_second = cls.status()
        cls.mtimes_second = cls.output_mtimes()

    @classmethod
    def status(cls):
        r = subprocess.run(["bash", ARCHIVE_STATUS, "-v", cls.manifest, cls.out],
                           capture_output=True, text=True)
        lines = r.stdout.splitlines()
        counts = {w: int(n) for w, n in (line.split() for line in lines[:4])}
        return counts, lines[4:], r.returncode

    @classmethod
    def output_mtimes(cls):
        if not os.path.isdir(cls.out):
            return {}
        return {fn: os.stat(os.path.join(cls.out, fn)).st_mtime_ns
                for fn in os.listdir(cls.out) if fn.endswith((".h5", ".png"))}

    def task_logs(self, job):
        return {fn: read(os.path.join(self.jobs, fn)) for fn in sorted(os.listdir(self.jobs))
                if fn.startswith(f"barcode-archive-{job}_") and fn.endswith(".out")}

    def name(self, path):
        r = subprocess.run(["bash", "-c", 'source <(sed -n "/^movie_name()/,/^}/p" "$0"); '
                            'movie_name "$1"', ARCHIVE_STATUS, path],
                           capture_output=True, text=True, check=True)
        return r.stdout.strip()

    def test_manifest(self):
        self.assertEqual(self.paths, sorted(self.paths))
        self.assertEqual([os.path.relpath(p, self.tree) for p in self.paths],
                         ["a/clip.mp4", "b/clip.mp4", "c/broken.mp4", "c/solid.mkv",
                          "regions.MKV", "vfr.mkv"])
        # Stable: the same tree gives the same file.
        again = subprocess.run(["bash", MAKE_MANIFEST, self.tree], capture_output=True,
                               text=True, check=True).stdout
        self.assertEqual(again, read(self.manifest))

    def test_same_basename_different_names(self):
        a, b = self.name(self.paths[0]), self.name(self.paths[1])
        self.assertTrue(a.startswith("clip-") and b.startswith("clip-"))
        self.assertNotEqual(a, b)

    def test_first_run_covers_every_line(self):
        logs = self.task_logs(self.first_job)
        self.assertEqual(len(logs), 3, f"{self.first_stderr}\n{logs}")
        # Each manifest line is reported exactly once, by the task that owns it.
        for line, path in enumerate(self.paths):
            hits = [fn for fn, text in logs.items() if f"line {line}: " in text]
            self.assertEqual(len(hits), 1, f"line {line} ({path}) in {hits}")
            self.assertTrue(hits[0].endswith(f"_{line // 2}.out"), hits)
        # The task with the failure went on: its second movie is done.
        self.assertIn("line 2: FAILED with exit code 2", logs[f"barcode-archive-{self.first_job}_1.out"])
        self.assertIn("line 3: ok", logs[f"barcode-archive-{self.first_job}_1.out"])
        # sbatch --wait reports the highest task exit code: task 1 had a failure.
        self.assertEqual(self.first_rc, 1)

    def test_outputs_complete_and_failure_recorded(self):
        for path in self.paths:
            name = self.name(path)
            h5 = os.path.join(self.out, f"{name}.h5")
            if path == self.broken:
                self.assertFalse(os.path.exists(h5))
                record = read(os.path.join(self.out, "failed", f"{name}.txt"))
                code, recorded_path, _date, task = record.rstrip("\n").split("\t")
                self.assertEqual((code, recorded_path), ("2", path))
                self.assertTrue(task.endswith("_1"), task)
                self.assertEqual(len(record.splitlines()), 1)
                continue
            data = read_h5(h5)
            self.assertEqual(data["attrs"]["complete"], 1, path)
            self.assertEqual(data["attrs"]["source_path"], path)
            self.assertTrue(data["frames/done"].all(), path)
            self.assertGreater(os.path.getsize(os.path.join(self.out, f"{name}.png")), 0)
            self.assertFalse(os.path.exists(os.path.join(self.out, "failed", f"{name}.txt")))

    def test_status_counts(self):
        counts, _lines, rc = self.status_before
        self.assertEqual(counts, {"done": 0, "failed": 0, "missing": 6, "total": 6})
        self.assertEqual(rc, 1)
        for counts, lines, rc in (self.status_first, self.status_second):
            self.assertEqual(counts, {"done": 5, "failed": 1, "missing": 0, "total": 6})
            self.assertEqual(lines, [f"failed 2 {self.broken}"])
            self.assertEqual(rc, 1)

    def test_resubmission_skips_completed(self):
        logs = "\n".join(self.task_logs(self.second_job).values())
        self.assertEqual(logs.count("skip (complete)"), 5, logs)
        self.assertEqual(logs.count("FAILED with exit code 2"), 1, logs)
        self.assertEqual(self.second_rc, 1)
        # Nothing complete was written again.
        self.assertEqual(len(self.mtimes_first), 10)
        self.assertEqual(self.mtimes_second, self.mtimes_first)

    def test_several_styles_make_an_image_each_and_are_skipped_when_done(self):
        # --style in EXTRA_ARGS: each movie gets NAME-STYLE.png, as --manifest names them (the
        # tool refused --png NAME.png with several styles before), and a resubmission sees the
        # movie done by those images.
        movie = self.paths[3]  # c/solid.mkv
        manifest = os.path.join(self.tmp, "styles.txt")
        with open(manifest, "w") as f:
            f.write(movie + "\n")
        out = os.path.join(self.tmp, "styles-scratch")
        env = job_env(MANIFEST=manifest, OUTPUT_DIR=out, EXTRA_ARGS="--style dominant,mean")
        options = ["--array=0", "--ntasks=1", "--cpus-per-task=1", "--gres=gpu:1", "--time=5"]
        first, first_rc = sbatch(ARCHIVE_SBATCH, *options, cwd=self.jobs, env=env)
        second, second_rc = sbatch(ARCHIVE_SBATCH, *options, cwd=self.jobs, env=env)
        logs = [job_logs(self.jobs, f"barcode-archive-{job}_") for job in (first, second)]
        self.assertEqual((first_rc, second_rc), (0, 0), logs)
        self.assertIn("line 0: ok", logs[0])
        self.assertIn("line 0: skip (complete)", logs[1])
        name = self.name(movie)
        for style in ("dominant", "mean"):
            self.assertGreater(os.path.getsize(os.path.join(out, f"{name}-{style}.png")), 0)
        self.assertFalse(os.path.exists(os.path.join(out, f"{name}.png")))
        status = subprocess.run(["bash", ARCHIVE_STATUS, manifest, out], capture_output=True,
                                text=True)
        self.assertEqual(status.stdout.splitlines()[:4],
                         ["done 1", "failed 0", "missing 0", "total 1"], status.stderr)


def main():
    missing = missing_programs()
    if missing:
        print(f"SKIP: SLURM/munge programs not installed: {' '.join(missing)} "
              "(scripts/install-deps.sh installs them)")
        return SKIP
    if os.geteuid() != 0:
        print("SKIP: slurmd has to run as root to start jobs")
        return SKIP
    result = unittest.main(module=__name__, argv=[sys.argv[0], "-v", *sys.argv[1:]],
                           exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
