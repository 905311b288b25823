"""`slicectl report`: final metrics grouped by config, mean ± 95% CI over seeds."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from slicectl.analysis import bidding
from slicectl.analysis.runs import final_row, find_runs
from slicectl.console import console
from slicectl.runner.evaluate import mean_ci


def report(paths: list[Path], out: Path | None = None) -> pd.DataFrame:
    runs = find_runs(paths)
    rows = []
    for run in runs:
        row = final_row(run)
        rows.append({"group": run.group, "seed": run.seed, "run": str(run.path), **row.to_dict()})
    df = pd.DataFrame(rows)
    metrics = [c for c in df.columns if c not in ("group", "seed", "run") and df[c].notna().any()]
    table_rows = []
    for group, sub in df.groupby("group", sort=True):
        rec = {"group": group, "n": len(sub)}
        for m in metrics:
            mean, half = mean_ci(sub[m].to_numpy())
            rec[m] = mean
            rec[f"{m}_ci95"] = half
        table_rows.append(rec)
    summary = pd.DataFrame(table_rows)
    first = Path(paths[0])
    out = Path(out) if out else (first if not (first / "manifest.json").is_file() else runs[0].path) / "report.csv"
    summary.to_csv(out, index=False)
    if bidding.is_bidding(runs):  # chen2022's Table 4 layout instead of one wide row per config
        bidding.print_table4(runs)
        console.print(f"written: {out}")
        return summary
    table = Table(title=f"final metrics, {len(runs)} runs (mean ± 95% CI over seeds)")
    table.add_column("config", no_wrap=True)
    table.add_column("n", justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    for rec in table_rows:
        table.add_row(rec["group"], str(rec["n"]),
                      *(f"{rec[m]:.3f} ± {rec[m + '_ci95']:.3f}" for m in metrics))
    console.print(table)
    console.print(f"written: {out}")
    return summary
