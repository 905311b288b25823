"""A run directory: manifest.json, metrics.csv, checkpoints/, plots/, and
``.lock``, held (flock) by the process writing the run: a second writer is
refused, and a run whose manifest says ``running`` while nobody holds the lock
is ``stale`` (killed, or its machine lost)."""
from __future__ import annotations

import csv
import fcntl
import json
import math
import os
import platform
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

import slicectl
from slicectl.errors import UserError

STATUSES = ("running", "completed", "failed", "interrupted")   # as written; "stale" is read


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class RunDir:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock: int | None = None

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    # --------------------------------------------------------------- manifest
    def manifest(self) -> dict:
        try:
            m = json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise UserError(f"not a slicectl run directory (no manifest.json): {self.path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"corrupt manifest.json in {self.path}: {str(exc).splitlines()[0]}") from None
        except OSError as exc:
            raise UserError(f"cannot read {self.manifest_path}: {exc.strerror}") from None
        if not isinstance(m, dict) or not isinstance(m.get("job"), str) or m.get("status") not in STATUSES:
            raise UserError(f"corrupt manifest.json in {self.path}: not a slicectl manifest "
                            "(an object with a job and a status)")
        return m

    def status(self) -> str:
        """The manifest's status, or ``stale`` for a ``running`` run whose writer is gone."""
        status = self.manifest()["status"]
        return "stale" if status == "running" and self.writer_pid() is None else status

    @property
    def run_id(self) -> str | None:
        """The id the run got at its start; its checkpoints carry it."""
        return self.manifest().get("run_id")

    def start(self, job: str, seed: int, device: str, **extra: Any) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._write_manifest({
            "job": job, "status": "running", "run_id": uuid.uuid4().hex, "seed": seed, "device": device,
            "slicectl": slicectl.__version__, "torch": torch.__version__,
            "python": platform.python_version(), "start_time": now(), "end_time": None,
            "pid": os.getpid(), **extra})

    def update(self, **fields: Any) -> None:
        m = self.manifest()
        m.update(fields)
        self._write_manifest(m)

    def rewind(self, state: dict) -> None:
        """Continue from checkpoint ``state``: rows logged after it go to
        metrics.orphaned.csv (truncate_rows) and the manifest records the step."""
        moved = truncate_rows(self.metrics_path, int(state["rows"]))
        self.update(resumed_from_step=int(state["counters"]["env_steps"]), orphaned_rows=moved)

    def resume(self) -> None:
        """Another attempt at the run begins in this process (see ``finish``)."""
        self.update(status="running", pid=os.getpid(), attempt_start=now())

    def finish(self, status: str, **fields: Any) -> None:
        """The attempt ends: ``attempts`` lists each attempt's [start, end],
        so a resumed run's time is the sum of its attempts, not the span
        from its first start to its last end."""
        assert status in STATUSES
        m, end = self.manifest(), now()
        attempts = [*m.get("attempts", []), [m.get("attempt_start") or m.get("start_time"), end]]
        self.update(status=status, end_time=end, attempts=attempts, **fields)

    def _write_manifest(self, m: dict) -> None:
        bad = non_finite(m)
        if bad is not None:
            raise UserError(f"{bad} is not a finite number; not recorded in {self.manifest_path}")
        write_atomic(self.manifest_path, json.dumps(m, indent=2, default=str) + "\n")

    # ------------------------------------------------------------------- lock
    def acquire(self) -> None:
        """Hold the run's lock until ``release`` (or the process ends)."""
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UserError(f"{self.path} is being written by process {self.writer_pid()}; "
                            "a second writer would mix its files") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock = fd

    @property
    def holds_lock(self) -> bool:
        return self._lock is not None

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def writer_pid(self) -> int | None:
        """The pid of the process holding the lock, or None when nobody does."""
        try:
            fd = os.open(self.path / ".lock", os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        finally:
            os.close(fd)
        return None


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole or not at all; the temporary file never stays behind."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    try:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def non_finite(obj: Any, where: str = "", floats: bool = True) -> str | None:
    """Where the first NaN or infinity is in nested dicts and lists of
    numbers, numpy arrays and torch tensors (``final.utility``,
    ``agent.q.body.0.weight``), or None. ``floats=False``: arrays and tensors
    only (a checkpoint's counters may hold -inf for "no best yet")."""
    if isinstance(obj, float):
        return where if floats and not math.isfinite(obj) else None
    if isinstance(obj, torch.Tensor):
        return where if obj.is_floating_point() and not _all_finite(obj) else None
    if isinstance(obj, np.ndarray):
        return where if obj.dtype.kind == "f" and not np.isfinite(obj).all() else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, (list, tuple)) else ()
    for k, v in items:
        found = non_finite(v, f"{where}.{k}" if where else str(k), floats)
        if found is not None:
            return found
    return None


def _all_finite(t: torch.Tensor, chunk: int = 1 << 22) -> bool:
    """``torch.isfinite(t).all()`` a chunk at a time: on the whole of a 1 GiB
    tensor its temporaries took 1.75 GiB more (checked at every save of
    zhang2021's 2 GB checkpoints)."""
    flat = t.detach().reshape(-1)
    return all(bool(torch.isfinite(flat[i:i + chunk]).all()) for i in range(0, flat.numel(), chunk))


class MetricsWriter:
    """Append-only CSV with a fixed header; every row is flushed and fsynced
    so a kill loses nothing already logged, and mirrored to TensorBoard
    (``runner.tensorboard``)."""

    def __init__(self, path: Path, columns: list[str]):
        self.path = Path(path)
        self.columns = columns
        exists = self.path.is_file() and self.path.stat().st_size > 0
        self._fh = open(self.path, "a", newline="")
        self._csv = csv.DictWriter(self._fh, fieldnames=columns, extrasaction="ignore")
        if not exists:
            self._csv.writeheader()
            self._flush()
        self.rows = count_rows(self.path)
        from slicectl.runner.tensorboard import EventMirror

        self._events = EventMirror(self.path.parent, columns, last_step(self.path) if self.rows else None)

    def write(self, row: dict) -> None:
        """Log ``row``; a NaN or infinite value stops the run instead (UserError
        naming the column and the step), so that no run completes on one."""
        bad = non_finite({k: row.get(k) for k in self.columns})
        if bad is not None:
            step = row.get("env_steps")
            raise UserError(f"{bad} became {row[bad]}" + (f" at env step {step}" if step is not None else "")
                            + f"; the run stops here (rows so far: {self.path})")
        self._csv.writerow({k: _fmt(row.get(k)) for k in self.columns})
        self._flush()
        self.rows += 1
        self._events.write(row)

    def _flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
        self._events.close()


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return repr(v)  # exact round trip: resumed and uninterrupted runs compare equal
    return "" if v is None else v


def eval_rows(run: Path):
    """The eval rows (``split == eval``) of the metrics.csv of ``run``, a run
    or phase directory, in the order they were logged (a pandas DataFrame)."""
    import pandas as pd

    rows = pd.read_csv(Path(run) / "metrics.csv")
    return rows[rows["split"] == "eval"]


def count_rows(path: Path) -> int:
    with open(path, newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def last_step(path: Path) -> int | None:
    """The ``env_steps`` of the file's last row (None if it has none)."""
    with open(path, newline="") as fh:
        last = None
        for last in csv.DictReader(fh):
            pass
    try:
        return int(float(last["env_steps"])) if last else None
    except (KeyError, TypeError, ValueError):
        return None


def complete_rows(path: Path) -> int:
    """Rows of a metrics file that end in a newline and have every field."""
    lines = Path(path).read_text(errors="replace").splitlines(keepends=True)
    if not lines:
        return 0
    fields = lines[0].count(",")
    return sum(1 for ln in lines[1:] if ln.endswith("\n") and ln.count(",") == fields)


def truncate_rows(path: Path, keep: int) -> int:
    """Keep the header and the first ``keep`` rows; rows past them (logged after
    the last checkpoint, and about to be logged again identically by the
    resumed run) are moved to ``metrics.orphaned.csv``, not thrown away."""
    lines = Path(path).read_text().splitlines(keepends=True)
    extra = lines[1 + keep:]
    if extra:
        with open(Path(path).with_name("metrics.orphaned.csv"), "a") as fh:
            fh.writelines(extra)
        Path(path).write_text("".join(lines[:1 + keep]))
    return len(extra)
