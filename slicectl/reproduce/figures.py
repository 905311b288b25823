"""The paper's figures, redrawn from a reproduction's runs.

Every claim gets one: its arms as bars with 95% intervals over seeds (an arm
whose value is the same on every seed, a deterministic baseline, is a
horizontal reference line), or, for a trend, the metric against the swept
key with one line per method. ``Curves`` figures are learning curves. Titles
name the paper's table or figure, axes carry units, legends name methods and
the number of seeds, and bands are clipped to the metric's range."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from slicectl.reproduce.measure import Locate, arm_values
from slicectl.reproduce.spec import Claim, Curves
from slicectl.reproduce.stats import interval
from slicectl.runner.rundir import eval_rows


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _title(ax, source: str, text: str) -> None:
    ax.set_title("\n".join(textwrap.wrap(f"{source}: {text}", 70)), fontsize=9)


def _clip(claim_bounds, low, high):
    if claim_bounds is None:
        return low, high
    return np.clip(low, *claim_bounds), np.clip(high, *claim_bounds)


def claim_figure(claim: Claim, seeds: list[int], locate: Locate, out: Path,
                 grid: list[float] | None = None) -> Path | None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = False
    if claim.compare == "trend":
        for arm in claim.arms:
            rows = [(x, interval(list(arm_values(arm, claim, seeds, locate, x).values()))) for x in grid]
            rows = [(x, ci) for x, ci in rows if ci.n]
            if not rows:
                continue
            xs = np.array([x for x, _ in rows])
            mean = np.array([ci.mean for _, ci in rows])
            low, high = _clip(claim.bounds, np.array([ci.low for _, ci in rows]), np.array([ci.high for _, ci in rows]))
            n = min(ci.n for _, ci in rows)
            ax.plot(xs, mean, marker="o", ms=4, label=f"{arm.label} (n={n})")
            ax.fill_between(xs, np.where(np.isfinite(low), low, mean), np.where(np.isfinite(high), high, mean), alpha=0.2)
            drawn = True
        if drawn and min(grid) > 0 and max(grid) > 10 * min(grid):
            ax.set_xscale("log")
        ax.set_xlabel(claim.x_label or claim.x)
    else:
        bars, lines = [], []
        for arm in claim.arms:
            v = np.array(list(arm_values(arm, claim, seeds, locate).values()))
            if not len(v):
                continue
            (lines if len(v) > 1 and np.ptp(v) == 0 else bars).append((arm.label, v))
        edges = []
        for i, (label, v) in enumerate(bars):
            ci = interval(v)
            low, high = _clip(claim.bounds, ci.low, ci.high)
            err = None if not np.isfinite(low) else [[ci.mean - low], [high - ci.mean]]
            edges += [low, high] if np.isfinite(low) else []
            ax.bar(i, ci.mean, yerr=err, capsize=4, color=f"C{i}", alpha=0.85, label=f"{label} (n={ci.n})")
        for j, (label, v) in enumerate(lines):
            ax.axhline(float(v[0]), ls="--", lw=1.2, color=f"C{len(bars) + j}", label=label)
        ax.set_xticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
        drawn = bool(bars or lines)
        if bars:   # bars start where the data do (the metrics are far from 0), CIs inside the frame
            values = np.concatenate([v for _, v in bars] + [v for _, v in lines] + [np.array(edges)])
            spread = np.ptp(values) or abs(values.mean()) or 1.0
            ax.set_ylim(values.min() - 0.3 * spread, values.max() + 0.2 * spread)
    if not drawn:
        plt.close(fig)
        return None
    _title(ax, claim.source, claim.text)
    ax.set_ylabel(claim.label or claim.metric)
    return _save(plt, fig, ax, out)


def curves_figure(fig_spec: Curves, seeds: list[int], locate: Locate, out: Path) -> Path | None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    drawn = False
    for i, line in enumerate(fig_spec.lines):
        runs = [locate(line.run, s) for s in seeds]
        series = []
        for d in runs:
            if d is None:
                continue
            run = d / line.path if line.path else d
            column = line.value or fig_spec.metric
            if (run / "metrics.csv").is_file():
                ev = eval_rows(run)
                if column in ev.columns:
                    series.append(ev.groupby("env_steps")[column].mean())
        if not series:
            continue
        table = pd.concat(series, axis=1).sort_index()
        stats = [interval(r.dropna().to_numpy()) for _, r in table.iterrows()]
        steps = table.index.to_numpy()
        mean = np.array([c.mean for c in stats])
        low = np.array([c.low if np.isfinite(c.low) else c.mean for c in stats])
        high = np.array([c.high if np.isfinite(c.high) else c.mean for c in stats])
        ax.plot(steps, mean, color=f"C{i}", label=f"{line.label} (n={len(series)})")
        ax.fill_between(steps, low, high, color=f"C{i}", alpha=0.2)
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_title(fig_spec.title, fontsize=9)
    ax.set_xlabel("environment steps")
    ax.set_ylabel(fig_spec.label or f"eval {fig_spec.metric}")
    return _save(plt, fig, ax, out)


def _save(plt, fig, ax, out: Path) -> Path:
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
