"""barcode_render: every style against committed golden PNGs, known colours, several styles in one
run, CSV and JSON exports against the HDF5 contents, and bad input.

The golden images are tests/integration/golden/*.png. After an intended change in drawing,
regenerate them with

    BARCODE_UPDATE_GOLDEN=1 ctest --test-dir BUILD -R integration_render_tool

(the test then writes the images it made over the golden ones instead of comparing) and commit
them; check them by eye first.
"""
import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import h5py
import numpy as np
from PIL import Image

from common import BIN, MPI_ENV, ToolTest, media, read_h5, run_tool
from make_media import SOLID_COLORS

RENDER = os.environ.get("BARCODE_RENDER", "build/barcode_render")
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
UPDATE_GOLDEN = os.environ.get("BARCODE_UPDATE_GOLDEN") == "1"

# name -> (source file, style, options): small images, so the golden files stay tiny. Only the
# lossless sources with known colours are used, so that the images do not depend on the
# version of the encoder that made the test media.
GOLDEN_CASES = {
    "solid_dominant": ("solid", "dominant", ["--width", "24", "--height", "6"]),
    "solid_mean": ("solid", "mean", ["--width", "24", "--height", "6"]),
    "solid_circular": ("solid", "circular", ["--width", "48", "--height", "12"]),
    "regions_palette": ("regions", "palette", ["--width", "0", "--height", "10"]),
    "solid_palette": ("solid", "palette", ["--width", "24", "--height", "6"]),
    "bands_smooth": ("bands", "smooth", ["--width", "12", "--height", "9"]),
    "regions_movie_palette": ("regions", "movie-palette", ["--width", "12", "--height", "4"]),
}


