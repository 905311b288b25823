"""chen2022's Table 4 and Figs. 14-15 from `slicectl bidding` runs (files only).

Every run evaluates its agents and the references (truthful bids, hard
slicing, Table A, the oracles) on the same fixed evaluation markets and
windows (``eval.seed_base``), so a reference has one value for the whole
sweep, and differences between methods are paired by seed.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from rich.table import Table

from slicectl.analysis.runs import Run
from slicectl.console import console
from slicectl.runner.evaluate import mean_ci

UPPER_REFS = {"truthful bids": "truthful_", "hard slicing": "hard_", "oracle": "oracle_"}
LOWER_REFS = {"Table A": "table_a_", "oracle": "oracle_"}


def is_bidding(runs: list[Run]) -> bool:
    return all("tier" in r.metrics.columns and (r.metrics["split"] == "step").any() for r in runs)


def _final(run: Run) -> dict:
    ev = run.metrics[run.metrics["split"] == "eval"]
    return {"group": run.group, "seed": run.seed, **ev.iloc[-1].to_dict()}


def _cell(x) -> str:
    mean, half = mean_ci(np.asarray(x, dtype=np.float64))
    return f"{mean:.3f} ± {half:.3f}" if np.isfinite(half) else f"{mean:.3f}"


def _gap(values: pd.Series, oracle: pd.Series) -> pd.Series:
    return (oracle - values) / oracle.abs()


def table4(runs: list[Run]) -> tuple[Table, Table, pd.DataFrame]:
    df = pd.DataFrame([_final(r) for r in runs])
    by_seed = df.groupby("seed").first()  # the references: identical in every run of a seed
    ql = df[df["group"].str.contains("agent=ql")].set_index("seed") if "group" in df else None

    upper = Table(title="Table 4, upper tier (mean ± 95% CI over seeds; gap: (oracle − x) / oracle)")
    for col in ("method", "n", "profit", "utility", "F", "gap to oracle F"):
        upper.add_column(col, justify="right")
    lower = Table(title="Table 4, lower tier (mean ± 95% CI over seeds; SE − QL paired by seed)")
    for col in ("method", "n", "SE", "utility", "gap to oracle SE", "SE − QL's SE"):
        lower.add_column(col, justify="right")
    rows = []
    for group, g in df.groupby("group", sort=True):
        g = g.set_index("seed")
        oracle = by_seed.loc[g.index]
        upper.add_row(group, str(len(g)), _cell(g["profit"]), _cell(g["utility"]), _cell(g["F"]),
                      _cell(_gap(g["F"], oracle["oracle_F"])))
        vs_ql = "-"
        if ql is not None and len(ql) and not group.endswith("agent=ql"):
            common = g.index.intersection(ql.index)
            if len(common) > 1:
                vs_ql = _cell(g.loc[common, "lower_se"] - ql.loc[common, "lower_se"])
        lower.add_row(group, str(len(g)), _cell(g["lower_se"]), _cell(g["lower_utility"]),
                      _cell(_gap(g["lower_se"], oracle["oracle_lower_se"])), vs_ql)
        rows.append({"method": group, "tier": "both", **g.mean(numeric_only=True).to_dict()})
    # the references are deterministic on the fixed evaluation markets: one value each
    ref = by_seed.iloc[0]
    for name, pre in UPPER_REFS.items():
        upper.add_row(name, "ref", *(f"{ref[f'{pre}{k}']:.3f}" for k in ("profit", "utility", "F")),
                      f"{(ref['oracle_F'] - ref[f'{pre}F']) / abs(ref['oracle_F']):.3f}")
    for name, pre in LOWER_REFS.items():
        lower.add_row(name, "ref", *(f"{ref[f'{pre}{k}']:.3f}" for k in ("lower_se", "lower_utility")),
                      f"{(ref['oracle_lower_se'] - ref[f'{pre}lower_se']) / abs(ref['oracle_lower_se']):.3f}",
                      "-")
    return upper, lower, pd.DataFrame(rows)


def print_table4(runs: list[Run]) -> None:
    upper, lower, _ = table4(runs)
    console.print(upper)
    console.print(lower)


def plots(runs: list[Run], out_dir: Path) -> list[Path]:
    """Figs. 14-15 (violins of the upper tier's per-window profit and utility
    by method) and the lower tier's learning curves (SE, utility)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(exist_ok=True)
    steps: dict[str, list[pd.DataFrame]] = {}
    curves: dict[str, list[pd.DataFrame]] = {}
    for r in runs:
        s = r.metrics[r.metrics["split"] == "step"]
        steps.setdefault(r.group, []).append(s[(s["tier"] == "upper") & (s["policy"] == "agent")])
        lower = pd.read_csv(r.path / "lower" / "metrics.csv")
        curves.setdefault(r.group, []).append(lower[lower["split"] == "eval"].set_index("env_steps"))
    written = []
    for metric, fig_no in (("profit", 14), ("utility", 15)):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        names = sorted(steps)
        data = [pd.concat(steps[n])[metric].to_numpy() for n in names]
        ax.violinplot(data, showmeans=True, showextrema=True)
        ax.set_xticks(range(1, len(names) + 1), names, fontsize=8)
        ax.set_ylabel(f"upper tier {metric} per window (mean over MVNOs)")
        ax.set_title(f"chen2022 Fig. {fig_no}: {metric} by method")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        written.append(out_dir / f"bidding_{metric}_violin.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    for metric in ("se", "utility"):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for name, cs in sorted(curves.items()):
            table = pd.concat([c[metric] for c in cs], axis=1).sort_index()
            stats = np.array([mean_ci(row.dropna().to_numpy()) for _, row in table.iterrows()])
            mean, half = stats[:, 0], np.nan_to_num(stats[:, 1])
            ax.plot(table.index, mean, marker="o", ms=3, label=f"{name} (n={len(cs)})")
            ax.fill_between(table.index, mean - half, mean + half, alpha=0.2)
        ax.set_xlabel("lower-tier training windows")
        ax.set_ylabel(f"eval {metric} (mean over MVNOs)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(out_dir / f"bidding_lower_{metric}.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    for p in written:
        print(f"written: {p}")
    return written


def first_plot(runs: list[Run], out_dir: Path) -> Path:
    """`slicectl plot`: Figs. 14-15 and the lower tier's curves into ``out_dir``; the first one's path."""
    return plots(runs, out_dir)[0]
