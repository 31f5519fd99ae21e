"""validate --tp/--pp: starting the ranks as processes and supervising them (one line when a
rank fails or hangs, no process left behind)."""
from __future__ import annotations

import os
import socket
import time

from .ranks_job import (Job, RankFailure, _one_line)
from .ranks_worker import run_rank


CHILD_CODE = "from kvplan.validate.ranks_spawn import _child_main; _child_main()"


FD_ENV = "KVPLAN_RANK_FD"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the parent dies (no orphan rank, even when the
    parent is killed outright)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _send(fd: int, msg) -> None:
    import pickle
    import struct

    data = pickle.dumps(msg)
    view = memoryview(struct.pack("!I", len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _child_main() -> None:
    """A spawned rank: read the job, run, report on the message pipe, exit 0 or 1."""
    import pickle
    import sys

    _die_with_parent()
    fd = int(os.environ[FD_ENV])
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    phase = ["starting"]

    def say(what):
        phase[0] = what
        _send(fd, ("progress", rank, what))

    try:
        job = pickle.load(sys.stdin.buffer)
        res = run_rank(job, rank, world, int(os.environ["LOCAL_RANK"]), say)
        _send(fd, ("result", rank, res) if rank == 0 else ("done", rank, None))
        code = 0
    except BaseException as e:  # noqa: BLE001: every failure becomes the one line the parent prints
        _send(fd, ("error", rank, f"{phase[0]}: {_one_line(e)}"))
        code = 1
    sys.stdout.flush()
    os._exit(code)  # no interpreter teardown racing the process group's threads


class _Reader:
    """Length-prefixed pickles from one rank's pipe."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.closed = fd, b"", False

    def read(self) -> list:
        import pickle
        import struct

        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.closed = True
        self.buf += chunk
        out = []
        while len(self.buf) >= 4:
            (n,) = struct.unpack("!I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            out.append(pickle.loads(self.buf[4:4 + n]))
            self.buf = self.buf[4 + n:]
        return out


def supervise(commands: list[tuple[list[str], dict, bytes]], idle_s: float):
    """Start one process per (argv, extra env, stdin bytes), rank r being the r-th; wait for
    rank 0's result and every rank's end; stop them all. A rank's error, a rank that exits
    without a word, or no message for ``idle_s`` seconds stops every rank and raises
    ``RankFailure`` with one line."""
    import selectors
    import subprocess
    import tempfile

    procs, readers, logs = [], {}, []
    sel = selectors.DefaultSelector()
    result, done = None, set()
    phases = {r: "starting" for r in range(len(commands))}
    try:
        for r, (argv, env, stdin) in enumerate(commands):
            rfd, wfd = os.pipe()
            log = tempfile.TemporaryFile()
            logs.append(log)
            p = subprocess.Popen(argv, env={**os.environ, **env, FD_ENV: str(wfd)}, pass_fds=(wfd,),
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log,
                                 start_new_session=True)
            os.close(wfd)
            procs.append(p)
            readers[rfd] = (r, _Reader(rfd))
            sel.register(rfd, selectors.EVENT_READ)
            try:
                p.stdin.write(stdin)
                p.stdin.close()
            except BrokenPipeError:
                pass
        last = time.monotonic()
        while len(done) < len(procs):
            events = sel.select(timeout=0.2)
            for key, _ in events:
                r, rd = readers[key.fd]
                for kind, rank, payload in rd.read():
                    last = time.monotonic()
                    if kind == "progress":
                        phases[rank] = payload
                    elif kind == "error":
                        low = payload.lower()
                        hint = ("; a collective waited its --timeout: another rank failed or hangs"
                                if "timeout" in low or "timed out" in low else "")
                        raise RankFailure(f"rank {rank} failed while {payload}{hint}")
                    else:
                        done.add(rank)
                        if kind == "result":
                            result = payload
                if rd.closed:
                    sel.unregister(key.fd)
                    if r not in done:
                        code = procs[r].wait()
                        raise RankFailure(f"rank {r} exited with code {code} while {phases[r]}, "
                                          f"without a result{_last_line(logs[r])}")
            if not events and time.monotonic() - last > idle_s:
                raise RankFailure(
                    f"no rank reported for {idle_s:g} s ("
                    f"{'; '.join(f'rank {r} {phases[r]}' for r in sorted(phases))}); stopped every "
                    "rank (--timeout sets the wait)")
        for p in procs:
            p.wait(timeout=30)
        return result
    finally:
        _stop(procs)
        sel.close()
        for fd in readers:
            os.close(fd)
        for log in logs:
            log.close()


def _last_line(log) -> str:
    log.seek(0)
    lines = [ln for ln in log.read().decode(errors="replace").splitlines() if ln.strip()]
    return f" (its last words: {lines[-1].strip()[:200]})" if lines else ""


def _stop(procs) -> None:
    """Terminate the ranks still running (each in its own session: its whole group), then
    kill what is left after a moment."""
    import signal
    import subprocess

    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in procs if p.poll() is None]
        for p in alive:
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        for p in alive:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass


def spawn_commands(job: Job, world: int, port: int) -> list[tuple[list[str], dict, bytes]]:
    import pickle
    import sys

    data = pickle.dumps(job)
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": str(world)}
    if job.device == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
        # the ranks share this machine's cores: each its share, not all of them (torchrun does the same)
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // world))
    return [([sys.executable, "-c", CHILD_CODE], {**env, "RANK": str(r), "LOCAL_RANK": str(r)}, data)
            for r in range(world)]
