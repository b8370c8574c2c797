"""Shared helpers of the integration tests: run barcode_mpi under a real mpirun, read its HDF5
file back, and list a file's frames independently with ffprobe."""
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

BIN = os.environ.get("BARCODE_MPI", "build/barcode_mpi")
MEDIA = os.environ.get("BARCODE_MEDIA", "build/test-media")

# Let Open MPI run as root (CI containers) and place more ranks than cores.
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", HDF5_USE_FILE_LOCKING="FALSE")


def media(name):
    return os.path.join(MEDIA, name)


def run_tool(args, ranks=1, timeout=600):
    """Runs barcode_mpi on `ranks` MPI ranks; returns the CompletedProcess (never raises)."""
    cmd = ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none", BIN, *args]
    return subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True, timeout=timeout)


def read_h5(path):
    """All datasets and root attributes of a barcode file, as numpy arrays and Python values."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
        attrs = {}
        for k, v in f.attrs.items():
            attrs[k] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
        out["attrs"] = attrs
    return out


def ffprobe_frames(path):
    """Best-effort timestamps of every video frame FFmpeg decodes, in presentation order: an
    independent sequential pass to compare the tool's frame lists with. A frame without any
    timestamp (the last one of an AVI with B-frames) is timed one frame (1 / the stream's
    average frame rate) after the frame before it, as the tool does."""
    text = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "frame=best_effort_timestamp", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True).stdout
    values = [line.strip().strip(",") for line in text.splitlines()]
    step = frame_ticks(path)
    frames, previous = [], None
    for v in values:
        if not v:
            continue
        if v == "N/A":
            if previous is None:
                continue
            previous += step
        else:
            previous = int(v)
        frames.append(previous)
    return sorted(frames)


def frame_ticks(path):
    """One frame's duration in the video stream's time base, from its average frame rate."""
    text = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=time_base,avg_frame_rate,r_frame_rate", "-of", "default=nw=1", path],
        capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in text.split())
    num, den = (int(x) for x in fields["time_base"].split("/"))
    rate = fields.get("avg_frame_rate", "0/0")
    if rate in ("0/0", "0/1"):
        rate = fields.get("r_frame_rate", "0/0")
    rnum, rden = (int(x) for x in rate.split("/"))
    if rnum <= 0 or rden <= 0:
        return 1
    return max(1, round(den * rden / (num * rnum)))


def ffprobe_key_packets(path):
    text = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,flags",
         "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout
    keys = []
    for line in text.splitlines():
        parts = line.strip().split(",")
        if len(parts) >= 2 and parts[0] != "N/A" and "K" in parts[1]:
            keys.append(int(parts[0]))
    return sorted(keys)


def time_base(path):
    text = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base",
         "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout.strip()
    num, den = text.split("/")
    return int(num), int(den)


class ToolTest(unittest.TestCase):
    """A test with its own scratch directory, removed afterwards."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="barcode-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def out(self, name):
        return os.path.join(self.tmp, name)

    def run_ok(self, args, ranks=1):
        result = run_tool(args, ranks)
        self.assertEqual(result.returncode, 0, f"barcode_mpi {args} on {ranks} ranks failed:\n"
                         f"{result.stderr}")
        return result

    def assert_gpu_file_equals_cpu(self, clips):
        """A `--gpu on` run of each clip writes the file a `--gpu off` run writes, byte for
        byte; skipped where there is no GPU (the CUDA path is then not exercised)."""
        for clip in clips:
            gpu = self.out(clip + ".gpu.h5")
            result = run_tool([media(clip), "-o", gpu, "--gpu", "on"])
            if result.returncode == 2 and "no CUDA device" in result.stderr:
                self.skipTest("no GPU")
            with self.subTest(clip=clip):
                self.assertEqual(result.returncode, 0, result.stderr)
                cpu = self.barcode(clip, extra=["--gpu", "off"])
                assert_same_datasets(self, cpu, read_h5(gpu), clip)

    def barcode(self, movie, ranks=1, extra=(), name=None):
        """Runs the tool on a test movie and returns the HDF5 contents."""
        h5 = self.out(name or f"{os.path.basename(movie)}.{ranks}.h5")
        self.run_ok([media(movie), "-o", h5, "--overwrite", *extra], ranks)
        return read_h5(h5)


def assert_same_datasets(test, a, b, context=""):
    names = sorted(k for k in a if k != "attrs")
    test.assertEqual(names, sorted(k for k in b if k != "attrs"), context)
    for name in names:
        test.assertTrue(np.array_equal(a[name], b[name]), f"{name} differs {context}")


def flipped_copy(source, path, seed=4, flips=20):
    """Writes a copy of `source` with `flips` bytes inverted within 100 kB from 30 % into the
    file: every packet still reads and every frame decodes, but the decoder patches some of the
    pictures over the damage (decode_error_flags). Returns `path`."""
    import random
    with open(source, "rb") as f:
        data = bytearray(f.read())
    rng, at = random.Random(seed), int(len(data) * 0.3)
    for _ in range(flips):
        data[at + rng.randrange(100000)] ^= 0xFF
    with open(path, "wb") as f:
        f.write(data)
    return path


def rows_done(path):
    """Rows marked done in a file being written, or 0 while it cannot be read yet."""
    try:
        with h5py.File(path, "r") as f:
            return int(f["frames/done"][:].sum())
    except (OSError, KeyError):
        return 0
