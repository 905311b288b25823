"""A run's objective: the one number a hyperparameter search optimises.

Each env class declares it, as the training loop already reads it for
``best.pt``: ``objective`` names the metric (default ``utility``) and
``objective_direction`` says which way is better (default ``maximize``;
every env of slicectl maximises). The value of a finished run is that
metric in its final evaluation: the mean over the evaluation seeds of the
last eval rows of ``metrics.csv`` (the file is the source of truth)."""
from __future__ import annotations

import csv
import math
from pathlib import Path

DEFAULT_METRIC, DEFAULT_DIRECTION = "utility", "maximize"


def declared(env) -> tuple[str, str]:
    """(metric, direction) an env (an instance, its class, or the class's
    ``_target_`` path) declares."""
    if isinstance(env, str):
        from hydra.utils import get_class

        env = get_class(env)
    direction = str(getattr(env, "objective_direction", DEFAULT_DIRECTION))
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"{env}: objective_direction must be maximize or minimize, not {direction!r}")
    return str(getattr(env, "objective", DEFAULT_METRIC)), direction


def final_value(run_path: Path, metric: str) -> float | None:
    """``metric`` in the run's final evaluation, or None if it has none."""
    path = Path(run_path) / "metrics.csv"
    if not path.is_file():
        return None
    last_step, values = None, []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("split") != "eval" or not row.get(metric):
                continue
            step = row.get("env_steps")
            if step != last_step:
                last_step, values = step, []
            values.append(float(row[metric]))
    if not values:
        return None
    value = sum(values) / len(values)
    return value if math.isfinite(value) else None
