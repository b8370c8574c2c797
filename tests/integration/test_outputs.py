"""Outputs are never corrupted or clobbered: one writer per output (a lock), outputs only ever
regular files, --resume checks what it keeps (the input's content, exact option values, a
checksum per row), a --manifest run leaves no stale failure records, and exit code 2 leaves
nothing written."""
import fcntl
import hashlib
import html.parser
import os
import shutil
import stat
import struct
import subprocess
import time
import unittest

import h5py
import numpy as np

from common import BIN, MPI_ENV, ToolTest, assert_same_datasets, media, read_h5, run_tool

USAGE = 2
RENDER = os.environ.get("BARCODE_RENDER", os.path.join(os.path.dirname(BIN), "barcode_render"))


def output_name(line):
    """The rule of slurm/archive.sbatch: stem, then 12 hex digits of the line's SHA-1."""
    stem = os.path.basename(line).rsplit(".", 1)[0]
    return f"{stem}-{hashlib.sha1(line.encode()).hexdigest()[:12]}"


def tsv_fields(line):
    """One record of manifest-summary.tsv or failed/NAME.txt, unescaped."""
    plain = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    fields, at = [""], 0
    while at < len(line):
        if line[at] == "\t":
            fields.append("")
        elif line[at] == "\\" and at + 1 < len(line) and line[at + 1] in plain:
            fields[-1] += plain[line[at + 1]]
            at += 1
        else:
            fields[-1] += line[at]
        at += 1
    return fields


class Cards(html.parser.HTMLParser):
    """The gallery index's movie cards: data-name -> (data-source, data-status)."""

    def __init__(self, text):
        super().__init__()
        self.cards = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "data-name" in attrs:
            self.cards[attrs["data-name"]] = (attrs["data-source"], attrs["data-status"])


FNV_OFFSET, FNV_PRIME, MASK = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def fnv1a(data):
    h = FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h


def tile_digest(tile):
    """FNV-1a over the tile's little-endian 64-bit words, then its last bytes."""
    data = tile.tobytes()
    h, whole = FNV_OFFSET, len(data) // 8 * 8
    for (word,) in struct.iter_unpack("<Q", data[:whole]):
        h = ((h ^ word) * FNV_PRIME) & MASK
    for byte in data[whole:]:
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h


class HeldLock:
    """Holds the lock of FILE (FILE.lock) as a run writing FILE does."""

    def __init__(self, file):
        self.fd = os.open(file + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self):
        os.close(self.fd)


