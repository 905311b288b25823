"""`slicectl plot`: learning curves, mean line and 95% CI band across seeds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from slicectl.analysis import bidding
from slicectl.analysis.runs import find_runs
from slicectl.runner.errors import UserError
from slicectl.runner.evaluate import mean_ci


def plot(paths: list[Path], metric: str = "utility") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = find_runs(paths)
    if bidding.is_bidding(runs):  # chen2022: Figs. 14-15 and the lower tier's curves
        return bidding.plots(runs)[0]
    if metric not in runs[0].metrics.columns:
        raise UserError(f"unknown metric {metric!r}; columns: {', '.join(runs[0].metrics.columns)}")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    groups: dict[str, list[pd.DataFrame]] = {}
    for run in runs:
        ev = run.metrics[run.metrics["split"] == "eval"][["env_steps", metric]]
        groups.setdefault(run.group, []).append(ev.set_index("env_steps")[metric])
    for group, curves in sorted(groups.items()):
        table = pd.concat(curves, axis=1).sort_index()
        steps = table.index.to_numpy()
        stats = np.array([mean_ci(r.dropna().to_numpy()) for _, r in table.iterrows()])
        mean, half = stats[:, 0], np.nan_to_num(stats[:, 1])
        ax.plot(steps, mean, marker="o", ms=3, label=f"{group} (n={len(curves)})")
        ax.fill_between(steps, mean - half, mean + half, alpha=0.2)
    ax.set_xlabel("environment steps")
    ax.set_ylabel(f"eval {metric}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out_dir = runs[0].path / "plots"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"{metric}.png"
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"written: {out}")
    return out
