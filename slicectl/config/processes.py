"""Calls run in spawned processes, ``n`` at a time: how the stacked launcher
spreads its stacks and its other jobs over the cores.

Each call gets a fresh process (``spawn``: nothing of this process's torch
or thread state is inherited) and its result comes back pickled. Two rules
keep run directories honest:

- a child dies with this process (Linux ``PR_SET_PDEATHSIG``): kill -9 the
  launcher and its runs stop where they are, as one process's would, so
  launching again resumes them;
- SIGTERM (or Ctrl-C) to this process is passed on to every child, whose
  runs end ``interrupted`` as a run does on SIGTERM; this process waits
  for them, then raises the first such ending.

An exception a call raises (``SystemExit`` included) is raised again here
once every running child has ended.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from multiprocessing.connection import wait
from typing import Any, Callable, Sequence

import cloudpickle   # as Hydra's joblib and submitit launchers pickle the task and its context

PR_SET_PDEATHSIG = 1


def run_all(calls: Sequence[tuple[Callable, tuple]], n: int) -> list[Any]:
    """``[fn(*args) for fn, args in calls]``, each in its own process, ``n``
    at a time, in the order given."""
    ctx = multiprocessing.get_context("spawn")
    results: list[Any] = [None] * len(calls)
    pending = list(enumerate(calls))
    live: dict[int, tuple] = {}
    raised: BaseException | None = None
    stopping = False

    def forward(signum, frame):
        nonlocal stopping
        stopping = True
        for proc, _ in live.values():
            proc.terminate()

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while pending or live:
            while pending and len(live) < n and raised is None and not stopping:
                i, call = pending.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(cloudpickle.dumps(call), send, os.getpid()))
                proc.start()
                send.close()
                live[i] = (proc, recv)
            if raised is not None or stopping:
                pending.clear()
            if not live:
                break
            try:
                ready = wait([conn for _, conn in live.values()])
            except KeyboardInterrupt:   # Ctrl-C: the children end their runs first (they would die with us)
                forward(signal.SIGINT, None)
                continue
            for i, (proc, conn) in list(live.items()):
                if conn not in ready:
                    continue
                try:
                    ok, value = pickle.loads(conn.recv_bytes())
                except EOFError:   # it died without a word (killed)
                    ok, value = False, SystemExit(f"a launcher process (pid {proc.pid}) was killed")
                proc.join()
                del live[i]
                if ok:
                    results[i] = value
                elif raised is None:
                    raised = value
    finally:
        signal.signal(signal.SIGTERM, previous)
    if raised is not None:
        raise raised
    if stopping:   # signalled, and every child ended its runs without a word of its own
        raise KeyboardInterrupt
    return results


def _child(payload: bytes, conn, parent: int) -> None:
    _die_with(parent)
    fn, args = pickle.loads(payload)
    try:
        out = (True, fn(*args))
    except BaseException as exc:   # noqa: BLE001 - handed to the parent, which raises it
        out = (False, exc)
    conn.send_bytes(cloudpickle.dumps(out))
    conn.close()


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent dies (Linux; elsewhere a no-op)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:   # the parent died before the call above
        os._exit(137)
