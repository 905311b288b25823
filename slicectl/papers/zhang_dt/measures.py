"""Numbers zhang_digital_twin's claims (claims.yaml) read from a run
directory that are not a plain metric or manifest field."""
from __future__ import annotations

import json
from pathlib import Path

from slicectl.runner.rundir import eval_rows


def _reach(run: Path, column: str) -> float:
    """Real steps to the first evaluation with reward ≥ ``twin.reach_reward``.
    An arm that never gets there counts the whole budget plus one round: a
    lower bound on its true number, which only favours it."""
    final = json.loads((run / "manifest.json").read_text()).get("final") or {}
    if final.get(column) is not None:
        return float(final[column])
    ev = eval_rows(run)
    steps = ev.env_steps.sort_values().to_numpy()
    return float(steps[-1] + (steps[-1] - steps[-2] if len(steps) > 1 else steps[-1]))


def reach_twin(run: Path) -> float:
    return _reach(run, "reach")


def reach_plain(run: Path) -> float:
    return _reach(run, "plain_reach")
