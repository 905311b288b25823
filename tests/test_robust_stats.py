"""analysis.robust (IQM with a stratified bootstrap interval, probability of
improvement) against plain-Python references, and where report and
reproduce show them."""
from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from slicectl.analysis.robust import iqm, iqm_interval, performance_profile, probability_of_improvement


def _iqm_reference(xs: list[float]) -> float:
    """Drop the lowest and highest quarter (rounded down), average the rest."""
    xs = sorted(xs)
    k = int(0.25 * len(xs))
    kept = xs[k:len(xs) - k]
    return sum(kept) / len(kept)


def _p_reference(xs: list[float], ys: list[float]) -> float:
    wins = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in xs for y in ys)
    return wins / (len(xs) * len(ys))


def test_iqm_drops_the_outer_quarters_as_the_reference_does():
    rng = random.Random(1)
    for n in (1, 3, 4, 5, 8, 10, 13):
        xs = [rng.gauss(0, 1) for _ in range(n)]
        assert iqm(xs) == pytest.approx(_iqm_reference(xs))
    assert iqm([0.277, 0.90, 0.91, 0.92, 0.93]) == pytest.approx((0.90 + 0.91 + 0.92) / 3)  # a collapsed seed


def test_probability_of_improvement_counts_every_pair_ties_a_half():
    xs, ys = [1.0, 2.0, 3.0, 3.0, 5.0], [0.0, 3.0, 2.5, 10.0, 1.0]
    p, low, high = probability_of_improvement(xs, ys)
    assert p == pytest.approx(_p_reference(xs, ys))
    assert low <= p <= high


def test_stratified_figures_average_strata_and_resample_within_them():
    # every run of X beats every run of Y in stratum 1, none in stratum 2:
    # whatever is resampled within the strata, P stays 1/2
    assert probability_of_improvement([[1, 2, 3], [5, 6]], [[0, 0, 0], [7, 8]]) == (0.5, 0.5, 0.5)
    strata = [[1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0]]
    value, low, high = iqm_interval(strata)
    assert value == pytest.approx(_iqm_reference(list(itertools.chain(*strata))))
    # a resample keeps 3 runs from the low stratum and 4 from the high one:
    # the pooled IQM can never reach the all-high or all-low values
    assert 2.0 < low <= value <= high < 12.0


def test_bootstrap_interval_covers_the_iqm_of_a_normal_sample_and_is_repeatable():
    rng = np.random.default_rng(3)
    x = rng.normal(1.0, 0.5, size=10)
    a = iqm_interval(x)
    assert a == iqm_interval(x)               # a fixed generator: the same table each time
    assert a[1] < a[0] < a[2] and a[2] - a[1] < 1.5


def test_an_interval_needs_two_runs_in_every_stratum():
    value, low, high = iqm_interval([1.0])
    assert value == 1.0 and np.isnan(low) and np.isnan(high)
    assert np.isnan(iqm_interval([[1.0, 2.0], [3.0]])[1])
    assert iqm_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


def test_performance_profile_is_the_share_of_runs_above_each_threshold():
    runs = [0.2, 0.5, 0.5, 0.9, 1.0]
    taus = np.array([0.0, 0.2, 0.5, 0.95, 1.0])
    fraction, low, high = performance_profile(runs, taus)
    assert fraction.tolist() == [sum(r > t for r in runs) / 5 for t in taus]
    assert (low <= fraction).all() and (fraction <= high).all()
    assert low[0] == high[0] == 1.0 and low[-1] == high[-1] == 0.0   # every run, no run
