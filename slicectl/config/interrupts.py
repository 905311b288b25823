"""How a command ends: its exit status, and the worker processes its
launcher started (how a run takes the signal: ``slicectl.runner.signals``).
The rules:

- a run ends as on the command line (``exits_as_cli``): a UserError or an
  OSError is one line and exit status 2, an interruption says how to resume
  and exits 130. In a launcher's worker process an interruption ends the
  process: Hydra's joblib workers would otherwise take the next run, or,
  once the command had gone, live on as orphans;
- while a multirun launches, SIGTERM or Ctrl-C to the command reaches each
  worker process first, and the command waits for them to end
  (``workers_end_first``): joblib's launcher would SIGKILL them in the
  middle of recording how their runs ended, and a command killed by SIGTERM
  left them running. The stacked launcher's own workers
  (``config.processes.run_all``) are stopped by run_all itself, which knows
  them and reads each one's exit status; ``workers_end_first`` is for the
  launchers whose workers slicectl does not hold (joblib's loky pool).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from slicectl.errors import UserError
from slicectl.runner.signals import handling

GRACE_S = 120   # a worker that has not ended its runs by then is killed


@contextmanager
def exits_as_cli(where: Path, resume_hint: str) -> Iterator[None]:
    """How a job ends on the command line: a UserError or an OSError (an
    unwritable directory, a full disk) is one line and exit status 2;
    Ctrl-C or SIGTERM says how to resume and exits 130 (a launcher's worker
    process ends)."""
    try:
        yield
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or where}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"interrupted: {resume_hint}", file=sys.stderr)
        if multiprocessing.parent_process() is not None:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        sys.exit(130)


@contextmanager
def workers_end_first() -> Iterator[None]:
    """SIGTERM or Ctrl-C in the block: every child process that can be
    stopped (not a resource tracker, which ignores SIGTERM and ends with this
    process) gets SIGTERM; this process waits for them, then exits 130
    (each run has said how to resume it). A second signal while it waits
    is ignored: the workers have theirs already."""
    def stop(signum, frame):
        _stop(_children())
        raise KeyboardInterrupt

    try:
        with handling(stop):
            yield
    except KeyboardInterrupt:
        sys.exit(130)


def _stop(pids: list[int]) -> None:
    pids = [pid for pid in pids if not _ignores_sigterm(pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + GRACE_S
    while (alive := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in alive:
        print(f"warning: worker process {pid} did not end its runs within {GRACE_S} s of SIGTERM: killed",
              file=sys.stderr)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...); [] if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _children() -> list[int]:
    me = str(os.getpid())
    return [int(p.name) for p in Path("/proc").glob("[0-9]*") if _stat(int(p.name))[1:2] == [me]]


def _alive(pid: int) -> bool:
    """Still running: a zombie has ended (its exit status waits for its parent)."""
    return _stat(pid)[:1] not in ([], ["Z"])


def _ignores_sigterm(pid: int) -> bool:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigIgn:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False