def render(args, cwd=None):
    """Runs barcode_render (no mpirun: it must not need MPI); returns the CompletedProcess."""
    return subprocess.run([os.path.abspath(RENDER), *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def contents(path):
    with open(path, "rb") as f:
        return f.read()


def load_png(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int16)


def rgb(hex_color):
    return [int(hex_color[i:i + 2], 16) for i in (0, 2, 4)]


class RenderTool(ToolTest):  # ToolTest: a scratch directory per test, self.out()
    @classmethod
    def setUpClass(cls):
        cls.shared = tempfile.mkdtemp(prefix="barcode-render-")
        cls.h5 = {}
        runs = {"solid": ("solid_rgb.mkv", []), "regions": ("regions_rgb.mkv", ["-k", "3"]),
                "busy": ("busy_h264.mp4", ["--every", "5"]), "bands": ("bands_rgb.mkv", [])}
        for name, (movie, extra) in runs.items():
            path = os.path.join(cls.shared, name + ".h5")
            result = run_tool([media(movie), "-o", path, *extra])
            if result.returncode != 0:
                raise RuntimeError(f"barcode_mpi on {movie} failed:\n{result.stderr}")
            cls.h5[name] = path

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shared, ignore_errors=True)

    def render_ok(self, args):
        result = render(args)
        self.assertEqual(result.returncode, 0, f"barcode_render {args} failed:\n{result.stderr}")
        return result

    def render_fails(self, args, code, *fragments, cwd=None):
        result = render(args, cwd=cwd)
        self.assertEqual(result.returncode, code, f"barcode_render {args}:\n{result.stderr}")
        for fragment in fragments:
            self.assertIn(fragment, result.stderr)
        return result

    # --- images

    def test_styles_match_golden_images(self):
        for name, (source, style, options) in GOLDEN_CASES.items():
            with self.subTest(golden=name):
                png = self.out(name + ".png")
                self.render_ok([self.h5[source], "--style", style, *options, "-o", png])
                golden = os.path.join(GOLDEN, name + ".png")
                if UPDATE_GOLDEN:
                    os.makedirs(GOLDEN, exist_ok=True)
                    shutil.copyfile(png, golden)
                    continue
                self.assertTrue(os.path.exists(golden),
                                f"{golden} is missing: run with BARCODE_UPDATE_GOLDEN=1")
                made, want = load_png(png), load_png(golden)
                self.assertEqual(made.shape, want.shape)
                worst = int(np.abs(made - want).max())
                self.assertLessEqual(worst, 1, f"{name}: differs from golden by {worst} levels")

    def test_dominant_at_full_width_has_the_known_colours(self):
        png = self.out("d.png")
        self.render_ok([self.h5["solid"], "--height", "2", "--width", "0", "-o", png])
        img = load_png(png)
        want = np.array([rgb(c) for c in SOLID_COLORS for _ in range(10)])
        self.assertEqual(img.shape, (2, 60, 3))
        np.testing.assert_array_equal(img[1], want)

    def test_smooth_shows_each_frame_squeezed_to_a_column(self):
        # Tiles are 90 rows: 45 red over 45 blue. At height 9 the middle row straddles both and
        # is their mean in linear light (0.5 -> sRGB 188), never an sRGB average (128).
        png = self.out("smooth.png")
        self.render_ok([self.h5["bands"], "--style", "smooth", "--height", "9", "--width", "0",
                        "-o", png])
        image = load_png(png)
        self.assertEqual(image.shape, (9, 25, 3))
        np.testing.assert_array_equal(image[:4], np.broadcast_to([255, 0, 0], (4, 25, 3)))
        np.testing.assert_array_equal(image[4], np.broadcast_to([188, 0, 188], (25, 3)))
        np.testing.assert_array_equal(image[5:], np.broadcast_to([0, 0, 255], (4, 25, 3)))

    def test_palette_stacks_regions_by_weight(self):
        # regions_rgb.mkv: 60% red, 30% blue, 10% green, so 6, 3 and 1 rows of 10.
        png = self.out("p.png")
        self.render_ok([self.h5["regions"], "--style", "palette", "--height", "10", "-o", png])
        img = load_png(png)
        for y, color in enumerate([rgb("FF0000")] * 6 + [rgb("0000FF")] * 3 + [rgb("00FF00")]):
            np.testing.assert_array_equal(img[y], np.tile(color, (img.shape[1], 1)), f"row {y}")

    def test_circular_is_square_with_black_outside_the_ring(self):
        png = self.out("c.png")
        self.render_ok([self.h5["solid"], "--style", "circular", "--width", "64", "--height",
                        "10", "-o", png])
        img = load_png(png)
        self.assertEqual(img.shape, (64, 64, 3))
        for y, x in ((0, 0), (63, 63), (32, 32), (0, 63)):  # corners and the hole
            np.testing.assert_array_equal(img[y, x], [0, 0, 0])
        # Just right of 12 o'clock, mid-ring: the first sample's colour (red).
        np.testing.assert_array_equal(img[4, 33], rgb(SOLID_COLORS[0]))

    def test_several_styles_follow_the_output_pattern(self):
        pattern = self.out("film-{style}.png")
        self.render_ok([self.h5["busy"], "--style", "dominant,palette", "--style", "circular",
                        "--width", "30", "--height", "8", "-o", pattern])
        for style in ("dominant", "palette", "circular"):
            single = self.out(f"single-{style}.png")
            self.render_ok([self.h5["busy"], "--style", style, "--width", "30", "--height", "8",
                            "-o", single])
            np.testing.assert_array_equal(load_png(pattern.format(style=style)),
                                          load_png(single))

    def test_several_styles_without_a_pattern_name_each_image_by_its_style(self):
        # out.png -> out-STYLE.png, the names --manifest gives; a name without an extension
        # gets the style at its end, and a dot in a directory is no extension.
        sub = self.out("dir.v2")
        os.makedirs(sub)
        for given, made in ((self.out("one.png"), self.out("one-{}.png")),
                            (os.path.join(sub, "bare"), os.path.join(sub, "bare-{}"))):
            self.render_ok([self.h5["busy"], "--style", "dominant", "--style", "mean",
                            "--width", "30", "--height", "8", "-o", given])
            self.assertFalse(os.path.exists(given))
            for style in ("dominant", "mean"):
                single = self.out(f"alone-{style}.png")
                self.render_ok([self.h5["busy"], "--style", style, "--width", "30",
                                "--height", "8", "-o", single, "--overwrite"])
                np.testing.assert_array_equal(load_png(made.format(style)), load_png(single))

    def test_rows_not_done_are_skipped(self):
        h5 = self.out("partial.h5")
        shutil.copyfile(self.h5["solid"], h5)
        with h5py.File(h5, "r+") as f:
            done = f["frames/done"][:]
            done[10:20] = 0  # the green frames
            f["frames/done"][:] = done
        png = self.out("partial.png")
        # Drawn all the same, but an incomplete input is said and exits 3.
        self.render_fails([h5, "--height", "1", "--width", "0", "-o", png], 3, h5,
                          "10 of 60 rows are not done")
        img = load_png(png)
        self.assertEqual(img.shape, (1, 50, 3))
        self.assertFalse((img[0] == rgb("00FF00")).all(axis=1).any())

    def interrupted_copy(self, source, done_rows):
        """`source` as an interrupted run leaves it (job.cpp, keep_interrupted_store): named
        OUT.h5.partial, complete=0 and interrupted=1, rows past `done_rows` not done, and /movie
        still the zeros it was created with (the movie palette is made at the run's end)."""
        partial = self.out("film.h5.partial")
        shutil.copyfile(source, partial)
        with h5py.File(partial, "r+") as f:
            f["frames/done"][done_rows:] = 0
            f.attrs["complete"] = False
            f.attrs["interrupted"] = True
            for name in ("movie/palette", "movie/weights", "movie/labels"):
                f[name][...] = 0
        return partial

    def test_interrupted_run_file_is_drawn_with_a_warning_and_exit_3(self):
        # It once exited 0 without a word, its done rows stretched over the full width and the
        # movie-palette style all black (the palette's zeros).
        partial = self.interrupted_copy(self.h5["solid"], 20)
        png, csv_path, json_path = self.out("p.png"), self.out("p.csv"), self.out("p.json")
        result = self.render_fails([partial, "--width", "0", "--height", "1", "-o", png,
                                    "--csv", csv_path, "--json", json_path, "-v", "0"], 3,
                                   "warning", partial, "40 of 60 rows are not done", "--resume")
        self.assertEqual(result.stderr.count("\n"), 1, "one warning line")
        image = load_png(png)  # the 20 done rows: red, then green
        self.assertEqual(image.shape, (1, 20, 3))
        with open(csv_path, newline="") as f:
            table = list(csv.DictReader(f))
        self.assertEqual(sum(int(r["done"]) for r in table), 20)
        self.assertNotIn("movie_r", table[0], "the zeros of /movie exported as a palette")
        with open(json_path) as f:
            self.assertNotIn("movie_palette", json.load(f))
        # The movie palette was never computed: refused, nothing written, for one style or
        # among several.
        for styles in ("movie-palette", "dominant,movie-palette"):
            with self.subTest(styles=styles):
                self.render_fails([partial, "-s", styles, "-o", self.out("m-{style}.png")], 2,
                                  partial, "movie palette was never computed")
                self.assertFalse(any(n.startswith("m-") for n in os.listdir(self.tmp)))

    def test_rows_damaged_on_disk_are_left_out_and_said(self):
        # Bytes of a row's colours damaged on disk were drawn and exported as they were, exit 0.
        # The row checksums (colours only, without --keep-thumbs) are now checked.
        damaged = self.out("damaged.h5")
        shutil.copy(self.h5["solid"], damaged)
        with h5py.File(damaged, "r+") as f:
            f["color/dominant"][7] = 255 - f["color/dominant"][7]
        self.assertEqual(self.rows_left_out(damaged, "1 rows fail their checksum",
                                            "1 of 60 rows are not done"), [7])
        self.assertEqual(load_png(self.out("d.png")).shape, (1, 59, 3))

    def rows_left_out(self, damaged, *fragments):
        """Renders a damaged file (exit 3, the warning holding `fragments`) into d.png and
        d.csv; the rows the CSV marks not done."""
        csv_path = self.out("d.csv")
        self.render_fails([damaged, "--width", "0", "--height", "1", "-o", self.out("d.png"),
                           "--csv", csv_path, "-v", "0"], 3, damaged, *fragments)
        with open(csv_path, newline="") as f:
            return [i for i, r in enumerate(csv.DictReader(f)) if r["done"] == "0"]

    def test_stored_tiles_damaged_on_disk_are_found_too(self):
        # With --keep-thumbs a row's checksum covers its colours and its stored tile; they were
        # not checked at all (reading the tiles was left to barcode_mpi): a damaged tile or
        # colour was drawn as it was, exit 0.
        made = self.out("thumbs.h5")
        result = run_tool([media("solid_rgb.mkv"), "-o", made, "--keep-thumbs"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.render_fails([made, "-o", self.out("clean.png")], 0)
        damaged = self.out("damaged.h5")
        shutil.copy(made, damaged)
        with h5py.File(damaged, "r+") as f:
            self.assertIs(bool(f["frames/checksum"].attrs["covers_thumbs"]), True)
            f["frames/thumbs"][5, 10, 20] = 255 - f["frames/thumbs"][5, 10, 20]
            f["color/dominant"][9] = 255 - f["color/dominant"][9]
        self.assertEqual(self.rows_left_out(damaged, "2 rows fail their checksum",
                                            "2 of 60 rows are not done"), [5, 9])

    def test_finished_run_of_a_truncated_movie_exits_3(self):
        # barcode_mpi finishes the file (every row done) but marks it incomplete and exits 3;
        # barcode_render draws it and says so the same way.
        h5 = self.out("cut.h5")
        made = run_tool([media("cut90_h264.mkv"), "-o", h5])
        self.assertEqual(made.returncode, 3, made.stderr)
        self.render_fails([h5, "-s", "dominant,movie-palette", "-o", self.out("c-{style}.png")],
                          3, h5, "incomplete input", "truncated")
        for style in ("dominant", "movie-palette"):
            self.assertTrue(os.path.exists(self.out(f"c-{style}.png")))
        self.render_ok([self.h5["regions"], "-s", "movie-palette", "-o", self.out("r.png")])

    # --- exports

    def assert_matches_h5(self, rows, d):
        """rows: per-frame dicts read back from an export, d: the HDF5 contents (read_h5)."""
        n, k = d["color/palette"].shape[:2]
        self.assertEqual(len(rows), n)
        for i, row in enumerate(rows):
            self.assertEqual(row["index"], d["frames/index"][i])
            self.assertEqual(row["pts"], d["frames/pts"][i])
            self.assertEqual(row["time"], d["frames/time"][i])  # float64: exact
            self.assertEqual(int(row["done"]), d["frames/done"][i])
            np.testing.assert_array_equal(row["dominant"], d["color/dominant"][i])
            np.testing.assert_array_equal(row["mean"], d["color/mean"][i])
            # float32 values come back exactly once read as float32.
            np.testing.assert_array_equal(np.float32(row["palette"]), d["color/palette"][i])
            np.testing.assert_array_equal(np.float32(row["weights"]), d["color/weights"][i])

    def test_csv_round_trip(self):
        path = self.out("busy.csv")
        self.render_ok([self.h5["busy"], "--csv", path])
        d = read_h5(self.h5["busy"])
        k = d["color/palette"].shape[1]
        with open(path, newline="") as f:
            table = list(csv.DictReader(f))
        rows = [{
            "index": int(r["index"]), "pts": int(r["pts"]), "time": float(r["time"]),
            "done": int(r["done"]),
            "dominant": [int(r[f"dominant_{c}"]) for c in "rgb"],
            "mean": [int(r[f"mean_{c}"]) for c in "rgb"],
            "palette": [[float(r[f"palette{j}_{c}"]) for c in "rgb"] for j in range(k)],
            "weights": [float(r[f"weight{j}"]) for j in range(k)],
        } for r in table]
        self.assert_matches_h5(rows, d)

    def test_json_round_trip(self):
        path = self.out("busy.json")
        self.render_ok([self.h5["busy"], "--json", path])
        d = read_h5(self.h5["busy"])
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual(doc["samples"], len(d["frames/index"]))
        self.assertEqual(doc["k"], d["color/palette"].shape[1])
        for name, value in d["attrs"].items():
            if isinstance(value, float) and np.isnan(value):
                value = None  # JSON has no NaN: the export writes null
            self.assertEqual(doc["attributes"][name], value, name)
        self.assert_matches_h5(doc["frames"], d)

    def test_exports_and_image_in_one_run(self):
        csv_path, json_path, png = self.out("a.csv"), self.out("a.json"), self.out("a.png")
        self.render_ok([self.h5["regions"], "--csv", csv_path, "--json", json_path, "-o", png])
        for path in (csv_path, json_path, png):
            self.assertTrue(os.path.exists(path))
        self.assertEqual(sorted(os.listdir(self.tmp)), ["a.csv", "a.json", "a.png"],
                         "a temporary was left behind")

    def test_exports_never_take_over_or_follow_a_file_named_like_their_temporary(self):
        # The exports once wrote through the fixed name PATH.partial, opened without O_EXCL: an
        # existing x.json.partial was consumed, and through a symbolic link x.csv.partial the
        # CSV went into the file it points to (and x.csv became that link).
        victim, csv_path, json_path = self.out("victim"), self.out("x.csv"), self.out("x.json")
        with open(victim, "w") as f:
            f.write("keep\n")
        os.symlink(victim, csv_path + ".partial")
        with open(json_path + ".partial", "w") as f:
            f.write("someone's\n")
        self.render_ok([self.h5["regions"], "--csv", csv_path, "--json", json_path])
        self.assertEqual(contents(victim), b"keep\n")
        self.assertEqual(contents(json_path + ".partial"), b"someone's\n")
        self.assertTrue(os.path.islink(csv_path + ".partial"))
        for path in (csv_path, json_path):
            self.assertFalse(os.path.islink(path), path)
            self.assertTrue(contents(path).startswith((b"index,", b"{")), path)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["victim", "x.csv", "x.csv.partial", "x.json", "x.json.partial"])

    def test_a_signal_while_writing_removes_the_temporary_and_exits_4(self):
        # A render killed while writing left OUT.png.partial-PID-0 behind. 12000 x 12000 takes
        # over a second to encode: the signal is sent once the temporary exists.
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            with self.subTest(signal=number):
                png = self.out(f"big-{int(number)}.png")
                proc = subprocess.Popen([RENDER, self.h5["busy"], "--width", "12000",
                                         "--height", "12000", "-o", png],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                deadline = time.time() + 60
                while not any(name.startswith(os.path.basename(png) + ".partial-")
                              for name in os.listdir(self.tmp)):
                    self.assertIsNone(proc.poll(), "it ended before writing")
                    self.assertLess(time.time(), deadline, "no temporary appeared")
                    time.sleep(0.002)
                proc.send_signal(number)
                _, err = proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, 4, err)
                self.assertIn("interrupted", err)
                self.assertEqual(os.listdir(self.tmp), [], "a temporary or the image was left")

    def test_json_is_valid_utf8_whatever_the_file_names(self):
        # A movie and a barcode file named in Latin-1 (bytes that are not UTF-8): their names
        # were copied raw into the JSON, which then was not valid JSON (RFC 8259: UTF-8).
        movie = os.fsdecode(os.path.join(os.fsencode(self.tmp), b"caf\xe9 \xff\xc3(.mkv"))
        shutil.copyfile(media("solid_rgb.mkv"), movie)
        h5 = os.fsdecode(os.path.join(os.fsencode(self.tmp), b"\xe9t\xe9.h5"))
        # Its messages name the files in those bytes: read as bytes, not text.
        made = subprocess.run(["mpirun", "-np", "1", BIN, movie, "-o", h5], env=MPI_ENV,
                              capture_output=True, timeout=600)
        self.assertEqual(made.returncode, 0, made.stderr.decode(errors="replace"))
        json_path = self.out("names.json")
        self.render_ok([h5, "--json", json_path, "-v", "0"])
        doc = json.loads(contents(json_path).decode("utf-8"))  # strict: fails on a raw byte
        # Each byte of no well-formed sequence becomes U+FFFD; well-formed UTF-8 is kept.
        self.assertTrue(doc["attributes"]["source_path"].endswith("caf\ufffd \ufffd\ufffd(.mkv"))
        self.assertTrue(doc["file"].endswith("/\ufffdt\ufffd.h5"))
        utf8 = self.out("caf\u00e9.h5")
        shutil.copyfile(h5, utf8)
        self.render_ok([utf8, "--json", json_path, "--overwrite"])
        self.assertTrue(json.loads(contents(json_path).decode("utf-8"))["file"].endswith(
            "caf\u00e9.h5"))

    # --- bad input and usage

    def test_missing_file(self):
        missing = self.out("nothing.h5")
        self.render_fails([missing, "-o", self.out("x.png")], 2, missing, "no such file")

    def test_not_an_hdf5_file(self):
        text = self.out("notes.h5")
        with open(text, "w") as f:
            f.write("not a barcode\n")
        self.render_fails([text, "-o", self.out("x.png")], 2, text, "not an HDF5 file")
        self.assertFalse(os.path.exists(self.out("x.png")))

    def test_hdf5_file_that_is_not_a_barcode_file(self):
        empty = self.out("empty.h5")
        with h5py.File(empty, "w") as f:
            f["other"] = np.zeros(3)
        self.render_fails([empty, "--csv", self.out("x.csv")], 2, empty, "/color/palette",
                          "missing")
        broken = self.out("broken.h5")
        shutil.copyfile(self.h5["solid"], broken)
        with h5py.File(broken, "r+") as f:
            del f["color/weights"]
        self.render_fails([broken, "-o", self.out("x.png")], 2, broken, "/color/weights")
        with h5py.File(broken, "r+") as f:
            f["color/weights"] = np.zeros((5, 2), np.float32)  # wrong shape
        self.render_fails([broken, "-o", self.out("x.png")], 2, "/color/weights", "shape")

    def test_truncated_or_damaged_hdf5_is_unusable_input(self):
        # These once exited 1 (a failure of the job) although README lists unusable input as 2.
        source = self.h5["solid"]
        size = os.path.getsize(source)
        for keep in (3000, size // 2, size - 100):
            with self.subTest(keep=keep):
                cut = self.out(f"cut{keep}.h5")
                with open(cut, "wb") as f:
                    f.write(contents(source)[:keep])
                self.render_fails([cut, "-o", self.out("x.png")], 2, cut, "truncated",
                                  "unusable input")
        group = self.out("group.h5")
        with h5py.File(group, "w") as f:
            f.create_group("color/palette")  # where a dataset belongs
        self.render_fails([group, "--csv", self.out("x.csv")], 2, group, "/color/palette",
                          "unusable input")
        self.assertFalse(os.path.exists(self.out("x.png")) or os.path.exists(self.out("x.csv")))

    def test_file_declaring_rows_it_does_not_hold_is_refused_before_allocating(self):
        # Valid HDF5 of a few kilobytes: chunked datasets of 2^31 rows, no chunk written. It
        # once had barcode_render allocate until killed (23 GB after 36 s). Run here under a
        # 4 GiB address-space limit, so that a reader that tries fails rather than the machine.
        huge, n, k = self.out("huge.h5"), 2**31, 8
        with h5py.File(huge, "w") as f:
            for name, shape, dtype in (
                    ("frames/index", (n,), "i8"), ("frames/pts", (n,), "i8"),
                    ("frames/time", (n,), "f8"), ("frames/done", (n,), "u1"),
                    ("color/dominant", (n, 3), "u1"), ("color/mean", (n, 3), "u1"),
                    ("color/palette", (n, k, 3), "f4"), ("color/weights", (n, k), "f4"),
                    ("color/inertia", (n,), "f8")):
                f.create_dataset(name, shape=shape, dtype=dtype, chunks=True)
        self.assertLess(os.path.getsize(huge), 1 << 20)

        def limit_memory():
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

        result = subprocess.run([RENDER, huge, "-o", self.out("x.png")], capture_output=True,
                                text=True, timeout=120, preexec_fn=limit_memory)
        self.assertEqual(result.returncode, 2, result.stderr)
        for fragment in (huge, "2147483648", "never written"):
            self.assertIn(fragment, result.stderr)
        self.assertFalse(os.path.exists(self.out("x.png")))

    def test_unwritable_or_existing_output(self):
        src = self.h5["solid"]
        bad = os.path.join(self.tmp, "no-such-dir", "x.png")
        self.render_fails([src, "-o", bad], 2, bad, "does not exist")
        existing = self.out("exists.png")
        open(existing, "w").close()
        self.render_fails([src, "-o", existing], 2, existing, "--overwrite")
        self.render_ok([src, "-o", existing, "--overwrite"])
        self.assertGreater(os.path.getsize(existing), 0)

    def test_usage_errors(self):
        src = self.h5["solid"]
        self.render_fails([src, "--style", "stripes", "-o", self.out("x.png")], 2, "stripes")
        self.render_fails([src], 2, "nothing to do")
        self.render_fails([src, "-o", self.out("x.png"), "--height", "0"], 2, "--height")
        self.render_fails(["-o", self.out("x.png")], 2, "input")
        result = render(["--help"])
        self.assertEqual(result.returncode, 0)
        for option in ("--style", "--width", "--height", "--csv", "--json", "--output"):
            self.assertIn(option, result.stdout)

    def test_width_limit_in_help_is_the_one_checked(self):
        # The help once offered widths up to 2^20 while 1,000,000 (libpng's limit) was refused.
        src = self.h5["solid"]
        help_text = render(["--help"]).stdout
        self.assertIn("[0 - 1000000]", help_text)
        self.render_ok([src, "--width", "1000000", "--height", "1", "-o", self.out("wide.png")])
        self.render_fails([src, "--width", "1000001", "-o", self.out("x.png")], 2, "--width",
                          "1000000")
        # Not an integer: said so, rather than "not in range".
        for option, value in (("--width", "1e3"), ("--height", "12px"), ("--width", "1.5")):
            with self.subTest(option=option, value=value):
                result = self.render_fails([src, option, value, "-o", self.out("x.png")], 2,
                                           option, value, "not an integer")
                self.assertNotIn("range", result.stderr)
        self.assertFalse(os.path.exists(self.out("x.png")))

    def test_one_file_named_twice_by_different_spellings_is_refused(self):
        # "y.png" and "./y.png" once passed as two outputs: both were written, the CSV last,
        # and y.png ended as CSV text with exit 0.
        src = self.h5["solid"]
        cases = [
            ["-o", "y.png", "--csv", "./y.png"],
            ["-o", "c{style}.png", "-s", "dominant,mean", "--csv", "./cmean.png"],
            ["-o", "z.png", "--json", os.path.join("..", os.path.basename(self.tmp), "z.png")],
            ["-o", "w.png", "--csv", os.path.join(self.tmp, "w.png")],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.render_fails([src, *args], 2, "same file", cwd=self.tmp)
                self.assertEqual(os.listdir(self.tmp), [], "something was written")

    def test_output_that_is_the_input_or_a_hard_link_of_another_output_is_refused(self):
        h5 = self.out("in.h5")
        shutil.copyfile(self.h5["solid"], h5)
        before = contents(h5)
        os.symlink(h5, self.out("link.h5"))
        self.render_fails([self.out("link.h5"), "--csv", h5, "--overwrite"], 2, "input file")
        self.render_fails([h5, "--json", os.path.join(self.tmp, ".", "in.h5"), "--overwrite"], 2,
                          "input file")
        self.assertEqual(contents(h5), before)
        # Two existing outputs that are one file (hard links), replaced with --overwrite.
        first, second = self.out("a.png"), self.out("b.csv")
        with open(first, "w") as f:
            f.write("old\n")
        os.link(first, second)
        self.render_fails([h5, "-o", first, "--csv", second, "--overwrite"], 2, second,
                          "same file")
        self.assertEqual(contents(first), b"old\n")


if __name__ == "__main__":
    unittest.main()
