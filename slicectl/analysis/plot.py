"""`slicectl plot`: learning curves, mean line and 95% CI band across seeds;
with ``x``, a sweep's final metric against a swept config key instead."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from slicectl import registry
from slicectl.analysis.runs import Run, final_row, find_runs
from slicectl.errors import UserError
from slicectl.runner.evaluate import mean_ci


OBJECTIVES = ("utility", "accuracy", "reward")  # the default metric: the first a run has


def plot(paths: list[Path], metric: str | None = None, x: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = find_runs(paths)
    paper = registry.figures_for(runs)
    if paper is not None and paper.plot and not paper.curves:  # the paper's figures only (chen2022)
        return registry.resolve(paper.plot)(runs)
    if metric is None:
        metric = next((m for m in OBJECTIVES if m in runs[0].metrics.columns), "reward")
    if x is not None:
        return sweep_plot(runs, metric, x)
    for run in runs:
        if metric not in run.metrics.columns:
            raise UserError(f"unknown metric {metric!r} in {run.path}; "
                            f"columns: {', '.join(run.metrics.columns)}")
    if paper is not None and paper.plot:  # the paper's figures beside the curves (hu: Figs. 4-8)
        registry.resolve(paper.plot)(runs)
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
    return _save(fig, ax, "environment steps", f"eval {metric}", runs[0].path / "plots" / f"{metric}.png")


def _save(fig, ax, xlabel: str, ylabel: str, out: Path) -> Path:
    """Label, grid and legend ``ax``; write ``fig`` to ``out``."""
    import matplotlib.pyplot as plt

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"written: {out}")
    return out


def swept_value(run: Run, key: str) -> float:
    """The value of config ``key`` (dotted) in ``run``'s saved config."""
    from omegaconf import OmegaConf

    cfg_path = run.path / ".hydra" / "config.yaml"
    value = OmegaConf.select(OmegaConf.load(cfg_path), key) if cfg_path.is_file() else None
    if value is None:
        raise UserError(f"{run.path}: no config key {key!r} to put on the x axis")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UserError(f"{run.path}: {key} = {value!r} is not a number") from None


def sweep_plot(runs: list[Run], metric: str, key: str) -> Path:
    """Final ``metric`` against config ``key``: one line per configuration
    apart from ``key`` (agent, baseline...), mean and 95% CI over seeds at
    each value (zhang2021's Figs. 5-8)."""
    import matplotlib.pyplot as plt

    rows = []
    for run in runs:
        final = final_row(run)
        if metric not in final:
            raise UserError(f"unknown metric {metric!r} in {run.path}; it has: {', '.join(final.index)}")
        line = " ".join(o for o in run.group.split(" ") if not o.startswith(f"{key}=")) or "default"
        rows.append({"line": line, "x": swept_value(run, key), "y": float(final[metric])})
    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for line, sub in sorted(df.groupby("line"), key=lambda t: t[0]):
        stats = sub.groupby("x")["y"].apply(lambda v: mean_ci(v.to_numpy())).sort_index()
        xs = stats.index.to_numpy()
        mean = np.array([m for m, _ in stats])
        half = np.nan_to_num(np.array([h for _, h in stats]))
        ax.errorbar(xs, mean, yerr=half, marker="o", ms=4, capsize=3,
                    label=f"{line} (n={sub.groupby('x').size().min()})")
    if df["x"].min() > 0 and df["x"].max() > 10 * df["x"].min():
        ax.set_xscale("log")  # resource grids span decades
    return _save(fig, ax, key, f"final {metric}",
                 runs[0].path / "plots" / f"{metric}_vs_{key.replace('.', '_')}.png")
