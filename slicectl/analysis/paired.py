"""`slicectl report --paired key=value`: every config against its twin that
differs only in ``key`` (set to ``value``), paired by seed, then pooled over
all the twins of a sweep.

Pairing by seed is what makes small differences visible: runs with the same
seed are evaluated on the same fixed cells (eval.seed_base), so the cells'
own spread cancels. The pooled row is the mean difference over every
(swept point, seed) pair, with a Student-t interval over those pairs: the
average effect across the sweep, not an effect at any one point.
"""
from __future__ import annotations

import re

import pandas as pd
from rich.table import Table

from slicectl.analysis.runs import Run, final_row
from slicectl.console import console
from slicectl.runner.evaluate import mean_ci
from slicectl.errors import UserError


def paired_differences(runs: list[Run], against: str) -> pd.DataFrame:
    """One row per (config, seed) that has a twin at ``against``: its final
    metrics minus the twin's, with the config's value of the key and the
    rest of its overrides (the swept point)."""
    key, sep, ref = against.partition("=")
    if not sep or not key or not ref:
        raise UserError(f"--paired takes key=value (e.g. agent=ddpg), not '{against}'")
    finals: dict[tuple[str, str, int], pd.Series] = {}
    for run in runs:
        tokens = run.group.split(" ")
        mine = [t for t in tokens if t.startswith(f"{key}=")]
        if len(mine) != 1:  # a run without the key (e.g. a baseline's eval) has no twin
            continue
        rest = " ".join(t for t in tokens if t != mine[0]) or "default"
        finals[(mine[0].partition("=")[2], rest, run.seed)] = final_row(run)
    values = sorted({v for v, _, _ in finals})
    if ref not in values:
        raise UserError(f"no runs with {key}={ref} to pair against (found {key}= {', '.join(values) or 'none'}; "
                        "a key every run shares is not told apart)")
    rows = []
    for (value, rest, seed), final in finals.items():
        twin = finals.get((ref, rest, seed))
        if value == ref or twin is None:
            continue
        rows.append({key: value, "point": rest, "seed": seed, **(final - twin).to_dict()})
    if not rows:
        raise UserError(f"no config has a twin at {key}={ref} with the same overrides and seed")
    return pd.DataFrame(rows)


def _natural(text: str) -> list:
    """Sort key that orders numbers by value: env.x=5e7 before env.x=1e8."""
    parts = re.split(r"(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)", text)
    return [(0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts)]


def print_paired(diffs: pd.DataFrame, against: str) -> pd.DataFrame:
    """Mean ± 95% CI of the differences per point and pooled per value."""
    key = against.partition("=")[0]
    metrics = [c for c in diffs.columns if c not in (key, "point", "seed") and diffs[c].notna().any()]
    groups = sorted((((value, point), sub) for (value, point), sub in diffs.groupby([key, "point"])),
                    key=lambda g: (g[0][0], _natural(g[0][1])))
    groups += [((value, "all points (pooled)"), sub) for value, sub in diffs.groupby(key, sort=True)
               if sub["point"].nunique() > 1]
    recs = []
    for (value, point), sub in groups:
        rec = {key: value, "point": point, "pairs": len(sub)}
        for m in metrics:
            rec[m], rec[f"{m}_ci95"] = mean_ci(sub[m].to_numpy())
        recs.append(rec)
    table = Table(title=f"paired by seed: each config minus its twin at {against} (mean ± 95% CI)")
    for col in (key, "point", "pairs", *metrics):
        table.add_column(col, justify="right" if col not in (key, "point") else "left")
    for rec in recs:
        table.add_row(str(rec[key]), rec["point"], str(rec["pairs"]),
                      *(f"{rec[m]:+.3f} ± {rec[m + '_ci95']:.3f}" for m in metrics))
    console.print(table)
    return pd.DataFrame(recs)
