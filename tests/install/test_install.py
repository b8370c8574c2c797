"""`cmake --install` into a temporary prefix, then the installed tools used as a site would:
the Lmod modulefile loaded in a clean shell whose PATH holds nothing of the build tree, the
tool run under mpirun, barcode_render on its output, and the installed slurm template finding
the installed tool by itself. Environment: BARCODE_BUILD (the build tree), BARCODE_MEDIA.
Exits 77 (skipped) where Lmod is not installed (scripts/install-test-deps.sh installs it)."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("BARCODE_BUILD", "build")
MEDIA = os.environ.get("BARCODE_MEDIA", os.path.join(BUILD, "test-media"))
LMOD_INIT = [p for p in ("/usr/share/lmod/lmod/init/bash",
                         *sorted(glob.glob("/usr/share/lmod/*/init/bash"))) if os.path.exists(p)]
# A login shell's PATH without anything of this repository or build.
CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"
ROOT_MPI = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="barcode-install-")
        cls.prefix = os.path.join(cls.tmp, "opt", "barcode_mpi")
        run = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise AssertionError("cmake --install failed:\n" + run.stdout + run.stderr)
        cls.share = os.path.join(cls.prefix, "share", "barcode_mpi")
        cls.work = os.path.join(cls.tmp, "work")  # the user's directory, outside the build
        os.makedirs(cls.work)
        cls.clip = os.path.join(cls.work, "clip.mp4")
        shutil.copy(os.path.join(MEDIA, "busy_h264.mp4"), cls.clip)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def clean_shell(self, script, extra_env=None):
        """Runs `script` in bash with a clean environment: no build directory anywhere."""
        env = {"HOME": self.work, "PATH": CLEAN_PATH, "LANG": "C.UTF-8",
               "HDF5_USE_FILE_LOCKING": "FALSE", **ROOT_MPI, **(extra_env or {})}
        return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], env=env,
                              cwd=self.work, capture_output=True, text=True, timeout=300)

    def test_layout(self):
        for path in ("bin/barcode_mpi", "bin/barcode_render",
                     "share/barcode_mpi/slurm/barcode.sbatch",
                     "share/barcode_mpi/slurm/archive.sbatch",
                     "share/barcode_mpi/configs/preview.toml",
                     "share/barcode_mpi/scripts/make_manifest.sh",
                     "share/barcode_mpi/scripts/archive_status.sh",
                     "share/barcode_mpi/docs/README.md",
                     "share/barcode_mpi/modulefiles/barcode_mpi/0.1.0.lua"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, path)), path)
        for tool in ("barcode_mpi", "barcode_render"):
            self.assertTrue(os.access(os.path.join(self.prefix, "bin", tool), os.X_OK), tool)

    def test_run_path_is_relative(self):
        """No absolute path of the build or source tree in the installed programs' run path."""
        source = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        for tool in ("barcode_mpi", "barcode_render"):
            dynamic = subprocess.run(["readelf", "-d", os.path.join(self.prefix, "bin", tool)],
                                     capture_output=True, text=True, check=True).stdout
            paths = [line for line in dynamic.splitlines() if "RUNPATH" in line or "RPATH" in line]
            self.assertTrue(paths, tool + ": no run path")
            for line in paths:
                self.assertIn("$ORIGIN/../lib", line)
                self.assertNotIn(os.path.abspath(BUILD), line)
                self.assertNotIn(source, line)

    def test_moved_prefix_still_runs(self):
        moved = os.path.join(self.tmp, "moved")
        shutil.copytree(self.prefix, moved, symlinks=True)
        try:
            for tool in ("barcode_mpi", "barcode_render"):
                run = self.clean_shell(f"{moved}/bin/{tool} --version")
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertIn("0.1.0", run.stdout)
        finally:
            shutil.rmtree(moved)

    @unittest.skipUnless(LMOD_INIT, "Lmod is not installed")
    def test_module_load_and_run(self):
        """The README's way: load the module, run the tool on 2 ranks, re-render the result."""
        run = self.clean_shell(f"""
            . {LMOD_INIT[0]}
            ! command -v barcode_mpi
            module use {self.share}/modulefiles
            module load barcode_mpi
            echo "tool=$(command -v barcode_mpi)"
            echo "render=$(command -v barcode_render)"
            echo "share=$BARCODE_MPI_SHARE"
            mpirun -np 2 --oversubscribe --bind-to none barcode_mpi clip.mp4 -o clip.h5 \\
                --png clip.png --config "$BARCODE_MPI_SHARE/configs/preview.toml"
            barcode_render clip.h5 --style dominant,palette --width 200 -o clip-{{style}}.png
            module unload barcode_mpi
            ! command -v barcode_mpi
        """)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn(f"tool={self.prefix}/bin/barcode_mpi", run.stdout)
        self.assertIn(f"render={self.prefix}/bin/barcode_render", run.stdout)
        self.assertIn(f"share={self.share}", run.stdout)
        for name in ("clip.h5", "clip.png", "clip-dominant.png", "clip-palette.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.work, name)), 0, name)

    def test_slurm_template_finds_installed_tool(self):
        """The installed barcode.sbatch runs the installed tool with nothing on PATH: inside a
        (pretended) job with the mpirun launcher, which needs no SLURM daemons."""
        template = os.path.join(self.share, "slurm", "barcode.sbatch")
        with open(template) as f:
            self.assertIn(f'BARCODE_INSTALLED="{self.prefix}/bin/barcode_mpi"', f.read())
        out = os.path.join(self.work, "sbatch-out")
        run = self.clean_shell(f"bash {template} clip.mp4",
                               {"SLURM_JOB_ID": "1", "LAUNCHER": "mpirun", "OUTPUT_DIR": out,
                                "EXTRA_ARGS": "--keyframes"})
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn(f"{self.prefix}/bin/barcode_mpi", run.stdout)
        self.assertTrue(os.path.isfile(os.path.join(out, "clip.h5")))
        self.assertTrue(os.path.isfile(os.path.join(out, "clip.png")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
