"""A throw-away single-node SLURM cluster on localhost, for tests.

Everything lives under one temporary directory: a private munged (own key, own socket, so a
system munged, if any, is neither used nor disturbed), a generated slurm.conf and gres.conf,
controller state, slurmd spool, logs. The daemons run in the foreground as children of this
process, so they are stopped by their process ids; nothing under /etc or /run is touched.
Client commands find the cluster through SLURM_CONF in `self.env`.

Configuration choices, and why:
  * ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, JobAcctGatherType=none: no cgroups.
    CI containers and VMs often have no writable (or no delegated) cgroup hierarchy, and
    slurmd then refuses to start with proctrack/cgroup or task/cgroup. linuxproc tracks a
    job's processes through the parent-process tree, which is enough to cancel them.
  * SelectType=select/cons_tres with CR_Core: CPUs are handed out per core and GRES per job,
    as on a real GPU cluster; memory is not a consumable, so jobs need no --mem.
  * GresTypes=gpu and Gres=gpu:4 on the node, gres.conf with AutoDetect=off, so that
    `--gres=gpu:N` is accepted on a machine without GPUs. A Count-only gres.conf line is not
    enough with Slurm 22.05: slurmd drops "file-less GPU" entries, reports 0 GPUs, and the
    controller marks the node INVAL. So each fake GPU gets a File= of its own: a character
    device node made with the numbers of /dev/null (mknod, root only), or, where mknod is not
    allowed, an empty regular file (slurmd then logs "not a valid character or block device"
    but still counts it). Nothing opens these files: without task/cgroup they are only
    names, and Slurm exports their indices as CUDA_VISIBLE_DEVICES.
  * The node line is `slurmd -C` (real CPUs, sockets, cores, memory) so the node never fails
    its registration check and is not drained.
  * SlurmUser=root: the daemons run as the (root) test user; slurmd has to be root anyway to
    launch jobs as the submitting user.
  * Free TCP ports are picked at start, so a second cluster (or a real one) does not collide.
"""
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol",
           "scancel")


def missing_programs():
    """Names of the programs the cluster needs that are not installed."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [p for p in DAEMONS if shutil.which(p, path=path) is None]


def _which(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmError(RuntimeError):
    pass


class LocalSlurm:
    """Use as a context manager: `with LocalSlurm() as cluster: cluster.sbatch(...)`."""

    def __init__(self, gpus=4, keep=False):
        self.gpus = gpus
        self.keep = keep or bool(os.environ.get("SLURM_TEST_KEEP"))
        self.root = None
        self.procs = {}
        self.env = None
        self.node = None

    # -- life cycle --------------------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        # munged insists that every directory above its socket is executable by all.
        self.root = tempfile.mkdtemp(prefix="barcode-slurm-")
        os.chmod(self.root, 0o755)
        for d in ("munge", "state", "spool", "log", "jobs"):
            os.makedirs(self.path(d), mode=0o755, exist_ok=True)
        self._start_munge()
        self._write_config()
        self.env = dict(os.environ, SLURM_CONF=self.path("slurm.conf"))
        # Variables of an enclosing allocation would confuse the clients in here.
        for k in list(self.env):
            if k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_")) and k != "SLURM_CONF":
                del self.env[k]
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", self.path("slurm.conf")])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-N", self.node, "-f",
                               self.path("slurm.conf")])
        self.wait_idle()

    def stop(self):
        """Cancels every job, stops the daemons and removes the directory. Safe to call twice."""
        if self.env is not None and "slurmctld" in self.procs:
            try:
                self._run(["scancel", "--full", "--user", str(os.getuid())], check=False)
                deadline = time.time() + 20
                while time.time() < deadline and self.squeue():
                    time.sleep(0.5)
            except Exception:  # the controller may already be gone: go on stopping
                pass
        for name in ("slurmd", "slurmctld"):
            self._terminate(name)
        self._reap_stepds()
        if "munged" in self.procs:
            self._terminate("munged")
        if self.root and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        elif self.root:
            print(f"localslurm: kept {self.root}")

    def _spawn(self, name, cmd):
        log = open(self.path("log", f"{name}.out"), "wb")
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=self.env,
                                            start_new_session=True)
        log.close()

    def _terminate(self, name):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def _reap_stepds(self):
        """slurmstepd daemonizes away from slurmd; any still alive after the jobs were cancelled
        belong to this cluster if their environment names our slurm.conf: end those by pid."""
        if not self.root:
            return
        marker = f"SLURM_CONF={self.path('slurm.conf')}".encode()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/comm", "rb") as f:
                    if not f.read().startswith(b"slurmstepd"):
                        continue
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if marker not in f.read().split(b"\0"):
                        continue
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue

    # -- set-up ------------------------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def _start_munge(self):
        # A munge key is just random bytes (what `mungekey --create` writes), private to us.
        key = self.path("munge", "munge.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(1024))
        self.munge_socket = self.path("munge", "munge.socket")
        self._spawn("munged", [_which("munged"), "--foreground", "--force",
                               f"--socket={self.munge_socket}", f"--key-file={key}",
                               f"--log-file={self.path('log', 'munged.log')}",
                               f"--pid-file={self.path('munge', 'munged.pid')}",
                               f"--seed-file={self.path('munge', 'munged.seed')}"])
        deadline = time.time() + 10
        while not os.path.exists(self.munge_socket):
            if self.procs["munged"].poll() is not None or time.time() > deadline:
                raise SlurmError("munged did not start:\n" + self.logs("munged"))
            time.sleep(0.1)

    def _node_line(self):
        """`slurmd -C` describes this machine; keep its hardware fields."""
        text = subprocess.run([_which("slurmd"), "-C"], capture_output=True, text=True,
                              check=True).stdout
        first = text.splitlines()[0]
        fields = dict(kv.split("=", 1) for kv in first.split())
        self.node = fields.pop("NodeName")
        self.cpus = int(fields["CPUs"])
        hw = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"NodeName={self.node} NodeAddr=127.0.0.1 {hw} Gres=gpu:{self.gpus} State=UNKNOWN"

    def _write_config(self):
        host = socket.gethostname().split(".")[0]
        node = self._node_line()
        conf = f"""# Generated by tests/slurm/localslurm.py; see its docstring for the reasons.
