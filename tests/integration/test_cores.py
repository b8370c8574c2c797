"""How many cores a rank takes: under `mpirun -np 1` Open MPI binds the rank to one core by
default, which left a whole node's decoders on that core; the rank now takes the cores the job
may use (shared equally among the node's ranks), whatever the launcher's default binding. A
process started alone keeps the cores it was started on."""
import os
import re
import subprocess
import unittest

from common import BIN, MPI_ENV, ToolTest, media


class Cores(ToolTest):
    def cores_used(self, *launcher):
        out = self.out("cores.h5")
        result = subprocess.run(["mpirun", *launcher, BIN, media("busy_h264.mp4"), "-o", out,
                                 "--overwrite", "--decode-only", "-v", "2"], env=MPI_ENV,
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        return [int(n) for n in re.findall(r"rank uses .*, (\d+) cores", result.stderr)]

    def test_one_rank_takes_every_core_despite_the_default_binding(self):
        cores = len(os.sched_getaffinity(0))
        self.assertEqual(self.cores_used("-np", "1"), [cores])
        self.assertEqual(self.cores_used("-np", "1", "--bind-to", "none"), [cores])

    def test_a_process_started_alone_keeps_the_cores_it_was_given(self):
        # taskset (or numactl) by hand: the user's choice, not a launcher's default binding.
        # Before, the process spread over every core the machine allowed.
        out = self.out("alone.h5")
        first = sorted(os.sched_getaffinity(0))[0]
        result = subprocess.run(["taskset", "-c", str(first), BIN, media("busy_h264.mp4"), "-o",
                                 out, "--overwrite", "--decode-only", "-v", "2"], env=MPI_ENV,
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(re.findall(r"rank uses .*, (\d+) cores", result.stderr), ["1"])

    def test_ranks_of_a_node_share_its_cores(self):
        cores = len(os.sched_getaffinity(0))
        used = self.cores_used("-np", "2", "--oversubscribe", "--bind-to", "none")
        self.assertEqual(used, [max(1, cores // 2)] * 2)

    def test_ranks_sharing_one_set_of_cores_each_take_their_own_slice(self):
        # --bind-to none: both ranks may run anywhere. Their threads spread over all the cores
        # decoded slower than two processes on separate halves; each rank now binds to a slice.
        cores = len(os.sched_getaffinity(0))
        out = self.out("slices.h5")
        result = subprocess.run(["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", BIN,
                                 media("busy_h264.mp4"), "-o", out, "--overwrite", "--decode-only",
                                 "-v", "2"], env=MPI_ENV, capture_output=True, text=True,
                                timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        lists = re.findall(r"rank uses .*, \d+ cores \(([0-9,-]+)\)", result.stderr)
        self.assertEqual(len(lists), 2, result.stderr)
        slices = [set(expand(text)) for text in lists]
        if cores >= 2:
            self.assertFalse(slices[0] & slices[1], lists)
        self.assertEqual(slices[0] | slices[1], set(os.sched_getaffinity(0)), lists)


def expand(cpu_list):
    """The cores of a Linux CPU list such as "0-3,8"."""
    cores = []
    for item in cpu_list.split(","):
        first, _, last = item.partition("-")
        cores.extend(range(int(first), int(last or first) + 1))
    return cores


if __name__ == "__main__":
    unittest.main()
