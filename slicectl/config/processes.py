"""Calls run in spawned worker processes, ``n`` at a time: how the stacked
launcher spreads its stacks and its other jobs over the cores.

A worker is spawned (nothing of this process's torch or thread state is
inherited) and serves calls one after another, as joblib's workers do, so a
sweep pays the imports once per worker rather than once per run, and no
run shares the cores with another process's imports. A call's result comes
back pickled. A worker whose call raised ends; the next call gets a fresh
one. The rules:

- a worker dies with this process (Linux ``PR_SET_PDEATHSIG``): kill -9 the
  launcher and its runs stop where they are, as one process's would, so
  launching again resumes them;
- a worker's thread pools (torch's OpenMP, numba's) get its share of the
  cores, cores // n, as joblib's workers do, unless the environment already
  sizes them: n workers each spinning threads on every core run many
  times slower than one;
- SIGTERM (or Ctrl-C) to this process is passed on to every busy worker,
  whose runs end ``interrupted`` as a run does on SIGTERM, and the worker
  with them (exit status 130, ``config.interrupts``); this process waits
  for them, then raises KeyboardInterrupt.

An exception a call raises (``SystemExit`` included) is raised again here
once every running call has ended.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

import cloudpickle   # as Hydra's joblib and submitit launchers pickle the task and its context

PR_SET_PDEATHSIG = 1
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    call: int | None = None   # the index of the call it is running


def count(n_jobs: int | str) -> int:
    """Processes at once for a launcher's ``n_jobs``: that many when it is
    positive, else (-1, as joblib's) one per core this process may use."""
    n = int(n_jobs)
    return n if n > 0 else len(os.sched_getaffinity(0))


def memory_available() -> int | None:
    """Bytes of memory the machine can still give (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def run_all(calls: Sequence[tuple[Callable, tuple]], n: int) -> list[Any]:
    """``[fn(*args) for fn, args in calls]`` on at most ``n`` worker
    processes, the calls started in the order given."""
    ctx = multiprocessing.get_context("spawn")
    results: list[Any] = [None] * len(calls)
    pending = list(enumerate(calls))
    workers: list[_Worker] = []
    raised: BaseException | None = None
    stopping = False

    def busy() -> list[_Worker]:
        return [w for w in workers if w.call is not None]

    def forward(signum, frame):
        nonlocal stopping
        stopping = True
        for w in busy():
            w.proc.terminate()

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            while pending and raised is None and not stopping:
                idle = next((w for w in workers if w.call is None), None)
                if idle is None and len(workers) < n:
                    here, there = ctx.Pipe()
                    idle = _Worker(ctx.Process(target=_worker, args=(there, os.getpid())), here)
                    with _threads_each(n):
                        idle.proc.start()
                    there.close()
                    workers.append(idle)
                if idle is None:
                    break
                idle.call, call = pending.pop(0)
                idle.conn.send_bytes(cloudpickle.dumps(call))
            if raised is not None or stopping:
                pending.clear()
            if not busy():
                break
            try:
                ready = wait([w.conn for w in busy()])
            except KeyboardInterrupt:   # Ctrl-C: the workers end their runs first (they would die with us)
                forward(signal.SIGINT, None)
                continue
            for w in [w for w in busy() if w.conn in ready]:
                try:
                    ok, value = pickle.loads(w.conn.recv_bytes())
                except EOFError:   # it ended without a word: its runs were interrupted (130), or it was killed
                    w.proc.join()
                    interrupted = w.proc.exitcode == 130
                    ok, value = False, KeyboardInterrupt() if interrupted else SystemExit(_death(w.proc))
                i, w.call = w.call, None
                if ok:
                    results[i] = value
                else:   # the worker has ended (see _worker)
                    w.proc.join()
                    workers.remove(w)
                    raised = value if raised is None else raised
    finally:
        signal.signal(signal.SIGTERM, previous)
        for w in workers:   # idle ones are told to end; a busy one is left only if this loop raised
            if w.call is None:
                try:
                    w.conn.send_bytes(b"")
                except OSError:
                    pass
            else:
                w.proc.terminate()
            w.proc.join()
    if raised is not None:
        raise raised
    if stopping:   # signalled, and every worker ended its runs without a word of its own
        raise KeyboardInterrupt
    return results


def _death(proc) -> str:
    """What to say of a worker that died without a word."""
    proc.join()
    code = proc.exitcode
    how = (f"was killed by signal {-code}" + (" (SIGKILL: the kernel's out-of-memory killer, unless someone sent it)"
                                            if code == -signal.SIGKILL else "")
           if code is not None and code < 0 else f"exited with code {code}")
    return f"a launcher process (pid {proc.pid}) {how}; the runs it held are left resumable"


@contextmanager
def _threads_each(n: int):
    """The environment a worker starts with (spawn passes this process's):
    every thread pool not sized by the user sized to cores // n."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    added = [var for var in THREAD_VARS if var not in os.environ]
    os.environ.update({var: str(max(1, cores // n)) for var in added})
    try:
        yield
    finally:
        for var in added:
            del os.environ[var]


def _worker(conn: Connection, parent: int) -> None:
    """Run the calls ``conn`` brings until an empty message (or a call that
    raises: a run interrupted by a signal leaves its process to end)."""
    _die_with(parent)
    while payload := _receive(conn):
        fn, args = pickle.loads(payload)
        try:
            out = (True, fn(*args))
        except BaseException as exc:   # noqa: BLE001 - handed to the parent, which raises it
            out = (False, exc)
        conn.send_bytes(cloudpickle.dumps(out))
        if not out[0]:
            break
    conn.close()


def _receive(conn: Connection) -> bytes:
    try:
        return conn.recv_bytes()
    except EOFError:   # the launcher has gone
        return b""


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent dies (Linux; elsewhere a no-op)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:   # the parent died before the call above
        os._exit(137)
