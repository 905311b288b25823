"""`slicectl report`: final metrics grouped by config, mean ± 95% CI over
seeds, and each metric's interquartile mean with its bootstrap interval
(``analysis.robust``; report.csv has ``<metric>_iqm``, ``_iqm_low`` and
``_iqm_high``). The printed table shows the IQM of the headline metric."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from slicectl import registry
from slicectl.analysis.paired import paired_differences, print_paired
from slicectl.analysis.robust import iqm_interval
from slicectl.analysis.runs import final_row, find_runs, headline
from slicectl.console import console
from slicectl.errors import UserError
from slicectl.runner.evaluate import mean_ci


def report(paths: list[Path], out: Path | None = None, paired: str | None = None) -> pd.DataFrame:
    runs = find_runs(paths)
    diffs = paired_differences(runs, paired) if paired else None  # a bad --paired fails before any output
    rows = []
    for run in runs:
        row = final_row(run)
        rows.append({"system": run.system, "group": run.group, "seed": run.seed, "run": str(run.path),
                     **row.to_dict()})
    df = pd.DataFrame(rows)
    metrics = [c for c in df.columns if c not in ("system", "group", "seed", "run") and df[c].notna().any()]
    table_rows = []
    for (system, group), sub in df.groupby(["system", "group"], sort=True):
        rec = {"system": system, "group": group, "n": len(sub)}
        for m in metrics:
            mean, half = mean_ci(sub[m].to_numpy())
            rec[m] = mean
            rec[f"{m}_ci95"] = half
            rec[f"{m}_iqm"], rec[f"{m}_iqm_low"], rec[f"{m}_iqm_high"] = iqm_interval(sub[m].to_numpy())
        table_rows.append(rec)
    summary = pd.DataFrame(table_rows)
    first = Path(paths[0])
    out = Path(out) if out else (first if not (first / "manifest.json").is_file() else runs[0].path) / "report.csv"
    if not out.parent.is_dir():
        raise UserError(f"--out {out}: the directory {out.parent} does not exist")
    summary.to_csv(out, index=False)
    paper = registry.figures_for(runs)
    if paper is not None and paper.report:  # a paper's own table (chen2022: Table 4's layout)
        registry.resolve(paper.report)(runs)
    else:
        for system in sorted({r["system"] for r in table_rows}):   # one table per system
            recs = [r for r in table_rows if r["system"] == system]
            _print_summary(system, recs, _varying(recs, metrics), sum(r["n"] for r in recs),
                           headline(metrics, default=metrics[0]))
    console.print(f"written: {out}")
    if diffs is not None:
        paired_out = out.with_name(out.stem + "_paired.csv")
        print_paired(diffs, paired).to_csv(paired_out, index=False)
        console.print(f"written: {paired_out}")
    return summary


def _varying(recs: list[dict], metrics: list[str]) -> list[str]:
    """The metrics this table's rows have and that differ between them (all, for one row)."""
    have = [m for m in metrics if any(pd.notna(r[m]) for r in recs)]
    if len(recs) < 2:
        return have
    return [m for m in have if len({round(float(r[m]), 9) for r in recs if pd.notna(r[m])}) > 1]


def _print_summary(system: str, table_rows: list[dict], metrics: list[str], n_runs: int, head: str) -> None:
    table = Table(title=f"{system}: final metrics, {n_runs} runs (mean ± 95% CI over seeds; "
                        f"IQM of {head} with a 95% bootstrap CI)")
    table.add_column("config", no_wrap=True)
    table.add_column("n", justify="right")
    for m in metrics:
        table.add_column(m, justify="right")
    table.add_column(f"{head} IQM", justify="right")
    for rec in table_rows:
        iqm, low, high = rec[f"{head}_iqm"], rec[f"{head}_iqm_low"], rec[f"{head}_iqm_high"]
        table.add_row(rec["group"], str(rec["n"]),
                      *("–" if pd.isna(rec[m]) else f"{rec[m]:.3f} ± {rec[m + '_ci95']:.3f}" for m in metrics),
                      "–" if pd.isna(iqm) else f"{iqm:.3f}" + ("" if pd.isna(low) else f" [{low:.3f}, {high:.3f}]"))
    console.print(table)
