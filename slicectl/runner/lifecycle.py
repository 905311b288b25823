"""The one run lifecycle. Every run directory — a job's, a huang2023 stage's,
a phase's inside a job — starts, resumes and ends here:

    with running(run, "train", seed, device, resume=...) as state:
        ...   # state: the last.pt checkpoint to continue from, or None

The process holds the run's lock (``RunDir.acquire``) from start to end: a
second writer is refused. Starting writes the manifest (status ``running``,
a run id, versions, seed, pid, the ``manifest`` fields given). Resuming
checks the run first (``check_resumable``: nothing is written if it is
refused), marks it ``running`` again and, when it has a ``checkpoints/last.pt``,
loads it and moves the metrics rows logged after it aside (``RunDir.rewind``):
the resumed run logs them again identically (without one, it starts over and
every row moves aside). However the block ends, the manifest records it:
``completed``, ``interrupted`` (Ctrl-C, SIGTERM: any error after the signal
is its, raised again as KeyboardInterrupt), or ``failed`` with the error.
A run never ends ``completed`` with a NaN or an infinity in its metrics.
A completed run gets its TensorBoard hyperparameters (``runner.tensorboard``).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Iterator

from slicectl.errors import UserError
from slicectl.runner import checkpoint, signals, tensorboard
from slicectl.runner.rundir import RunDir, complete_rows, non_finite

LAST_KEYS = {"agent": dict, "env": dict, "counters": dict, "rows": int}


@contextmanager
def running(run: RunDir, job: str, seed: int, device: str, resume: bool = False,
            load: bool = True, **manifest: Any) -> Iterator[dict | None]:
    """``resume``: continue ``run`` (its manifest exists); ``load``: hand back
    its last.pt state, if it has one (a multi-phase run resumes phase by phase
    and has none of its own)."""
    run.path.mkdir(parents=True, exist_ok=True)
    run.acquire()
    try:
        state = None
        if resume:
            state = check_resumable(run, load)
            bad = non_finite(state, floats=False) if state is not None else None
            if bad is not None:
                error = f"checkpoints/last.pt holds a NaN or an infinity ({bad}); it cannot be resumed"
                run.finish("failed", error=error)
                raise UserError(f"{run.path}: {error}")
            if state is not None:
                run.rewind(state)
            elif run.metrics_path.is_file():  # starting over: every row it logged moves aside
                run.rewind({"rows": 0, "counters": {"env_steps": 0}})
            run.resume()
        else:
            run.start(job, seed, device, **manifest)
        try:
            yield state
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                _finish(run, "interrupted")
                raise
            if signals.arrived():   # the code the signal landed in turned it into its own error
                _finish(run, "interrupted")
                raise KeyboardInterrupt from exc
            _finish(run, "failed", error=str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}")
            raise
        problem = non_finite_metrics(run)
        if problem is not None:
            _finish(run, "failed", error=problem)
            raise UserError(problem)
        run.finish("completed")
        try:
            tensorboard.on_completed(run.path)
        except Exception as exc:  # noqa: BLE001 - the events are a view of metrics.csv: the run stands without them
            print(f"warning: {run.path}: TensorBoard events not written ({type(exc).__name__}: {exc})")
    finally:
        run.release()


def _finish(run: RunDir, status: str, **fields: Any) -> None:
    """Record how the run ended, if the disk lets us (the error is reported either way)."""
    try:
        run.finish(status, **fields)
    except (OSError, UserError):
        pass


def check_resumable(run: RunDir, load: bool) -> dict | None:
    """The last.pt state to continue ``run`` from (None: the run starts over, or
    resumes phase by phase), or a UserError saying why it cannot be resumed.
    Reads only."""
    where = f"resume: {run.path}"
    status = run.status()
    if status == "completed":
        raise UserError(f"{where} already completed")
    if status == "running" and not run.holds_lock:
        raise UserError(f"{where} is still running (process {run.writer_pid()})")
    job = run.manifest()["job"]
    if job == "eval":
        raise UserError(f"{where} is an eval run; evaluations are not resumed, run it again")
    last = run.checkpoints / "last.pt"
    if not load or not last.is_file():  # stopped before its first checkpoint: it starts over
        return None
    state = checkpoint.load(last)
    for key, kind in LAST_KEYS.items():
        if not isinstance(state.get(key), kind) or (kind is int and state[key] < 0):
            raise UserError(f"{where}: checkpoints/last.pt is not a {job} checkpoint ({key} is missing or "
                            f"not a {kind.__name__})")
    if state.get("run_id") != run.run_id:
        raise UserError(f"{where}: checkpoints/last.pt belongs to another run "
                        f"(run id {state.get('run_id')}, this run is {run.run_id})")
    if not run.metrics_path.is_file():
        raise UserError(f"{where}: metrics.csv is missing; last.pt was saved after row {state['rows']}")
    have = complete_rows(run.metrics_path)
    if have < state["rows"]:
        raise UserError(f"{where}: metrics.csv has {have} complete rows but last.pt was saved after row "
                        f"{state['rows']}: rows were lost, so the run cannot continue exactly (start it again)")
    return state


def non_finite_metrics(run: RunDir) -> str | None:
    """A NaN or infinite number in the run's metrics.csv, named by column and row."""
    import csv

    if not run.metrics_path.is_file():
        return None
    with open(run.metrics_path, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=1):
            for col, value in row.items():
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    continue
                if not math.isfinite(number):
                    return f"{col} is {value} in row {i} of {run.metrics_path}; the run is not completed"
    return None


def is_completed(run: RunDir) -> bool:
    return run.manifest_path.is_file() and run.status() == "completed"
