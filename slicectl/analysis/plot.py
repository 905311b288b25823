"""`slicectl plot`: learning curves, mean line and 95% CI band across seeds;
with ``x``, a sweep's final metric against a swept config key instead.

Figures go to ``<first path>/plots/`` (a sweep's directory, or the run's own
when one run is given). Methods are named as papers name them, baselines
evaluated once are horizontal reference lines, bands are clipped to the
metric's range, n is in the legend, and runs of different systems (envs)
get a figure each."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from slicectl import registry
from slicectl.analysis.labels import method_label, metric_bounds, metric_label
from slicectl.analysis.runs import Run, final_row, find_runs, headline
from slicectl.errors import UserError
from slicectl.runner.evaluate import mean_ci


def plot(paths: list[Path], metric: str | None = None, x: str | None = None, profile: bool = False) -> Path:
    import matplotlib

    matplotlib.use("Agg")

    runs = find_runs(paths)
    out_dir = Path(paths[0]) / "plots"
    paper = registry.figures_for(runs)
    if paper is not None and paper.plot and not paper.curves and not profile:  # the paper's figures only (chen2022)
        return registry.resolve(paper.plot)(runs, out_dir)
    systems = {s: [r for r in runs if r.system == s] for s in sorted({r.system for r in runs})}
    chosen = {s: metric or headline(rs[0].metrics.columns)
              for s, rs in systems.items()}   # the default metric: each system's own
    for s, rs in systems.items():
        for run in rs:
            if chosen[s] not in run.metrics.columns:
                raise UserError(f"unknown metric {chosen[s]!r} in {run.path}; "
                                f"columns: {', '.join(run.metrics.columns)}")
    if x is not None:
        return sweep_plot(runs, chosen[next(iter(systems))], x, out_dir)
    if profile:
        written = [profile_plot(rs, chosen[s], out_dir / (f"profile_{chosen[s]}.png" if len(systems) == 1
                                                          else f"profile_{chosen[s]}_{s}.png"), s)
                   for s, rs in systems.items()]
        return written[0]
    if paper is not None and paper.plot:  # the paper's figures beside the curves (hu: Figs. 4-8)
        registry.resolve(paper.plot)(runs, out_dir)
    written = []
    for s, rs in systems.items():
        name = f"{chosen[s]}.png" if len(systems) == 1 else f"{chosen[s]}_{s}.png"
        written.append(curves(rs, chosen[s], out_dir / name, s))
    return written[0]


def _band(mean: np.ndarray, half: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    low, high = mean - np.nan_to_num(half), mean + np.nan_to_num(half)
    bounds = metric_bounds(metric)
    return (np.clip(low, *bounds), np.clip(high, *bounds)) if bounds else (low, high)


def curves(runs: list[Run], metric: str, out: Path, system: str) -> Path:
    """Eval ``metric`` against env steps, one line per config; a config
    evaluated once (a baseline) is a horizontal line at its mean."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.group, []).append(run)
    for i, (group, members) in enumerate(sorted(groups.items())):
        methods = {r.method for r in members}
        label, color = method_label(group, methods.pop() if len(methods) == 1 else ""), f"C{i}"
        if all(r.reference for r in members):
            values = np.array([float(final_row(r)[metric]) for r in members])
            ax.axhline(values.mean(), ls="--", lw=1.2, color=color, label=f"{label} (n={len(values)})")
            continue
        table = pd.concat([r.metrics[r.metrics["split"] == "eval"].groupby("env_steps")[metric].mean()
                           for r in members], axis=1).sort_index()
        stats = np.array([mean_ci(r.dropna().to_numpy()) for _, r in table.iterrows()])
        steps, mean = table.index.to_numpy(), stats[:, 0]
        ax.plot(steps, mean, marker="o", ms=3, color=color, label=f"{label} (n={len(members)})")
        ax.fill_between(steps, *_band(mean, stats[:, 1], metric), color=color, alpha=0.2)
    ax.set_title(f"{system}: eval {metric_label(metric)} during training (mean, 95% CI over seeds)", fontsize=9)
    return _save(fig, ax, "environment steps", f"eval {metric_label(metric)}", out)


def profile_plot(runs: list[Run], metric: str, out: Path, system: str) -> Path:
    """Performance profile (Agarwal et al. 2021): for each config, the share
    of its runs whose final ``metric`` exceeds τ, against τ, with a 95%
    bootstrap band. A curve above another everywhere dominates it."""
    import matplotlib.pyplot as plt

    from slicectl.analysis.robust import performance_profile

    groups: dict[str, list[float]] = {}
    methods: dict[str, set] = {}
    for run in runs:
        final = final_row(run)
        if metric not in final:
            raise UserError(f"unknown metric {metric!r} in {run.path}; it has: {', '.join(final.index)}")
        groups.setdefault(run.group, []).append(float(final[metric]))
        methods.setdefault(run.group, set()).add(run.method)
    every = np.concatenate([np.asarray(v) for v in groups.values()])
    span = float(every.max() - every.min()) or 1.0
    taus = np.linspace(every.min() - 0.05 * span, every.max() + 0.05 * span, 101)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (group, values) in enumerate(sorted(groups.items())):
        fraction, low, high = performance_profile(values, taus)
        method = methods[group].pop() if len(methods[group]) == 1 else ""
        ax.step(taus, fraction, where="post", color=f"C{i}", label=f"{method_label(group, method)} (n={len(values)})")
        if np.isfinite(low).all():
            ax.fill_between(taus, low, high, step="post", color=f"C{i}", alpha=0.12)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{system}: runs with final {metric_label(metric)} > τ (95% bootstrap band)", fontsize=9)
    return _save(fig, ax, f"τ (final {metric_label(metric)})", "fraction of runs > τ", out)


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


def sweep_plot(runs: list[Run], metric: str, key: str, out_dir: Path) -> Path:
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
    for i, (line, sub) in enumerate(sorted(df.groupby("line"), key=lambda t: t[0])):
        stats = sub.groupby("x")["y"].apply(lambda v: mean_ci(v.to_numpy())).sort_index()
        xs = stats.index.to_numpy()
        mean = np.array([m for m, _ in stats])
        half = np.array([h for _, h in stats])
        n = sub.groupby("x").size().min()
        ax.plot(xs, mean, marker="o", ms=4, color=f"C{i}", label=f"{method_label(line)} (n={n})")
        if n > 1:
            ax.fill_between(xs, *_band(mean, half, metric), color=f"C{i}", alpha=0.2)
    if df["x"].min() > 0 and df["x"].max() > 10 * df["x"].min():
        ax.set_xscale("log")  # resource grids span decades
    ax.set_title(f"final {metric_label(metric)} against {key} (mean, 95% CI over seeds)", fontsize=9)
    return _save(fig, ax, key, f"final {metric_label(metric)}",
                 out_dir / f"{metric}_vs_{key.replace('.', '_')}.png")
