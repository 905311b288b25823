"""Numbers hu's claims (claims.yaml) read from a run directory that are not
a plain metric or manifest field."""
from __future__ import annotations

from pathlib import Path

from slicectl.runner.rundir import eval_rows


def first_eval_satisfaction(run: Path) -> float:
    """Fig. 4: the satisfaction at a training's first evaluation (a transfer's
    start, DRL's after its exploration)."""
    ev = eval_rows(run)
    return float(ev.sort_values("env_steps").satisfaction.iloc[0])
