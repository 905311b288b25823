"""Robust aggregate statistics over seeds, after Agarwal et al. (2021),
"Deep RL at the edge of the statistical precipice": the interquartile mean
with a stratified bootstrap interval, and the probability of improvement.

Both are computed with ``scipy.stats.bootstrap`` (percentile intervals,
a fixed generator, so a table is the same each time it is made) rather than
by hand. A *stratum* is one task, or one point of a sweep: its runs are
resampled among themselves, never mixed with another stratum's, so a pooled
figure keeps each point's weight.

- ``iqm``: the mean of the middle 50% of the values (``trim_mean(x, 0.25)``;
  with fewer than 4 values nothing is trimmed and it is the mean).
- ``iqm_interval``: the IQM of all strata pooled, and its bootstrap interval.
- ``probability_of_improvement``: P(X > Y), the Mann-Whitney statistic of
  each stratum's runs of X against its runs of Y (ties count a half),
  averaged over strata, with its bootstrap interval (X and Y resampled
  independently in every stratum).

- ``performance_profile``: the fraction of runs whose score exceeds each
  threshold τ, with a bootstrap band (the run-score distribution that
  ``slicectl plot --profile`` draws).

An interval needs two or more values in every stratum; otherwise it is NaN.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import stats

RESAMPLES = 2000
SEED = 0


def iqm(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(stats.trim_mean(x, 0.25)) if x.size else float("nan")


def _strata(values) -> list[np.ndarray]:
    """One array (a flat list is one stratum), non-finite values dropped."""
    if len(values) and np.ndim(values[0]) == 0:
        values = [values]
    return [x[np.isfinite(x)] for x in (np.asarray(v, dtype=np.float64) for v in values)]


def _bootstrap(samples: list[np.ndarray], statistic, confidence: float) -> tuple[float, float]:
    if not samples or any(len(s) < 2 for s in samples):
        return float("nan"), float("nan")
    if all(np.ptp(s) == 0 for s in samples):   # nothing to resample: the interval is the point
        v = float(statistic(*[s[None, :] for s in samples], axis=-1)[0])
        return v, v
    res = stats.bootstrap(samples, statistic, vectorized=True, paired=False, confidence_level=confidence,
                          n_resamples=RESAMPLES, method="percentile", rng=np.random.default_rng(SEED))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def iqm_interval(values: Sequence, confidence: float = 0.95) -> tuple[float, float, float]:
    """(IQM, low, high) of ``values``: one sequence of per-seed values, or
    a sequence of strata (one per task or sweep point)."""
    strata = _strata(values)
    if not any(len(s) for s in strata):
        return float("nan"), float("nan"), float("nan")

    def pooled(*s, axis=-1):
        return stats.trim_mean(np.concatenate(s, axis=axis), 0.25, axis=axis)

    low, high = _bootstrap(strata, pooled, confidence)
    return iqm(np.concatenate(strata)), low, high


def _p_greater(x, y, axis=-1):
    """P(X > Y) + P(X = Y) / 2 over every pair of a run of X and one of Y."""
    diff = np.expand_dims(x, -1) - np.expand_dims(y, -2)
    return ((diff > 0).mean(axis=(-1, -2)) + 0.5 * (diff == 0).mean(axis=(-1, -2)))


def probability_of_improvement(x: Sequence, y: Sequence, confidence: float = 0.95) -> tuple[float, float, float]:
    """(P(X > Y), low, high): per stratum, the chance that a run of X beats
    a run of Y, averaged over strata. ``x`` and ``y`` are per-seed values
    or matching sequences of strata."""
    xs, ys = _strata(x), _strata(y)
    if len(xs) != len(ys):
        raise ValueError("x and y need the same strata")
    keep = [(a, b) for a, b in zip(xs, ys) if len(a) and len(b)]
    if not keep:
        return float("nan"), float("nan"), float("nan")
    xs, ys = [a for a, _ in keep], [b for _, b in keep]
    m = len(xs)

    def statistic(*s, axis=-1):
        return np.mean([_p_greater(s[i], s[m + i]) for i in range(m)], axis=0)

    point = float(np.mean([_p_greater(a, b) for a, b in zip(xs, ys)]))
    low, high = _bootstrap([*xs, *ys], statistic, confidence)
    return point, low, high


def performance_profile(values: Sequence, taus: np.ndarray, confidence: float = 0.95
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fraction, low, high) at each τ of ``taus``: the share of runs (pooled
    over strata, each resampled within itself) scoring above τ."""
    strata = _strata(values)
    pooled = np.concatenate(strata)
    fraction = np.array([(pooled > t).mean() for t in taus])
    bands = np.array([_bootstrap(strata, lambda *s, axis=-1, t=t: (np.concatenate(s, axis=axis) > t).mean(axis=axis),
                                 confidence) for t in taus])
    return fraction, bands[:, 0], bands[:, 1]
