"""A real single-node Slurm cluster for tests: munged, slurmctld and slurmd in a temp folder.

Nothing touches /etc: munge gets its own key and socket, Slurm its own `slurm.conf` (found by
every daemon and client through `SLURM_CONF`), state, spool, logs and free ports. The partition
oversubscribes each core (`OverSubscribe=FORCE:4`), so a 3-task array runs all 3 tasks at once
on a 2-core machine. Every daemon is started here, kept by PID and stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mlflow_server import free_port

BINARIES = ("munged", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")
KILL_WAIT_S = 30
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


def slurm_unavailable_reason() -> str | None:
    """Why this machine cannot host the test cluster, or None."""
    missing = [name for name in (*BINARIES, "scancel") if shutil.which(name) is None]
    if missing:
        return f"missing {', '.join(missing)} (apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return "the test cluster runs slurmd as root (munged as the munge user)"
    try:
        pwd.getpwnam("munge")
    except KeyError:
        return "no 'munge' user (apt-get install munge)"
    return None


@dataclass
class SlurmCluster:
    root: Path
    env: dict[str, str]  # SLURM_CONF for clients (sbatch, squeue, scancel)
    daemons: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self, *argv: str, check: bool = True) -> str:
        done = subprocess.run(
            argv, env={**os.environ, **self.env}, capture_output=True, text=True, timeout=30
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}\n{self.log_tail()}")
        return done.stdout

    def queue(self, job_id: str | None = None) -> list[tuple[str, str]]:
        """(`JOB_TASK`, state) per job in squeue, e.g. ("7_1", "R")."""
        args = ["squeue", "-h", "-r", "-o", "%i %t"] + (["-j", job_id] if job_id else [])
        out = self.run(*args, check=False)
        return [tuple(line.split()[:2]) for line in out.splitlines() if line.strip()]

    def log_tail(self, chars: int = 3000) -> str:
        parts = []
        for path in sorted((self.root / "log").glob("*")):
            parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)


def _write_munge_files(folder: Path) -> None:
    folder.mkdir(mode=0o755)
    key = folder / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    munge = pwd.getpwnam("munge")
    for path in (folder, key):
        os.chown(path, munge.pw_uid, munge.pw_gid)


def _wait(predicate, what: str, cluster: SlurmCluster, timeout_s: float = START_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for name, process in cluster.daemons.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode})\n{cluster.log_tail()}")
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s\n{cluster.log_tail()}")


def _munge_works(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    encoded = subprocess.run(
        ["munge", "-n", "--socket", str(socket_path)], capture_output=True, timeout=10
    )
    decoded = subprocess.run(
        ["unmunge", "--socket", str(socket_path)],
        input=encoded.stdout,
        capture_output=True,
        timeout=10,
    )
    return decoded.returncode == 0 and b"Success" in decoded.stdout


def slurm_conf(root: Path, host: str, munge_socket: Path, cpus: int) -> str:
    ctld_port, slurmd_port = free_port(), free_port()
    while slurmd_port == ctld_port:
        slurmd_port = free_port()
    return f"""\
ClusterName=vitbench-test
SlurmctldHost={host}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
KillWait={KILL_WAIT_S}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
NodeName={host} CPUs={cpus} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""


def _start(cluster: SlurmCluster, name: str, argv: list[str], **kwargs) -> None:
    log = (cluster.root / "log" / f"{name}.out").open("wb")
    cluster.daemons[name] = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **kwargs
    )
    log.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def _processes_using(conf: Path) -> list[int]:
    """PIDs whose environment points at this cluster (slurmstepd, job steps) besides ours."""
    needle = f"SLURM_CONF={conf}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def _teardown(cluster: SlurmCluster, conf: Path) -> list[int]:
    """Cancel every job, stop slurmd, slurmctld, munged by PID; return the PIDs left behind."""
    if cluster.daemons.get("slurmctld") and cluster.daemons["slurmctld"].poll() is None:
        cluster.run("scancel", "--user", "root", check=False)
        with contextlib.suppress(Exception):
            _wait(lambda: not cluster.queue(), "empty queue", cluster, KILL_WAIT_S + 15)
    for name in ("slurmd", "slurmctld", "munged"):
        if name in cluster.daemons:
            _stop(cluster.daemons[name])
    left = _processes_using(conf)
    for pid in left:  # a job step that outlived its slurmd: ours, by its PID
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


@contextlib.contextmanager
def running_slurm_cluster() -> Iterator[SlurmCluster]:
    """A one-node cluster, up and idle; every daemon stopped (and checked gone) on exit."""
    # Not under pytest's tmp_path: its folders are 0700 and munged runs as the munge user.
    root = Path(tempfile.mkdtemp(prefix="vitbench-slurm-", dir="/tmp"))
    root.chmod(0o755)
    for name in ("state", "spool", "log"):
        (root / name).mkdir()
    munge_dir = root / "munge"
    _write_munge_files(munge_dir)
    conf = root / "slurm.conf"
    host = socket.gethostname()
    conf.write_text(slurm_conf(root, host, munge_dir / "munge.socket", os.cpu_count() or 1))
    cluster = SlurmCluster(root=root, env={"SLURM_CONF": str(conf)})
    daemon_env = {**os.environ, "SLURM_CONF": str(conf)}
    left: list[int] = []
    try:
        _start(cluster, "munged", _munged_argv(munge_dir), user="munge", group="munge")
        _wait(lambda: _munge_works(munge_dir / "munge.socket"), "munged", cluster)
        _start(cluster, "slurmctld", ["slurmctld", "-D"], env=daemon_env)
        _start(cluster, "slurmd", ["slurmd", "-D"], env=daemon_env)
        _wait(lambda: _node_state(cluster) == "idle", "the node (sinfo idle)", cluster)
        yield cluster
    finally:
        left = _teardown(cluster, conf)
        alive = [n for n, p in cluster.daemons.items() if p.poll() is None]
        shutil.rmtree(root, ignore_errors=True)
    if alive or left:
        raise AssertionError(f"left running after stop: daemons {alive}, processes {left}")


def _munged_argv(folder: Path) -> list[str]:
    return [
        "munged",
        "-F",
        f"--key-file={folder / 'munge.key'}",
        f"--socket={folder / 'munge.socket'}",
        f"--pid-file={folder / 'munged.pid'}",
        f"--log-file={folder / 'munged.log'}",
        f"--seed-file={folder / 'munged.seed'}",
    ]


def _node_state(cluster: SlurmCluster) -> str:
    return cluster.run("sinfo", "-h", "-N", "-o", "%t", check=False).strip()
