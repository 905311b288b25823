"""`slicectl report --paired key=value`: every config against its twin that
differs only in ``key`` (set to ``value``), paired by seed, then pooled over
all the twins of a sweep.

Pairing by seed is what makes small differences visible: runs with the same
seed are evaluated on the same fixed cells (eval.seed_base), so the cells'
own spread cancels. The pooled row is the mean difference over every
(swept point, seed) pair, with a Student-t interval over those pairs: the
average effect across the sweep, not an effect at any one point.

Beside the mean, each row has the robust figures of ``analysis.robust``:
the IQM of the differences with a stratified bootstrap interval (the swept
points are the strata of a pooled row) and the probability of improvement,
P(config > twin) of the headline metric
(``runs.headline``) (a run's value against its twin's
runs, averaged over points).
"""
from __future__ import annotations

import re

import pandas as pd
from rich.table import Table

from slicectl.analysis.robust import iqm_interval, probability_of_improvement
from slicectl.analysis.runs import Run, final_row, headline
from slicectl.console import console
from slicectl.runner.evaluate import mean_ci
from slicectl.errors import UserError


def paired_differences(runs: list[Run], against: str) -> pd.DataFrame:
    """One row per (config, seed) that has a twin at ``against``: its final
    metrics minus the twin's, with the config's value of the key and the
    rest of its overrides (the swept point); the two sides' own values are
    kept in columns ``a:<metric>`` and ``b:<metric>`` (the twin)."""
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
        rows.append({key: value, "point": rest, "seed": seed, **(final - twin).to_dict(),
                     **{f"a:{m}": v for m, v in final.items()}, **{f"b:{m}": v for m, v in twin.items()}})
    if not rows:
        raise UserError(f"no config has a twin at {key}={ref} with the same overrides and seed")
    return pd.DataFrame(rows)


def _natural(text: str) -> list:
    """Sort key that orders numbers by value: env.x=5e7 before env.x=1e8."""
    parts = re.split(r"(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)", text)
    return [(0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts)]


def print_paired(diffs: pd.DataFrame, against: str) -> pd.DataFrame:
    """Mean ± 95% CI of the differences per point and pooled per value, with
    the IQM of the first metric's differences and P(config > twin)."""
    key = against.partition("=")[0]
    metrics = [c for c in diffs.columns if c not in (key, "point", "seed") and ":" not in c and diffs[c].notna().any()]
    head = headline(metrics, default=metrics[0])
    groups = sorted((((value, point), sub) for (value, point), sub in diffs.groupby([key, "point"])),
                    key=lambda g: (g[0][0], _natural(g[0][1])))
    groups += [((value, "all points (pooled)"), sub) for value, sub in diffs.groupby(key, sort=True)
               if sub["point"].nunique() > 1]
    recs = []
    for (value, point), sub in groups:
        rec = {key: value, "point": point, "pairs": len(sub)}
        strata = [s for _, s in sub.groupby("point", sort=True)]
        for m in metrics:
            rec[m], rec[f"{m}_ci95"] = mean_ci(sub[m].to_numpy())
            rec[f"{m}_iqm"], rec[f"{m}_iqm_low"], rec[f"{m}_iqm_high"] = iqm_interval([s[m] for s in strata])
            rec[f"{m}_p_improve"], rec[f"{m}_p_improve_low"], rec[f"{m}_p_improve_high"] = \
                probability_of_improvement([s[f"a:{m}"] for s in strata], [s[f"b:{m}"] for s in strata])
        recs.append(rec)
    table = Table(title=f"paired by seed: each config minus its twin at {against} (mean ± 95% CI; "
                        f"IQM and P(config > twin) of {head}, 95% stratified bootstrap)")
    for col in (key, "point", "pairs", *metrics, f"{head} IQM", f"P({head} > twin)"):
        table.add_column(col, justify="right" if col not in (key, "point") else "left")
    for rec in recs:
        table.add_row(str(rec[key]), rec["point"], str(rec["pairs"]),
                      *(f"{rec[m]:+.3f} ± {rec[m + '_ci95']:.3f}" for m in metrics),
                      _with_interval(rec, f"{head}_iqm", "+.3f"), _with_interval(rec, f"{head}_p_improve", ".2f"))
    console.print(table)
    return pd.DataFrame(recs)


def _with_interval(rec: dict, name: str, fmt: str) -> str:
    """``value [low, high]``, the bracket left out where there is no interval."""
    value, low, high = rec[name], rec[f"{name}_low"], rec[f"{name}_high"]
    if value != value:
        return "–"
    return f"{value:{fmt}}" + (f" [{low:{fmt}}, {high:{fmt}}]" if low == low else "")
