"""What the tools say: barcode_mpi names the files it wrote, a --from-h5 summary does not speak
of decoding, --manifest progress lines name their movie, barcode_render's parse errors carry its
name and its --help describes every style."""
import os
import subprocess
import unittest

from common import ToolTest, media, run_tool

RENDER = os.environ.get("BARCODE_RENDER", "build/barcode_render")
STYLES = ("dominant", "mean", "palette", "circular", "movie-palette", "smooth")
QUICK = ["--fps", "5", "--tile-width", "64", "--restarts", "1"]


def render(args):
    return subprocess.run([RENDER, *args], capture_output=True, text=True, timeout=60)


class Messages(ToolTest):
    def test_run_ends_naming_the_files_it_wrote(self):
        out, png = self.out("film.h5"), self.out("film-{style}.png")
        result = run_tool([media("busy_h264.mp4"), "-o", out, "--png", png,
                           "--style", "dominant,smooth", *QUICK], ranks=2)
        self.assertEqual(result.returncode, 0, result.stderr)
        last = result.stderr.strip().splitlines()[-1]
        self.assertEqual(last, "barcode_mpi: rank 0: wrote %s, %s, %s" % (
            out, self.out("film-dominant.png"), self.out("film-smooth.png")))

    def test_from_h5_summary_does_not_speak_of_decoding(self):
        kept = self.out("kept.h5")
        result = run_tool([media("busy_h264.mp4"), "-o", kept, "--keep-thumbs", *QUICK])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("decoded", result.stderr)  # a decoding run's summary does
        again = self.out("again.h5")
        result = run_tool(["--from-h5", kept, "-o", again, "-k", "4"], ranks=2)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("from its stored tiles", result.stderr)
        self.assertNotIn("decod", result.stderr.lower())
        self.assertIn("barcode_mpi: rank 0: wrote " + again, result.stderr)

    def test_manifest_progress_lines_name_their_movie(self):
        movies = ["busy_h264.mp4", "vfr_h264.mkv", "odd_318x179.mp4"]
        manifest = self.out("films.txt")
        with open(manifest, "w") as f:
            f.write("\n".join(media(m) for m in movies) + "\n")
        # Three movies on two ranks: each rank takes whole movies, and both print progress.
        result = run_tool(["--manifest", manifest, "-o", self.out("archive"), *QUICK], ranks=2)
        self.assertEqual(result.returncode, 0, result.stderr)
        progress = [l for l in result.stderr.splitlines() if ": progress: " in l]
        for movie in movies:
            self.assertTrue([l for l in progress if l.startswith(f"barcode_mpi: {movie}: ")],
                            movie + " has no progress line:\n" + "\n".join(progress))
        self.assertFalse([l for l in progress if l.startswith("barcode_mpi: progress")])

    def test_render_parse_errors_carry_its_name(self):
        for args in (["--no-such-option"], ["x.h5", "--width", "wide", "-o", "x.png"]):
            result = render(args)
            self.assertEqual(result.returncode, 2, args)
            self.assertTrue(result.stderr.startswith("barcode_render: error: "), result.stderr)
            self.assertIn("--help", result.stderr)

    def test_render_help_describes_every_style(self):
        result = render(["--help"])
        self.assertEqual(result.returncode, 0)
        for style in STYLES:
            self.assertIn(style + " (", result.stdout, style)


if __name__ == "__main__":
    unittest.main()