class Outputs(ToolTest):
    def finished_as_partial(self, movie, out, extra=()):
        """A finished run's file renamed to OUT.partial: a partial file with every row done,
        made in seconds."""
        self.run_ok([movie, "-o", out, *extra])
        os.rename(out, out + ".partial")

    def test_a_long_output_path_on_several_ranks(self):
        # Open MPI 4.1 copies the path of a file MPI-IO opens into 256 bytes for its shared
        # file pointers (which the tool never uses): a path of 300 bytes ended every rank with
        # "buffer overflow detected". The same results as a short path's.
        deep = self.out(os.path.join("d" * 100, "e" * 100))
        os.makedirs(deep)
        long_h5 = os.path.join(deep, "f" * 60 + ".h5")
        self.assertGreater(len(long_h5), 256)
        self.run_ok([media("busy_h264.mp4"), "-o", long_h5], 2)
        short_h5 = self.out("short.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", short_h5], 2)
        assert_same_datasets(self, read_h5(short_h5), read_h5(long_h5), "a long output path")

    def test_a_full_file_system_is_refused_before_the_file_is_made(self):
        # Parallel HDF5 making the file on a full disk: one rank failed inside the collective
        # creation and the other waited in it forever. Now rank 0 asks for the room first.
        disk = self.out("small")
        os.makedirs(disk)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", disk],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a small tmpfs here (needs root)")
        self.addCleanup(subprocess.run, ["umount", disk], capture_output=True)
        with open(os.path.join(disk, "filler"), "wb") as f:
            f.write(b"\0" * (2 * 1024 * 1024 - 300 * 1024))
        out = os.path.join(disk, "x.h5")
        result = run_tool([media("minute_h264.mp4"), "-o", out], 2, timeout=60)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stderr.count("x.h5.partial: no room for it"), 1, result.stderr)
        self.assertEqual(sorted(os.listdir(disk)), ["filler"])
        os.remove(os.path.join(disk, "filler"))
        self.run_ok([media("minute_h264.mp4"), "-o", out], 2)

    def test_a_second_writer_is_refused_and_the_first_file_kept(self):
        out = self.out("busy.h5")
        partial = out + ".partial"
        with open(partial, "wb") as f:
            f.write(b"the first run's rows")
        lock = HeldLock(partial)
        try:
            for extra in ([], ["--resume"], ["--overwrite"]):
                with self.subTest(extra=extra):
                    result = run_tool([media("busy_h264.mp4"), "-o", out, *extra], 2)
                    self.assertEqual(result.returncode, USAGE, result.stderr)
                    self.assertIn("another run is writing", result.stderr)
                    self.assertIn(partial, result.stderr)
                    with open(partial, "rb") as f:
                        self.assertEqual(f.read(), b"the first run's rows")
                    self.assertFalse(os.path.exists(out))
        finally:
            lock.release()
        # Once the first run has let go, its rows are still kept from a plain run; with
        # --overwrite the output is made, and the lock file is gone.
        result = run_tool([media("busy_h264.mp4"), "-o", out], 2)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("exists with the rows of an interrupted run", result.stderr)
        self.run_ok([media("busy_h264.mp4"), "-o", out, "--overwrite"], 2)
        self.assertEqual(read_h5(out)["attrs"]["complete"], 1)
        self.assertFalse(os.path.exists(partial + ".lock"))

    def test_two_real_runs_on_one_output(self):
        out = self.out("two.h5")
        # The first run must outlast the second's start and its half second of retries on a busy
        # lock by a wide margin: about 3 s of clustering here (120 restarts had become under 2 s
        # once k-means got faster).
        slow = [media("long_gop_h264.mkv"), "--restarts", "200", "--threads", "1", "--batch", "8"]
        first = subprocess.Popen(
            ["mpirun", "-np", "1", "--oversubscribe", "--bind-to", "none", BIN, *slow, "-o", out],
            env=MPI_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not os.path.exists(out + ".partial") and time.time() < deadline:
            time.sleep(0.05)
        second = run_tool([*slow, "-o", out], 1)
        _, first_err = first.communicate(timeout=300)
        self.assertEqual(first.returncode, 0, first_err)
        self.assertEqual(second.returncode, USAGE, second.stderr)
        self.assertIn("another run is writing", second.stderr)
        d = read_h5(out)
        self.assertEqual(d["attrs"]["complete"], 1)
        self.assertTrue(d["frames/done"].all())
        # A later --resume checks the finished file and finds it is this run's.
        result = run_tool([*slow, "-o", out, "--resume"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("nothing to resume", result.stderr)

    def test_two_runs_drawing_one_image(self):
        # Two runs of different -o and the same --png: the image's name was checked free only
        # at the start, so the run that ended last replaced the other's image, both exit 0.
        # Now the later run keeps the image it finds (exit 1, its results complete).
        png = self.out("same.png")
        slow = [media("long_gop_h264.mkv"), "--restarts", "200", "--threads", "1", "--batch", "8"]
        first = subprocess.Popen([BIN, *slow, "-o", self.out("a.h5"), "--png", png],
                                 env=MPI_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        deadline = time.time() + 60
        while not os.path.exists(self.out("a.h5.partial")) and time.time() < deadline:
            time.sleep(0.05)
        self.run_ok([media("busy_h264.mp4"), "-o", self.out("b.h5"), "--png", png])
        with open(png, "rb") as f:
            second_image = f.read()
        _, first_err = first.communicate(timeout=300)
        self.assertEqual(first.returncode, 1, first_err)
        self.assertIn("same.png: appeared while this run wrote it", first_err)
        with open(png, "rb") as f:
            self.assertEqual(f.read(), second_image)
        self.assertEqual(read_h5(self.out("a.h5"))["attrs"]["complete"], 1)
        self.assertEqual([n for n in os.listdir(self.tmp) if ".partial" in n], [])

    def special_files(self):
        """A FIFO always; a character device (as /dev/null) where we may make one."""
        fifo = self.out("fifo")
        os.mkfifo(fifo)
        nodes = [fifo]
        if os.geteuid() == 0:
            dev = self.out("null")
            os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            nodes.append(dev)
        return nodes

    def test_overwrite_never_replaces_a_device_or_fifo(self):
        for node in self.special_files():
            kind = stat.S_IFMT(os.stat(node).st_mode)
            for args in (["-o", node], ["-o", self.out("x.h5"), "--png", node]):
                with self.subTest(node=node, args=args):
                    result = run_tool([media("busy_h264.mp4"), *args, "--overwrite"], 1)
                    self.assertEqual(result.returncode, USAGE, result.stderr)
                    self.assertIn("not a regular file", result.stderr)
                    self.assertEqual(stat.S_IFMT(os.stat(node).st_mode), kind)
        h5 = self.out("r.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", h5])
        # barcode_render follows the same rule.
        fifo = self.out("fifo")
        result = subprocess.run([RENDER, h5, "-o", fifo, "--overwrite"], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("not a regular file", result.stderr)
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))

    def test_resume_of_a_finished_run_checks_it_and_draws_the_image(self):
        out, png = self.out("done.h5"), self.out("done.png")
        self.run_ok([media("busy_h264.mp4"), "-o", out])
        before = os.path.getmtime(out)
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume", "--png", png], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("nothing to resume", result.stderr)
        self.assertGreater(os.path.getsize(png), 0, "the requested image is drawn")
        self.assertEqual(os.path.getmtime(out), before)
        # Again: the image is there already and is kept.
        drawn = os.path.getmtime(png)
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--resume", "--png", png], 1)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(os.path.getmtime(png), drawn)
        # Another input, or other options: not this run's file.
        for args in ([media("busy_hevc.mkv")], [media("busy_h264.mp4"), "--seed", "3"]):
            with self.subTest(args=args):
                result = run_tool([*args, "-o", out, "--resume"], 1)
                self.assertEqual(result.returncode, USAGE, result.stderr)
                self.assertIn("other sampling or clustering options", result.stderr)
                self.assertEqual(os.path.getmtime(out), before)

    def flip_bytes(self, path, dataset, rows):
        """Flips bytes of the given rows of a contiguous dataset in the file itself, as a bad
        disk or a stray write would, below HDF5."""
        with h5py.File(path, "r") as f:
            d = f[dataset]
            offset = d.id.get_offset()
            row_bytes = d.dtype.itemsize * int(np.prod(d.shape[1:]))
        with open(path, "r+b") as f:
            for row in rows:
                f.seek(offset + row * row_bytes)
                b = f.read(1)
                f.seek(offset + row * row_bytes)
                f.write(bytes([b[0] ^ 0x5A]))

    def test_damaged_rows_of_a_partial_file_are_made_again(self):
        out = self.out("damaged.h5")
        movie = media("busy_h264.mp4")
        reference = self.barcode("busy_h264.mp4", 1, name="reference.h5")
        self.finished_as_partial(movie, out)
        self.flip_bytes(out + ".partial", "color/dominant", [3, 40])
        self.flip_bytes(out + ".partial", "color/palette", [77])
        result = run_tool([movie, "-o", out, "--resume"], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("3 rows marked done fail their checksum", result.stderr)
        assert_same_datasets(self, reference, read_h5(out), "after repairing damaged rows")

    def test_damaged_thumbs_of_a_partial_file_are_made_again(self):
        # The row checksums cover the stored tiles: a tile damaged on disk is made again, not
        # kept (--from-h5 would cluster it).
        out = self.out("thumbs.h5")
        movie = media("busy_h264.mp4")
        extra = ["--keep-thumbs", "--tile-width", "32"]
        reference = self.barcode("busy_h264.mp4", 1, extra=extra, name="reference.h5")
        self.finished_as_partial(movie, out, extra)
        self.flip_bytes(out + ".partial", "frames/thumbs", [5, 61])
        result = run_tool([movie, "-o", out, "--resume", *extra], 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("2 rows marked done fail their checksum", result.stderr)
        assert_same_datasets(self, reference, read_h5(out), "after repairing damaged tiles")

    def test_resume_refuses_thumbs_whose_checksums_do_not_cover_them(self):
        # A --keep-thumbs partial file of an earlier version: its checksums cover the colours
        # only, so its tiles cannot be checked; refused, and left as it is.
        out = self.out("old.h5")
        movie = media("busy_h264.mp4")
        extra = ["--keep-thumbs", "--tile-width", "32"]
        self.finished_as_partial(movie, out, extra)
        with h5py.File(out + ".partial", "r+") as f:
            self.assertIs(bool(f["frames/checksum"].attrs["covers_thumbs"]), True)
            del f["frames/checksum"].attrs["covers_thumbs"]
        with open(out + ".partial", "rb") as f:
            before = f.read()
        result = run_tool([movie, "-o", out, "--resume", *extra], 2)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("cannot resume: an earlier version made it", result.stderr)
        with open(out + ".partial", "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(os.path.exists(out))

    def test_row_checksums_are_fnv1a_of_the_stored_row(self):
        # The checksum's definition (README): without stored tiles exactly as files before the
        # tiles were covered, so their partial files still resume; with them, the tile's digest
        # appended.
        for extra in ([], ["--keep-thumbs"]):
            with self.subTest(extra=extra):
                d = self.barcode("busy_h264.mp4", 2, extra=["--tile-width", "24", *extra])
                for row in (0, 17, len(d["frames/done"]) - 1):
                    parts = [struct.pack("<q", row)] + [
                        d[name][row].tobytes() for name in
                        ("color/dominant", "color/mean", "color/palette", "color/weights",
                         "color/inertia", "color/iterations", "color/column")]
                    if extra:
                        parts.append(struct.pack("<Q", tile_digest(d["frames/thumbs"][row])))
                    self.assertEqual(int(d["frames/checksum"][row]), fnv1a(b"".join(parts)))

    def test_resume_refuses_another_input_of_the_same_size_and_time(self):
        movie = self.out("movie.mp4")
        shutil.copy(media("busy_h264.mp4"), movie)
        out = self.out("same.h5")
        self.finished_as_partial(movie, out)
        st = os.stat(movie)
        with open(movie, "r+b") as f:  # another film of the same size: different bytes
            f.seek(st.st_size // 2)
            b = f.read(1)
            f.seek(st.st_size // 2)
            f.write(bytes([b[0] ^ 0xFF]))
        os.utime(movie, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertEqual(os.stat(movie).st_mtime_ns, st.st_mtime_ns)
        result = run_tool([movie, "-o", out, "--resume"], 1)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("cannot resume", result.stderr)

    def test_resume_compares_option_values_exactly(self):
        movie = media("busy_h264.mp4")
        out = self.out("tol.h5")
        self.finished_as_partial(movie, out, ["--tol", "0.1"])
        result = run_tool([movie, "-o", out, "--resume", "--tol", "0.1000001"], 1)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("cannot resume", result.stderr)
        result = run_tool([movie, "-o", out, "--resume", "--tol", "0.1"], 1)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_manifest_leaves_a_movie_being_written_to_that_run(self):
        outdir = self.out("archive")
        done, busy = media("busy_h264.mp4"), media("solid_rgb.mkv")
        manifest = self.out("list.txt")
        with open(manifest, "w") as f:
            f.write(done + "\n")
        self.run_ok(["--manifest", manifest, "-o", outdir])
        # A failure recorded by some earlier attempt, while the movie is complete by now.
        os.makedirs(os.path.join(outdir, "failed"), exist_ok=True)
        stale = os.path.join(outdir, "failed", output_name(done) + ".txt")
        with open(stale, "w") as f:
            f.write(f"1\t{done}\t2026-01-01T00:00:00+0000\tmanifest\n")
        with open(manifest, "w") as f:
            f.write(done + "\n" + busy + "\n")
        partial = os.path.join(outdir, output_name(busy) + ".h5.partial")
        lock = HeldLock(partial)  # another run writes the second movie
        try:
            result = run_tool(["--manifest", manifest, "-o", outdir], 2)
        finally:
            lock.release()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(os.path.exists(stale), "a stale failure record stays")
        self.assertFalse(os.listdir(os.path.join(outdir, "failed")))
        with open(os.path.join(outdir, "manifest-summary.tsv")) as f:
            status = {row.split("\t")[1]: row.split("\t")[3] for row in f.read().splitlines()[1:]}
        self.assertEqual(status[done], "skipped (complete)")
        self.assertEqual(status[busy], "busy (another run is writing it)")
        self.assertNotIn("FAILED", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(outdir, output_name(busy) + ".h5")))

    def test_paths_with_tabs_keep_the_archive_records_readable(self):
        # A tab in a movie's path split manifest-summary.tsv's and failed/NAME.txt's columns: the
        # gallery took a piece of the path for the movie's name. Both files escape their fields
        # now, the same way as slurm/archive.sbatch's failure records.
        folder = self.out("tab\tfolder")
        os.makedirs(folder)
        good = os.path.join(folder, "good\tone\\x.mkv")
        bad = os.path.join(folder, "bad\tone.mp4")
        shutil.copy(media("solid_rgb.mkv"), good)
        shutil.copy(media("text.mp4"), bad)
        manifest = self.out("tabs.txt")
        with open(manifest, "w") as f:
            f.write(good + "\n" + bad + "\n")
        outdir = self.out("tabs")
        result = run_tool(["--manifest", manifest, "-o", outdir], 1)
        self.assertEqual(result.returncode, 1, result.stderr)
        names = {good: output_name(good), bad: output_name(bad)}
        self.assertTrue(os.path.isfile(os.path.join(outdir, names[good] + ".h5")))
        with open(os.path.join(outdir, "manifest-summary.tsv")) as f:
            rows = [tsv_fields(row) for row in f.read().splitlines()[1:]]
        self.assertEqual([(r[1], r[2], r[3]) for r in rows],
                         [(good, names[good], "done"), (bad, names[bad], "FAILED")])
        with open(os.path.join(outdir, "failed", names[bad] + ".txt")) as f:
            record = f.read().rstrip("\n")
        self.assertEqual(tsv_fields(record)[:2], ["2", bad])
        # archive.sbatch writes its records with the same escapes.
        sbatch = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "slurm",
                              "archive.sbatch")
        escaped = subprocess.run(["bash", "-c", 'source <(sed -n "/^tsv_field()/,/^}/p" "$0"); '
                                  'tsv_field "$1"', sbatch, bad + "\r\n"],
                                 capture_output=True, text=True, check=True).stdout
        self.assertEqual(escaped, record.split("\t")[1] + "\\r\\n")
        gallery = subprocess.run([RENDER, "--gallery", outdir], capture_output=True, text=True,
                                 timeout=120)
        self.assertEqual(gallery.returncode, 0, gallery.stderr)
        with open(os.path.join(outdir, "index.html")) as f:
            cards = Cards(f.read()).cards
        self.assertEqual(cards, {names[good]: (good, "done"), names[bad]: (bad, "failed")})

    def test_a_movie_of_which_no_frame_decodes_leaves_nothing(self):
        movie = self.out("garbage.mp4")
        with open(media("busy_h264.mp4"), "rb") as f:
            data = bytearray(f.read())
        at = 0  # overwrite the payload of the mp4's media data box: headers intact, no frame
        while at + 8 <= len(data):
            size, kind = struct.unpack(">I4s", bytes(data[at:at + 8]))
            if kind == b"mdat":
                data[at + 8:at + size] = b"\xaa" * (size - 8)
            at += size
        with open(movie, "wb") as f:
            f.write(data)
        out, png = self.out("g.h5"), self.out("g.png")
        result = run_tool([movie, "-o", out, "--png", png], 2)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("none of the 125 sampled frames could be decoded", result.stderr)
        for path in (out, out + ".partial", png):
            self.assertFalse(os.path.exists(path), f"{path} written on exit 2")

    def test_two_manifest_runs_on_one_directory(self):
        names = ["busy_h264.mp4", "solid_rgb.mkv", "busy_vp9.webm", "bands_rgb.mkv"]
        manifest = self.out("list.txt")
        with open(manifest, "w") as f:
            f.write("".join(media(n) + "\n" for n in names))
        outdir = self.out("archive")
        os.makedirs(outdir)
        cmd = ["mpirun", "-np", "1", "--oversubscribe", "--bind-to", "none", BIN, "--manifest",
               manifest, "-o", outdir]
        runs = [subprocess.Popen(cmd, env=MPI_ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(run.communicate(timeout=600)[1], run.returncode) for run in runs]
        for stderr, code in results:
            self.assertEqual(code, 0, stderr)
            self.assertNotIn("FAILED", stderr)
        failed = os.path.join(outdir, "failed")
        self.assertFalse(os.path.exists(failed) and os.listdir(failed))
        for name in names:
            with self.subTest(movie=name):
                d = read_h5(os.path.join(outdir, output_name(media(name)) + ".h5"))
                self.assertEqual(d["attrs"]["complete"], 1)
                self.assertTrue(d["frames/done"].all())
        self.assertFalse([f for f in os.listdir(outdir) if f.endswith((".partial", ".lock"))])

    def test_from_h5_without_finished_rows_writes_nothing(self):
        source = self.out("source.h5")
        self.run_ok([media("busy_h264.mp4"), "-o", source, "--keep-thumbs"])
        with h5py.File(source, "r+") as f:
            f["frames/done"][:] = 0
        out, png = self.out("re.h5"), self.out("re.png")
        result = run_tool(["--from-h5", source, "-o", out, "--png", png], 2)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("no row is finished", result.stderr)
        for path in (out, out + ".partial", png):
            self.assertFalse(os.path.exists(path), f"{path} written on exit 2")


if __name__ == "__main__":
    unittest.main()
