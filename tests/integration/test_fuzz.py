"""Seeded damage test: small clips of several codecs and containers, damaged by a seeded random
generator (cut short, byte ranges zeroed, bytes flipped), each run on 1 and 2 ranks under a
time limit. Every run must end with exit 0, 2 or 3 (never a crash or a hang), give the same rows
(frame index and timestamps) on 1 and 2 ranks, and say complete=1 (exit 0) only when every frame
of the clip is there. Which rows of damaged frames decode may differ between rank counts (a
decoder recovers from damage depending on where it started), but then neither run may say
complete=1.

MPEG-TS states no length and its demuxer drops damaged packets silently, so a TS file cut short
or with a stretch lost cannot be told from a shorter one: for it the completeness rule is not
checked (the others are).

BARCODE_FUZZ_SEED picks another seed (the default one is what CI runs); BARCODE_FUZZ_VARIANTS
the number of damaged files per clip. Seed 7 found a flipped bit that turns a Matroska
SimpleBlock's element ID into another ID where FFmpeg reads the first packets at open: the frame
was lost with only a debug message (test_truncation keeps that case)."""
import concurrent.futures
import os
import random
import subprocess
import unittest

import numpy as np

from common import BIN, MPI_ENV, ToolTest, media, read_h5
from make_media import FUZZ_SOURCES

SEED = int(os.environ.get("BARCODE_FUZZ_SEED", "20261130"))
VARIANTS = int(os.environ.get("BARCODE_FUZZ_VARIANTS", "18"))  # per clip: 6 clips, 108 files
LIMIT_S = 60  # one run; the clips decode in well under a second
ARGS = ["--tile-width", "16", "-k", "2", "--restarts", "1", "--movie-clusters", "0", "-v", "1",
        "--threads", "1"]


def damage(data, rng):
    """One damaged copy of `data` and a description of what was done to it."""
    data = bytearray(data)
    kind = rng.choice(["cut", "zero", "flip", "zero+cut", "flips"])
    what = []
    if "zero" in kind:
        start = rng.randrange(len(data))
        length = rng.randint(1, max(1, len(data) // 8))
        data[start:start + length] = bytes(len(data[start:start + length]))
        what.append(f"zero {start}+{length}")
    if kind in ("flip", "flips"):
        for _ in range(1 if kind == "flip" else rng.randint(2, 40)):
            at = rng.randrange(len(data))
            data[at] ^= 1 << rng.randrange(8)
            what.append(f"flip {at}")
    if "cut" in kind:
        keep = rng.randint(1, len(data) - 1)
        del data[keep:]
        what.append(f"cut at {keep}")
    return bytes(data), ", ".join(what)


def run(movie, out, ranks):
    cmd = ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none", BIN, movie, "-o",
           out, "--overwrite", *ARGS]
    try:
        result = subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True,
                                timeout=LIMIT_S)
        return result.returncode, result.stderr
    except subprocess.TimeoutExpired as e:
        return None, f"no end after {LIMIT_S} s (hang?)\n{e.stderr}"


def states_length(name):
    return not name.endswith(".ts")


def rows(path):
    d = read_h5(path)
    return d, d["frames/pts"].tolist(), d["frames/index"].tolist(), d["frames/done"].tolist()


class Fuzz(ToolTest):
    def test_damaged_inputs(self):
        rng = random.Random(SEED)
        cases = []  # (name, path, description, frames of the undamaged clip)
        for source in sorted(FUZZ_SOURCES):
            with open(media(source), "rb") as f:
                original = f.read()
            reference = self.out(source + ".h5")
            code, err = run(media(source), reference, 1)
            self.assertEqual(code, 0, f"{source} undamaged:\n{err}")
            frames = len(read_h5(reference)["frames/pts"])
            stem, ext = os.path.splitext(source)
            for i in range(VARIANTS):
                data, what = damage(original, rng)
                path = self.out(f"{stem}-{i}{ext}")
                with open(path, "wb") as f:
                    f.write(data)
                cases.append((os.path.basename(path), path, what, frames))

        def check(case):
            name, path, what, frames = case
            problems, outcome = [], {}
            for ranks in (1, 2):
                out = self.out(f"{name}.{ranks}.h5")
                code, err = run(path, out, ranks)
                outcome[ranks] = code
                if code not in (0, 2, 3):
                    problems.append(f"{ranks} rank(s): exit {code}:\n{err[-2000:]}")
                    continue
                if code == 2:
                    if os.path.exists(out) or os.path.exists(out + ".partial"):
                        problems.append(f"{ranks} rank(s): exit 2 but an output was written")
                    continue
                d, pts, index, done = rows(out)
                complete = d["attrs"]["complete"]
                if (code == 0) != (complete == 1):
                    problems.append(f"{ranks} rank(s): exit {code} with complete={complete}")
                if (complete == 1 and states_length(name)
                        and (len(pts) != frames or sum(done) != frames)):
                    problems.append(f"{ranks} rank(s): complete=1 with {sum(done)} of {len(pts)} "
                                    f"rows done, the clip has {frames} frames")
                outcome[ranks] = (code, pts, index, done)
            one, two = outcome[1], outcome[2]
            if isinstance(one, tuple) and isinstance(two, tuple):
                if one[1:3] != two[1:3]:
                    problems.append(f"rows differ: 1 rank {len(one[1])} rows, 2 ranks "
                                    f"{len(two[1])} rows")
                elif one[3] != two[3] and (one[0] == 0 or two[0] == 0):
                    problems.append("rows done differ between 1 and 2 ranks, and one run says "
                                    "complete")
            elif (one == 2) != (two == 2):
                problems.append(f"exit {one} on 1 rank, {two} on 2 ranks")
            return name, what, problems, outcome

        failures, codes = [], {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for name, what, problems, outcome in pool.map(check, cases):
                code = outcome[1] if not isinstance(outcome[1], tuple) else outcome[1][0]
                codes[code] = codes.get(code, 0) + 1
                if problems:
                    failures.append(f"{name} ({what}): " + "; ".join(problems))
        print(f"seed {SEED}: {len(cases)} damaged files, exit codes on 1 rank: {codes}")
        self.assertGreaterEqual(len(cases), 100)
        self.assertEqual(failures, [], "\n".join(failures))


if __name__ == "__main__":
    unittest.main()