ClusterName=barcodetest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={self.path('state')}
SlurmdSpoolDir={self.path('spool')}
SlurmctldPidFile={self.path('state', 'slurmctld.pid')}
SlurmdPidFile={self.path('spool', 'slurmd.pid')}
SlurmctldLogFile={self.path('log', 'slurmctld.log')}
SlurmdLogFile={self.path('log', 'slurmd.log')}
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
GresTypes=gpu
MpiDefault=none
ReturnToService=2
# Short timers: a test cluster should react in seconds, not minutes.
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
{node}
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
        with open(self.path("slurm.conf"), "w") as f:
            f.write(conf)
        os.makedirs(self.path("dev"), exist_ok=True)
        null = os.stat("/dev/null").st_rdev
        for i in range(self.gpus):
            fake = self.path("dev", f"gpu{i}")
            try:
                os.mknod(fake, 0o644 | stat.S_IFCHR, null)
            except OSError:
                open(fake, "w").close()
        with open(self.path("gres.conf"), "w") as f:
            f.write(f"AutoDetect=off\nNodeName={self.node} Name=gpu "
                    f"File={self.path('dev', 'gpu')}[0-{self.gpus - 1}]\n")

    # -- queries -----------------------------------------------------------------------------

    def _run(self, cmd, check=True, timeout=60):
        result = subprocess.run(cmd, env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise SlurmError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def logs(self, *names):
        out = []
        for name in names or ("munged", "slurmctld", "slurmd"):
            for fn in (f"{name}.log", f"{name}.out"):
                p = self.path("log", fn)
                if os.path.exists(p):
                    with open(p, errors="replace") as f:
                        out.append(f"--- {fn} (last lines)\n" + "".join(f.readlines()[-40:]))
        return "\n".join(out)

    def wait_idle(self, timeout=60):
        deadline = time.time() + timeout
        state = ""
        while time.time() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise SlurmError(f"{name} exited ({proc.returncode}):\n{self.logs()}")
            r = self._run(["sinfo", "-h", "-n", self.node, "-o", "%T"], check=False)
            state = r.stdout.strip()
            if r.returncode == 0 and state == "idle":
                return
            time.sleep(0.5)
        raise SlurmError(f"node {self.node} not idle after {timeout} s (state '{state}'):\n"
                         + self.logs())

    def squeue(self):
        """Ids of jobs still in the queue."""
        r = self._run(["squeue", "-h", "-o", "%i"], check=False)
        return r.stdout.split() if r.returncode == 0 else []

    def sbatch(self, script, *args, cwd=None, env=None, timeout=180):
        """Submits with `sbatch --wait` and returns (job id, exit code of sbatch). With --wait,
        sbatch exits with the job's exit code (the highest over an array's tasks)."""
        cmd = ["sbatch", "--parsable", "--wait", *args, script]
        result = subprocess.run(cmd, env=dict(self.env, **(env or {})), cwd=cwd,
                                capture_output=True, text=True, timeout=timeout)
        m = re.match(r"(\d+)", result.stdout.strip())
        if not m:
            raise SlurmError(f"sbatch gave no job id ({result.returncode}):\n{result.stdout}\n"
                             f"{result.stderr}\n{self.logs()}")
        return m.group(1), result.returncode

    def job_states(self, job_id):
        """{job id: (state, exit code)} from the controller, for a job or an array's tasks."""
        r = self._run(["scontrol", "-o", "show", "job", job_id], check=False)
        states = {}
        for line in r.stdout.splitlines():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            states[f.get("JobId")] = (f.get("JobState"), f.get("ExitCode"))
        return states
