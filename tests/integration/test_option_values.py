"""Option values are checked before any work: every numeric option's range (NaN and infinity
included), config files (unknown keys, tables, binary data), inputs that are not files (a FIFO),
and manifest lists (comments, blank lines, trailing blanks, a byte order mark; binary refused).
A refusal is exit code 2 with one error line naming the option or file, and nothing written."""
import glob
import hashlib
import os
import subprocess
import unittest

from common import ToolTest, media, read_h5, run_tool

USAGE = 2
SOURCE = os.environ.get("BARCODE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))


def output_name(line):
    """The rule of slurm/archive.sbatch: stem, then 12 hex digits of the line's SHA-1."""
    stem = os.path.basename(line).rsplit(".", 1)[0]
    return f"{stem}-{hashlib.sha1(line.encode()).hexdigest()[:12]}"


class OptionValues(ToolTest):
    def refused(self, args, parts, ranks=1):
        out = self.out("out.h5")
        result = run_tool([*args, "-o", out], ranks, timeout=120)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        errors = [l for l in result.stderr.splitlines() if "error:" in l]
        self.assertEqual(len(errors), 1, result.stderr)
        for part in parts:
            self.assertIn(part, errors[0])
        for path in (out, out + ".partial", out + ".partial.lock"):
            self.assertFalse(os.path.exists(path), f"{path} written by a refused run")
        return errors[0]

    def test_numeric_ranges(self):
        movie = media("busy_h264.mp4")
        cases = [
            (["--threads", "200000"], ["--threads"]),
            (["--fps", "1e308"], ["--fps"]),
            (["--fps", "nan"], ["--fps"]),
            (["--start", "1e308"], ["--start"]),
            (["--start", "inf"], ["--start"]),
            (["--end", "-5"], ["--end"]),
            (["--end", "inf"], ["--end"]),
            (["--end", "nan"], ["--end"]),
            (["--width", "100000", "--height", "100000"], ["--height"]),
            (["--width", "100000", "--height", "10000"], ["--width", "--height", "pixels"]),
            (["--height", "1000000"], ["--height"]),
            (["-v", "99"], ["--verbosity"]),
            (["--tol", "inf"], ["--tol"]),
            (["--max-iter", "2000000000"], ["--max-iter"]),
            (["--columns", "-3"], ["--columns"]),
            # It said "Value 1.5 not in range 1 to 1099511627776".
            (["--every", "1.5"], ["--every", "1.5 is not a whole number"]),
            # A name the file system takes, whose temporary files' names it would not: refused
            # after all the work, exit 1.
            (["--png", self.out("c" * 245 + ".png")], ["name is too long", "255"]),
            # 0 is "not this rule" inside: given, it sampled every frame without a word.
            (["--columns", "0"], ["--columns must be between 1"]),
            (["--fps", "0"], ["--fps must be positive"]),
            # strtoull took "-1" for 2^64-1 and saturated numbers too large, without a word.
            (["--seed", "-1"], ["--seed -1", "18446744073709551615"]),
            (["--seed", "18446744073709551616"], ["--seed"]),
            (["--seed", "0x10"], ["--seed"]),
            # Given, but nothing to act on: they were ignored without a word.
            (["--png", ""], ["--png needs a file name"]),
            (["--movies-at-once", "5"], ["--movies-at-once", "--manifest"]),
            # Refused only when the image was drawn, after all the work and a complete file.
            (["--png", "x.png", "--movie-clusters", "0", "--style", "movie-palette"],
             ["movie-palette", "--movie-clusters 0"]),
        ]
        for extra, parts in cases:
            with self.subTest(extra=extra):
                self.refused([movie, *extra], parts)

    def test_a_tile_over_the_limit_is_refused_with_the_limit(self):
        # The message said "too large" without the limit.
        movie = self.out("big.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "color=s=1920x1080:r=25:d=0.2", "-c:v", "libx264", movie], check=True)
        self.refused([movie, "--tile-width", "1836", "--crop", "none"],
                     ["big.mp4", "1836x1033", "over the limit of 1048576", "--tile-width"])

    def test_a_style_named_twice_is_drawn_once(self):
        # The second drawing found the first's image in its place: exit 1 after all the work.
        png = self.out("twice.png")
        self.run_ok([media("busy_h264.mp4"), "-o", self.out("twice.h5"), "--png", png,
                     "--style", "dominant,dominant", "--style", "dominant"])
        self.assertTrue(os.path.exists(png))

    def test_config_file_keys_are_checked(self):
        movie = media("busy_h264.mp4")
        config = self.out("c.toml")
        cases = [
            (b"clusterz = 5\n", ["c.toml", "clusterz"]),
            # Errors of values in the file name the file.
            (b'clusters = "five"\n', ["c.toml", "--clusters", "five"]),
            (b"clusters = 5\nclusters = 6\n", ["c.toml", "line 2", "`clusters`", "second time"]),
            # Two names of one option: the first was used without a word.
            (b"k = 4\nclusters = 3\n", ["c.toml", "line 2", "`k`", "one option"]),
            (b'input = "a.mp4" b.mp4\n', ["c.toml", "line 1", "after the value"]),
            (b"seed = -5\n", ["c.toml", "--seed -5"]),
            (b"clusters = 5\n[extra]\nk = 3\n", ["c.toml", "line 2", "tables"]),
            (bytes(range(256)) * 4, ["c.toml", "not text"]),
            (b"clusters = 5\nx\n", ["c.toml", "line 2"]),
            # These two said "unknown option" with an invisible or empty name.
            (b"\xef\xbb\xbfclusters = 5\n", ["c.toml", "line 1", "byte order mark"]),
            (b"= 5\n", ["c.toml", "line 1", "name = value"]),
        ]
        for content, parts in cases:
            with self.subTest(content=content[:20]):
                with open(config, "wb") as f:
                    f.write(content)
                self.refused([movie, "--config", config], parts)
        # A good file still works, and its values are used: a list over several lines (its
        # first item on the line of `[` was refused), a `#` inside quotes (the value was cut
        # there: "cannot open input").
        named = self.out("Episode #3.mp4")
        os.symlink(movie, named)
        with open(config, "w") as f:
            f.write('# a comment\nclusters = 5  # five\nmovie-clusters = 0\nstyle = [\n'
                    '  "dominant",\n  "mean",\n]\n'
                    f'input = "{named}"\n')
        out = self.out("good.h5")
        self.run_ok(["-o", out, "--config", config, "--png", self.out("good.png")])
        self.assertEqual(read_h5(out)["attrs"]["k"], 5)
        self.assertEqual(read_h5(out)["attrs"]["source_path"], named)
        for style in ("dominant", "mean"):
            self.assertTrue(os.path.exists(self.out(f"good-{style}.png")))

    def test_shipped_presets_are_accepted(self):
        for preset in sorted(glob.glob(os.path.join(SOURCE, "configs", "*.toml"))):
            with self.subTest(preset=os.path.basename(preset)):
                self.run_ok([media("solid_rgb.mkv"), "-o", self.out("p.h5"), "--overwrite",
                             "--config", preset, "--decode-only"])

    def test_the_command_line_overrides_a_presets_sampling_and_from_h5_leaves_out_the_rest(self):
        # default.toml's `every = 1` with --fps or --columns on the command line was refused
        # ("--every excludes --fps"), and so was every preset with --from-h5 ("--tile-width
        # does not apply"): a preset's options that do not apply are left out there.
        movie = media("busy_h264.mp4")
        preset = os.path.join(SOURCE, "configs", "default.toml")
        for rule, rows in ((["--fps", "2"], 10), (["--columns", "7"], 7)):
            with self.subTest(rule=rule):
                out = self.out("rule.h5")
                self.run_ok([movie, "-o", out, "--overwrite", "--config", preset, *rule,
                             "--tile-width", "32", "--restarts", "1"])
                self.assertEqual(len(read_h5(out)["frames/pts"]), rows)
        source = self.out("thumbs.h5")
        self.run_ok([movie, "-o", source, "--keep-thumbs", "--tile-width", "32"])
        for preset in sorted(glob.glob(os.path.join(SOURCE, "configs", "*.toml"))):
            with self.subTest(preset=os.path.basename(preset)):
                self.run_ok(["--from-h5", source, "-o", self.out("f.h5"), "--overwrite",
                             "--config", preset])
        # Two rules in one file, or two on the command line, are still refused.
        config = self.out("two.toml")
        with open(config, "w") as f:
            f.write("every = 2\nfps = 3\n")
        self.refused([movie, "--config", config], ["two.toml", "exclude each other"])
        self.refused([movie, "--every", "2", "--columns", "3"], ["exclude each other"])

    def test_fifo_as_input_is_refused_not_waited_on(self):
        fifo = self.out("movie.mp4")
        os.mkfifo(fifo)
        self.refused([fifo], [fifo, "FIFO"], ranks=2)
        self.refused(["--manifest", fifo], [fifo, "FIFO"])
        self.refused(["--from-h5", fifo], [fifo, "FIFO"])

    def test_manifest_lines(self):
        movie = media("busy_h264.mp4")
        manifest = self.out("list.txt")
        with open(manifest, "wb") as f:
            f.write(b"\xef\xbb\xbf# films of the week\n   \n" + movie.encode() + b"  \t\r\n\n"
                    b"  # an indented comment\n")
        outdir = self.out("archive")
        result = self.run_ok(["--manifest", manifest, "-o", outdir])
        self.assertIn("1 movies", result.stderr)
        d = read_h5(os.path.join(outdir, output_name(movie) + ".h5"))
        self.assertEqual(d["attrs"]["complete"], 1)
        self.assertFalse(os.path.exists(os.path.join(outdir, "failed")))

    def test_a_movie_given_as_manifest_is_refused(self):
        outdir = self.out("archive")
        result = run_tool(["--manifest", media("busy_h264.mp4"), "-o", outdir], 2)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("not text", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(outdir, "failed")))
        self.assertLess(len(result.stderr), 2000)


if __name__ == "__main__":
    unittest.main()
