"""The statistics of a claim: per-seed paired values, their 95% Student-t
interval, the interquartile mean (with its bootstrap interval,
``analysis.robust``), and the verdict.

A claim is measured as one number per seed (arm A minus arm B on that seed,
A / B, the change along a sweep...), so the arms' shared randomness (the
same seed, the same evaluation cells) cancels. The verdict reads the
interval of those numbers against the null value:

- ``reproduced``: the interval excludes the null on the paper's side;
- ``contradicted``: it excludes it on the other side;
- ``inconclusive``: it holds the null (or there are fewer than 2 seeds).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from slicectl.analysis.robust import iqm_interval

REPRODUCED, CONTRADICTED, INCONCLUSIVE = "reproduced", "contradicted", "inconclusive"
IQM_SEEDS = 5     # the interquartile mean is reported from this many seeds up


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int
    iqm: float | None
    iqm_low: float | None = None
    iqm_high: float | None = None

    def holds(self, value: float | None) -> bool | None:
        if value is None or not np.isfinite(self.low):
            return None
        return bool(self.low <= value <= self.high)


def interval(values, confidence: float = 0.95) -> Interval:
    """Mean and Student-t interval of per-seed values (NaN bounds below 2 seeds)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0, None)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), n, None)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    if n < IQM_SEEDS:
        return Interval(mean, mean - half, mean + half, n, None)
    return Interval(mean, mean - half, mean + half, n, *iqm_interval(x, confidence))


def verdict(ci: Interval, null: float, sign: int) -> str:
    """``sign`` +1: the paper has the value above ``null``; -1: below."""
    if ci.n < 2 or not np.isfinite(ci.low):
        return INCONCLUSIVE
    if ci.low == ci.high == null:
        return INCONCLUSIVE
    if (ci.low > null and sign > 0) or (ci.high < null and sign < 0):
        return REPRODUCED
    if (ci.high < null and sign > 0) or (ci.low > null and sign < 0):
        return CONTRADICTED
    return INCONCLUSIVE


def combine(verdicts: list[str]) -> str:
    """Several comparisons that must all hold (an order, a trend for every
    method): contradicted if any is, reproduced if all are."""
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    if verdicts and all(v == REPRODUCED for v in verdicts):
        return REPRODUCED
    return INCONCLUSIVE
