"""TensorBoard event files beside ``metrics.csv``, so a running job or a
whole sweep can be watched with ``tensorboard --logdir outputs``.

``metrics.csv`` stays the source of truth: every row ``MetricsWriter``
logs is mirrored here, never the other way round.

- ``<run>/tb/``: one scalar per numeric column of every row, tagged
  ``<split>/<column>`` (``eval/utility``, ``train/loss``) at the row's
  ``env_steps``. A resumed run purges the events past its last kept row
  (TensorBoard's ``purge_step``), as ``metrics.csv`` moves those rows aside,
  so the resumed curve has no doubled points.
- a job that writes its metrics.csv whole (chen2022's bidding, zhang_dt's
  twin-train) has it mirrored when it completes (``on_completed``).
- at the end of a completed run, its hyperparameters (every scalar of
  ``.hydra/config.yaml``, flattened to dotted keys) with its final
  evaluation (``final/<metric>``: the last eval row), for the HPARAMS tab.
"""
from __future__ import annotations

import math
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

DIR = "tb"
SKIP = {"env_steps", "split", "episode"}


def _numbers(row: dict, columns) -> dict[str, float]:
    out = {}
    for c in columns:
        v = row.get(c)
        if c in SKIP or isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            continue
        out[c] = float(v)
    return out


class EventMirror:
    """Scalars of the rows of one run's metrics.csv, as they are logged."""

    def __init__(self, run_path: Path, columns: list[str], resume_after: int | None = None):
        self.columns = columns
        self.count = 0
        purge = None if resume_after is None else resume_after + 1
        self.writer = SummaryWriter(log_dir=str(Path(run_path) / DIR), purge_step=purge)

    def write(self, row: dict) -> None:
        step = row.get("env_steps")
        step = int(step) if isinstance(step, (int, float)) else self.count
        split = row.get("split") if isinstance(row.get("split"), str) else "all"
        for c, v in _numbers(row, self.columns).items():
            self.writer.add_scalar(f"{split}/{c}", v, step)
        self.writer.flush()
        self.count += 1

    def close(self) -> None:
        self.writer.close()


def _flat(node, prefix: str = "") -> dict:
    out = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}{k}."))
    elif isinstance(node, (int, float, str, bool)):
        out[prefix[:-1]] = node
    return out


def on_completed(run_path: Path) -> None:
    """A completed run's events: its rows, if no ``MetricsWriter`` mirrored
    them as they were logged, then its hyperparameters."""
    import pandas as pd

    metrics = Path(run_path) / "metrics.csv"
    if not metrics.is_file():
        return
    rows = pd.read_csv(metrics)
    if not (Path(run_path) / DIR).is_dir():
        mirror = EventMirror(run_path, list(rows.columns))
        for row in rows.to_dict("records"):
            mirror.write(row)
        mirror.close()
    write_hparams(run_path, rows)


def write_hparams(run_path: Path, rows) -> None:
    """The run's config scalars with its final evaluation (the HPARAMS tab);
    a run without a saved config or an eval row (a phase of a job) has none."""
    from omegaconf import OmegaConf

    config = Path(run_path) / ".hydra" / "config.yaml"
    if not config.is_file() or "split" not in rows or "env_steps" not in rows:
        return
    ev = rows[rows["split"] == "eval"]
    if ev.empty:
        return
    last = ev[ev["env_steps"] == ev["env_steps"].max()].mean(numeric_only=True).to_dict()
    final = {f"final/{k}": v for k, v in _numbers(last, last).items()}
    if not final:
        return
    cfg = OmegaConf.load(config)
    try:
        hparams = _flat(OmegaConf.to_container(cfg, resolve=True))
    except Exception:  # noqa: BLE001 - an interpolation only the job's process resolves: keep it as written
        hparams = _flat(OmegaConf.to_container(cfg, resolve=False))
    with SummaryWriter(log_dir=str(Path(run_path) / DIR)) as writer:
        writer.add_hparams(hparams, final, run_name=".")
