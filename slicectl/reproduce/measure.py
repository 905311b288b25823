"""Reading a claim's numbers from its runs and judging it.

``Source`` maps (run key, seed) to a run directory; ``value`` reads one
number from one; ``judge`` turns a claim into its ``claims.csv`` row."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

from slicectl.analysis.robust import probability_of_improvement
from slicectl.reproduce import stats
from slicectl.reproduce.spec import PAIRS, Arm, Claim

Locate = Callable[[str, int], "Path | None"]   # (RunSpec.key, seed) -> its completed run dir


def value(run_dir: Path, selector: str) -> float:
    """One number from a run directory (NaN when it is not there)."""
    if selector.startswith("fn:"):
        from slicectl import registry

        return float(registry.resolve(selector[3:])(run_dir))
    if selector.startswith("final:"):
        manifest = json.loads((run_dir / "manifest.json").read_text())
        return _path(manifest.get("final"), selector[len("final:"):].split("."))
    from slicectl.analysis.runs import final_row, read_run

    row = final_row(read_run(run_dir))
    return float(row[selector]) if selector in row.index else float("nan")


def _path(obj, parts: list[str]) -> float:
    """``a.b.0``: dict keys and list positions; ``*``: the mean over a list or dict."""
    if not parts:
        return float(obj) if isinstance(obj, (int, float)) and not isinstance(obj, bool) else float("nan")
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(obj, (list, dict)):
        items = obj.values() if isinstance(obj, dict) else obj
        got = [_path(item, rest) for item in items]
        return float(np.mean(got)) if got else float("nan")
    if isinstance(obj, dict) and head in obj:
        return _path(obj[head], rest)
    if isinstance(obj, list) and head.isdigit() and int(head) < len(obj):
        return _path(obj[int(head)], rest)
    return float("nan")


def arm_values(arm: Arm, claim: Claim, seeds: list[int], locate: Locate, point: float | None = None) -> dict[int, float]:
    key = arm.run if point is None else f"{arm.run}@{point:g}"
    out = {}
    for seed in seeds:
        d = locate(key, seed)
        if d is not None:
            v = value(d / arm.path if arm.path else d, arm.value or claim.metric)
            if np.isfinite(v):
                out[seed] = v
    return out


def paired(a: dict[int, float], b: dict[int, float], how: str) -> np.ndarray:
    """Per seed both arms have: A − B, A / B − 1 or A / B (NaN where B ≤ 0)."""
    seeds = sorted(set(a) & set(b))
    x, y = np.array([a[s] for s in seeds]), np.array([b[s] for s in seeds])
    if how == "difference":
        return x - y
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(y > 0, x / y, np.nan)
    return r - 1 if how == "relative" else r


def judge(claim: Claim, seeds: list[int], locate: Locate, grid: list[float] | None = None) -> dict:
    """The claim's row: what was measured, its interval and the verdict."""
    null = {"ratio": 1.0, "sign": claim.threshold}.get(claim.compare, 0.0)
    parts: list[tuple] = []   # (what, interval, verdict, P(A > B) or None) per comparison
    means: dict[str, float] = {}
    if claim.compare == "trend":
        lo, hi = grid[0], grid[-1]
        for arm in claim.arms:
            first = arm_values(arm, claim, seeds, locate, lo)
            last = arm_values(arm, claim, seeds, locate, hi)
            ci = stats.interval(paired(last, first, "difference"))
            parts.append((arm.label, ci, stats.verdict(ci, 0.0, claim.sign), _improve(last, first)))
            for x in grid:
                v = arm_values(arm, claim, seeds, locate, x)
                means[f"{arm.label} @ {x:g}"] = float(np.mean(list(v.values()))) if v else float("nan")
    else:
        values = {arm.label: arm_values(arm, claim, seeds, locate) for arm in claim.arms}
        means = {k: float(np.mean(list(v.values()))) if v else float("nan") for k, v in values.items()}
        labels = [a.label for a in claim.arms]
        if claim.compare == "sign":
            ci = stats.interval(list(values[labels[0]].values()))
            parts.append((labels[0], ci, stats.verdict(ci, null, claim.sign), None))
        else:
            how = claim.compare if claim.compare in PAIRS else "difference"
            for a, b in zip(labels, labels[1:]):
                ci = stats.interval(paired(values[a], values[b], how))
                parts.append((f"{a} vs {b}", ci, stats.verdict(ci, null, claim.sign), _improve(values[a], values[b])))
    verdict = stats.combine([p[2] for p in parts])
    # the comparison that decides: the first contradicted, else the weakest
    order = {stats.CONTRADICTED: 0, stats.INCONCLUSIVE: 1, stats.REPRODUCED: 2}
    def margin(c: stats.Interval) -> float:  # how far the interval clears the null the paper's way
        edge = c.low - null if claim.sign > 0 else null - c.high
        return edge if np.isfinite(edge) else -np.inf

    what, ci, _, improve = min(parts, key=lambda p: (order[p[2]], margin(p[1])))
    paper_value = claim.paper_value if claim.paper_value is not None else _paper_value(claim)
    return {
        "claim": claim.id, "source": claim.source, "text": claim.text, "compare": claim.compare,
        "metric": claim.metric, "paper_value": paper_value, "paper_arms": _paper_arms(claim),
        "measured": ci.mean, "ci_low": ci.low, "ci_high": ci.high, "iqm": ci.iqm,
        "iqm_low": ci.iqm_low, "iqm_high": ci.iqm_high,
        **dict(zip(("p_improve", "p_improve_low", "p_improve_high"), improve or (None, None, None))),
        "n_seeds": ci.n, "verdict": verdict, "deciding": what,
        "paper_in_ci": ci.holds(paper_value) if claim.compare in ("relative", "ratio") else None,
        "arms": means, "parts": [(w, c.mean, c.low, c.high, c.n, v) for w, c, v, _ in parts],
    }


def _improve(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float] | None:
    """P(A > B) over the seeds both arms have, with its bootstrap interval
    (``analysis.robust``): the chance that a run of A beats a run of B.
    From ``IQM_SEEDS`` seeds, as the IQM."""
    seeds = sorted(set(a) & set(b))
    if len(seeds) < stats.IQM_SEEDS:
        return None
    return probability_of_improvement([a[s] for s in seeds], [b[s] for s in seeds])


def _paper_value(claim: Claim) -> float | None:
    p = [a.paper for a in claim.arms]
    if claim.compare not in PAIRS or None in p:
        return None
    a, b = p
    return {"difference": a - b, "relative": a / b - 1 if b else None, "ratio": a / b if b else None}[claim.compare]


def _paper_arms(claim: Claim) -> str:
    if all(a.paper is None for a in claim.arms):
        return ""
    sep = {"order": " > " if claim.sign > 0 else " < "}.get(claim.compare, " vs ")
    return sep.join(f"{a.label} {a.paper:g}" for a in claim.arms if a.paper is not None)
