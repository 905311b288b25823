"""A run directory: manifest.json, metrics.csv, checkpoints/, plots/."""
from __future__ import annotations

import csv
import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

import slicectl
from slicectl.errors import UserError

STATUSES = ("running", "completed", "failed", "interrupted")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class RunDir:
    def __init__(self, path: Path | str):
        self.path = Path(path)

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
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise UserError(f"not a slicectl run directory (no manifest.json): {self.path}") from None
        except json.JSONDecodeError as exc:
            raise UserError(f"corrupt manifest.json in {self.path}: {exc}") from None

    def start(self, job: str, seed: int, device: str, **extra: Any) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._write_manifest({
            "job": job, "status": "running", "seed": seed, "device": device,
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

    def finish(self, status: str, **fields: Any) -> None:
        assert status in STATUSES
        self.update(status=status, end_time=now(), **fields)

    def _write_manifest(self, m: dict) -> None:
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(m, indent=2, default=str) + "\n")
        os.replace(tmp, self.manifest_path)


class MetricsWriter:
    """Append-only CSV with a fixed header; every row is flushed and fsynced
    so a kill loses nothing already logged."""

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

    def write(self, row: dict) -> None:
        self._csv.writerow({k: _fmt(row.get(k)) for k in self.columns})
        self._flush()
        self.rows += 1

    def _flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return repr(v)  # exact round trip: resumed and uninterrupted runs compare equal
    return "" if v is None else v


def count_rows(path: Path) -> int:
    with open(path, newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


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
