"""barcode_render --gallery on a real archive run (barcode_mpi --manifest on 2 ranks: movies that
finish, one that fails, one truncated, one interrupted), opened in a real headless Chromium: the
pages load without console messages, every image they name is there, every movie is listed with
its status, the name filter and the movie page's pointer readout work.

Environment as for the integration tests, plus BARCODE_RENDER; BARCODE_GALLERY_SCREENSHOT=PATH
also saves a screenshot of the index page there (docs/images/gallery.png is made so). Exits
with 77 (skipped) where Chromium is not installed (scripts/install-test-deps.sh installs it)."""
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import common  # noqa: E402

RENDER = os.environ.get("BARCODE_RENDER", "build/barcode_render")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless, as root, on a closed network: no sandbox, no GPU, nothing fetched in the background.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"]


class Elements(html.parser.HTMLParser):
    """Every element's tag and attributes, in document order, and the text of each id."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.text_of = {}
        self._open_ids = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs and tag not in ("img", "input"):
            self._open_ids.append((tag, attrs["id"]))
            self.text_of[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        for _, ident in self._open_ids:
            self.text_of[ident] += data

    def find(self, tag, **wanted):
        return [a for t, a in self.elements
                if t == tag and all(a.get(k) == v for k, v in wanted.items())]


@unittest.skipUnless(CHROMIUM, "Chromium is not installed")
class GalleryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="barcode-gallery-")
        cls.out = os.path.join(cls.tmp, "archive")
        movies = [common.media(m) for m in
                  ("busy_h264.mp4", "vfr_h264.mkv", "text.mp4", "truncated.mkv")]
        cls.manifest = os.path.join(cls.tmp, "films.txt")
        with open(cls.manifest, "w") as f:
            f.write("\n".join(movies) + "\n")
        run = common.run_tool(["--manifest", cls.manifest, "-o", cls.out, "--fps", "5",
                               "--tile-width", "64", "--restarts", "1"], ranks=2)
        assert run.returncode == 1, run.stdout + run.stderr  # text.mp4 fails
        cls.names = {os.path.basename(m): n for m, n in (
            (m, line.split("\t")[2]) for m, line in zip(
                movies, open(os.path.join(cls.out, "manifest-summary.tsv")).read().splitlines()[1:]))}
        # An interrupted run leaves NAME.h5.partial (written and marked as a signal would: the
        # manifest tests make real ones; here a finished file stands in for it).
        done = os.path.join(cls.out, cls.names["busy_h264.mp4"] + ".h5")
        cls.partial_name = "interrupted-000000000000"
        shutil.copy(done, os.path.join(cls.out, cls.partial_name + ".h5.partial"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def render(self, *args):
        return subprocess.run([RENDER, *args], capture_output=True, text=True, timeout=120)

    def chromium(self, url, *extra):
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.tmp)
        run = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])
        # Console messages (errors, uncaught exceptions) are logged as CONSOLE lines; the pages
        # log nothing on their own.
        console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
        self.assertEqual(console, [], url)
        return run.stdout

    def gallery(self):
        if not os.path.exists(os.path.join(self.out, "index.html")):
            run = self.render("--gallery", self.out)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("index.html", run.stderr)
        return os.path.join(self.out, "index.html")

    def assert_images_exist(self, page, dom):
        for _, attrs in [e for e in dom.elements if e[0] == "img"]:
            src = attrs["src"]
            self.assertFalse(re.match(r"^[a-z]+:", src), "not relative: " + src)
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(page), src)), src)

    def test_index_lists_every_movie_with_status(self):
        index = self.gallery()
        dom = Elements(self.chromium("file://" + index, "--dump-dom"))
        self.assert_images_exist(index, dom)
        cards = {c["data-name"]: c for c in dom.find("li")}
        expected = {self.names["busy_h264.mp4"]: "done", self.names["vfr_h264.mkv"]: "done",
                    self.names["text.mp4"]: "failed", self.names["truncated.mkv"]: "incomplete",
                    self.partial_name: "incomplete"}
        self.assertEqual({n: c["data-status"] for n, c in cards.items()}, expected)
        # Sorted by name, all shown.
        self.assertEqual([c["data-name"] for c in dom.find("li")], sorted(expected))
        self.assertTrue(all("hidden" not in c for c in cards.values()))
        self.assertEqual(dom.text_of["shown"], "5 of 5 shown")
        text = open(index).read()
        # The failed movie's reason: the exit code's meaning and the error itself, which
        # --manifest keeps in logs/NAME.log as archive.sbatch does.
        self.assertIn("exit code 2: invalid options or unusable input: " + common.media("text.mp4")
                      + ": not a readable media file", text)
        self.assertIn("the input is truncated", text)
        self.assertIn("rerun with --resume", text)
        # The finished movies link to their page and show a movie palette (16 colours).
        for name in (self.names["busy_h264.mp4"], self.names["vfr_h264.mkv"]):
            self.assertTrue(dom.find("a", href=f"gallery/{name}.html"))
        self.assertGreaterEqual(text.count('<div class="swatches">'), 2)
        self.assertAlmostEqual(float(cards[self.names["busy_h264.mp4"]]["data-duration"]), 5.0,
                               delta=0.1)
        shot = os.environ.get("BARCODE_GALLERY_SCREENSHOT")
        if shot:
            self.chromium("file://" + index, f"--screenshot={os.path.abspath(shot)}",
                          "--window-size=1100,760")
            self.assertTrue(os.path.getsize(shot) > 0)

    def test_filter_by_name(self):
        index = self.gallery()
        dom = Elements(self.chromium("file://" + index + "?q=vfr", "--dump-dom"))
        shown = [c["data-name"] for c in dom.find("li") if "hidden" not in c]
        self.assertEqual(shown, [self.names["vfr_h264.mkv"]])
        self.assertEqual(dom.text_of["shown"], "1 of 5 shown")

    def test_movie_page_pointer_readout(self):
        self.gallery()
        name = self.names["busy_h264.mp4"]
        page = os.path.join(self.out, "gallery", name + ".html")
        # #x=0.5: the column under a pointer at the middle of the barcode.
        dom = Elements(self.chromium("file://" + page + "#x=0.5", "--dump-dom"))
        self.assert_images_exist(page, dom)
        data = common.read_h5(os.path.join(self.out, name + ".h5"))
        rows = len(data["frames/time"])
        shown = min(rows, 2000)  # the page holds the middle row of each of `shown` parts
        part = int(0.5 * shown)
        middle = (2 * part + 1) * rows // (2 * shown)
        seconds = data["frames/time"][middle]
        self.assertEqual(dom.text_of["time"], "0:00:%06.3f" % seconds)
        self.assertEqual(dom.text_of["index"], "frame %d" % data["frames/index"][middle])
        swatches = [a for t, a in dom.elements if t == "span" and "background" in a.get("style", "")
                    and "% of the frame" in a.get("title", "")]
        self.assertEqual(len(swatches), data["color/palette"].shape[1])
        first = data["color/palette"][middle][0]
        self.assertIn("#%02x%02x%02x" % tuple(int(round(v)) for v in first), swatches[0]["title"])

    def test_existing_gallery_needs_overwrite(self):
        self.gallery()
        run = self.render("--gallery", self.out)
        self.assertEqual(run.returncode, 2)
        self.assertIn("--overwrite", run.stderr)
        run = self.render("--gallery", self.out, "--overwrite")
        self.assertEqual(run.returncode, 0, run.stderr)
        run = self.render("--gallery", os.path.join(self.tmp, "no-such-dir"))
        self.assertEqual(run.returncode, 2)
        self.assertIn("not a directory", run.stderr)


if __name__ == "__main__":
    if not CHROMIUM:
        print("Chromium is not installed: skipped")
        sys.exit(77)
    unittest.main(verbosity=2)
