"""The HDF5 file explains itself: every dataset carries a description, units and colour space;
root attributes that describe the source are named so; text is variable-length UTF-8 and flags
are booleans (h5py reads str and bool); schema_version; the recorded `options` is valid input
for --config and repeats the run; files of the previous layout (fixtures/layout-v1.h5, written
by barcode_mpi before schema_version existed) still render and re-cluster; the exports carry
the movie palette."""
import csv
import json
import os
import shutil
import subprocess
import unittest

import h5py
import numpy as np

from common import ToolTest, assert_same_datasets, media, read_h5, run_tool

RENDER = os.environ.get("BARCODE_RENDER", "build/barcode_render")
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "layout-v1.h5")
SOURCE_FACTS = ("codec", "pix_fmt", "width", "height", "frame_rate", "duration", "time_base")
FLAGS = ("complete", "truncated", "interrupted", "thumbs")
QUICK = ["--tile-width", "48", "--restarts", "1"]


def render(args):
    return subprocess.run([RENDER, *args], capture_output=True, text=True, timeout=120)


class Schema(ToolTest):
    def written(self, name, *extra, ranks=2):
        out = self.out(name)
        result = run_tool([media("busy_h264.mp4"), "-o", out, *extra], ranks=ranks)
        self.assertEqual(result.returncode, 0, result.stderr)
        return out

    def test_every_dataset_describes_itself(self):
        for space, inertia_space in (("rgb", "sRGB"), ("lab", "CIELAB")):
            path = self.written(f"{space}.h5", "--fps", "4", "--keep-thumbs", "--space", space,
                                *QUICK)
            with h5py.File(path, "r") as f:
                datasets = []
                f.visititems(lambda n, o: datasets.append(n) if isinstance(o, h5py.Dataset) else None)
                self.assertEqual(len(datasets), 16)  # thumbs, checksums and the movie palette included
                for name in datasets:
                    attrs = f[name].attrs
                    for key in ("description", "units", "color_space"):
                        self.assertIsInstance(attrs[key], str, f"{name} {key}")
                        self.assertTrue(attrs[key], f"{name} {key}")
                self.assertEqual(f["color/inertia"].attrs["color_space"], inertia_space)
                self.assertIn(inertia_space if space == "lab" else "sRGB",
                              f["color/inertia"].attrs["units"])
                self.assertIn("summed over the tile's pixels", f["color/inertia"].attrs["units"])
                self.assertEqual(f["frames/time"].attrs["units"], "seconds")
                self.assertEqual(f["color/palette"].attrs["units"], "sRGB 0..255")
                self.assertIn("weights 0..1", f["color/weights"].attrs["units"])

    def test_root_attributes_typed_and_named(self):
        path = self.written("typed.h5", "--fps", "4", *QUICK)
        with h5py.File(path, "r") as f:
            attrs = dict(f.attrs)
        self.assertEqual(attrs["schema_version"], 2)
        for fact in SOURCE_FACTS:
            self.assertNotIn(fact, attrs)
            self.assertIn("source_" + fact, attrs)
        self.assertEqual(attrs["source_width"], 320)
        for flag in FLAGS:
            self.assertIsInstance(attrs[flag], (bool, np.bool_), flag)
        self.assertIs(bool(attrs["complete"]), True)
        self.assertIs(bool(attrs["thumbs"]), False)
        for text in ("tool", "options", "source_path", "source_codec", "space", "result_options"):
            self.assertIsInstance(attrs[text], str, text)

    def test_recorded_options_repeat_the_run(self):
        for rule in (["--fps", "3"], ["--columns", "17"], ["--every", "9"]):
            with self.subTest(rule=rule):
                tag = rule[0].strip("-")
                first = self.written(f"{tag}-a.h5", *rule, "-k", "5", "--seed", "7", "--style",
                                     "dominant,mean", "--png", self.out(f"{tag}-a-{{style}}.png"),
                                     *QUICK)
                with h5py.File(first, "r") as f:
                    recorded = f.attrs["options"]
                config = self.out(f"{tag}.toml")
                with open(config, "w") as f:
                    f.write(recorded)
                again = self.out(f"{tag}-b.h5")
                result = run_tool(["--config", config, "-o", again,
                                   "--png", self.out(f"{tag}-b-{{style}}.png")], ranks=1)
                self.assertEqual(result.returncode, 0, recorded + result.stderr)
                assert_same_datasets(self, read_h5(first), read_h5(again), str(rule))
                for style in ("dominant", "mean"):
                    self.assertTrue(os.path.exists(self.out(f"{tag}-b-{style}.png")))
                with h5py.File(again, "r") as f:
                    self.assertEqual(f.attrs["result_options"],
                                     read_h5(first)["attrs"]["result_options"])

    def test_recorded_options_of_a_run_without_an_image_or_from_h5_repeat_it(self):
        # Refused before: the recorded png="" ("--png needs a file name"), and a --from-h5
        # file's sampling and tile options ("--every does not apply to --from-h5").
        source = self.written("k.h5", "--keep-thumbs", *QUICK)
        reclustered = self.out("r.h5")
        result = run_tool(["--from-h5", source, "-o", reclustered, "-k", "4"], ranks=1)
        self.assertEqual(result.returncode, 0, result.stderr)
        for first in (source, reclustered):
            with self.subTest(first=os.path.basename(first)):
                config = self.out("again.toml")
                with h5py.File(first, "r") as f:
                    with open(config, "w") as out:
                        out.write(f.attrs["options"])
                again = self.out("again.h5")
                result = run_tool(["--config", config, "-o", again, "--overwrite"], ranks=1)
                self.assertEqual(result.returncode, 0, result.stderr)
                assert_same_datasets(self, read_h5(first), read_h5(again),
                                     os.path.basename(first))

    def test_recorded_options_of_names_with_a_hash_quotes_and_a_newline_repeat_the_run(self):
        # The options were cut at the `#` ("cannot open input") and a newline was written raw,
        # so --config refused what the run had recorded.
        movie = self.out("take #1 \"it's\"\n.mp4")
        shutil.copyfile(media("busy_h264.mp4"), movie)
        first = self.out("out #1.h5")
        result = run_tool([movie, "-o", first, *QUICK], ranks=1)
        self.assertEqual(result.returncode, 0, result.stderr)
        config = self.out("again.toml")
        with h5py.File(first, "r") as f:
            recorded = f.attrs["options"]
        with open(config, "w") as out:
            out.write(recorded)
        again = self.out("again.h5")
        result = run_tool(["--config", config, "-o", again], ranks=1)
        self.assertEqual(result.returncode, 0, recorded + result.stderr)
        self.assertEqual(read_h5(again)["attrs"]["source_path"], movie)
        assert_same_datasets(self, read_h5(first), read_h5(again))

    def test_previous_layout_renders_and_exports(self):
        png, js = self.out("old.png"), self.out("old.json")
        result = render([FIXTURE, "--style", "dominant,movie-palette", "-o",
                         self.out("old-{style}.png"), "--json", js])
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(js) as f:
            data = json.load(f)
        attrs = data["attributes"]
        self.assertEqual(attrs["source_width"], 320)  # stored as `width` in layout 1
        self.assertNotIn("width", attrs)
        self.assertIs(attrs["complete"], True)
        self.assertEqual(len(data["movie_palette"]), 4)

    def test_previous_layout_reclusters_with_from_h5(self):
        """--from-h5 on the old file with its own options gives its own colours back."""
        out = self.out("again.h5")
        result = run_tool(["--from-h5", FIXTURE, "-o", out, "-k", "4", "--movie-clusters", "4"],
                          ranks=2)
        self.assertEqual(result.returncode, 0, result.stderr)
        old, new = read_h5(FIXTURE), read_h5(out)
        for name in ("color/dominant", "color/mean", "color/palette", "color/weights",
                     "color/inertia", "movie/palette", "movie/labels", "frames/pts"):
            self.assertTrue(np.array_equal(old[name], new[name]), name)
        self.assertEqual(new["attrs"]["schema_version"], 2)
        self.assertEqual(new["attrs"]["source_width"], old["attrs"]["width"])
        self.assertEqual(new["attrs"]["source_time_base"], old["attrs"]["time_base"])

    def test_exports_carry_the_movie_palette(self):
        path = self.written("movie.h5", "--fps", "4", "-k", "3", "--movie-clusters", "5", *QUICK)
        csv_path, json_path = self.out("movie.csv"), self.out("movie.json")
        result = render([path, "--csv", csv_path, "--json", json_path])
        self.assertEqual(result.returncode, 0, result.stderr)
        d = read_h5(path)
        with open(json_path) as f:
            data = json.load(f)
        self.assertTrue(np.array_equal(np.array(data["movie_palette"], np.float32),
                                       d["movie/palette"]))
        self.assertEqual(data["movie_weights"], d["movie/weights"].tolist())
        self.assertEqual([fr["movie_labels"] for fr in data["frames"]], d["movie/labels"].tolist())
        with open(csv_path) as f:
            rows = list(csv.DictReader(f))
        for i, row in enumerate(rows):
            labels = [int(row[f"movie_label{j}"]) for j in range(3)]
            self.assertEqual(labels, d["movie/labels"][i].tolist())
            colour = d["movie/palette"][labels[0]]
            # float32 in its shortest form: reads back to the stored value exactly.
            self.assertTrue(np.array_equal(
                np.array([row[c] for c in ("movie_r", "movie_g", "movie_b")], np.float32), colour))


if __name__ == "__main__":
    unittest.main()
