"""Numbers huang2023's claims (claims.yaml) read from a run directory that
are not a plain metric or manifest field."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from slicectl.runner.rundir import eval_rows


def _steps(stage2: Path, key: str, suffix: str) -> float:
    """Table II: env steps until each slice's agent is within 1% of direct
    training's final reward, averaged over slices. A slice that never gets
    there counts its whole budget (its last evaluation's step): a lower
    bound, which only favours the arm that misses."""
    rows = json.loads((stage2 / "manifest.json").read_text())["final"]["table_ii"]
    steps = [r[key] if r[key] is not None
             else float(eval_rows(stage2 / f"slice{r['slice']}{suffix}").env_steps.max()) for r in rows]
    return float(np.mean(steps))


def steps_transfer(stage2: Path) -> float:
    return _steps(stage2, "steps_transfer", "")


def steps_direct(stage2: Path) -> float:
    return _steps(stage2, "steps_direct", "_direct")


def first_eval_reward(phase: Path) -> float:
    """Fig. 4: the reward of a slice-level training's first evaluation."""
    return float(eval_rows(phase).reward.iloc[0])
