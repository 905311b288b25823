"""Bandwidth splits: discrete action tables, weights onto the simplex, shares -> units."""
from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np


@lru_cache(maxsize=16)
def split_table(n_units: int, n_slices: int) -> np.ndarray:
    """All ways to split ``n_units`` into ``n_slices`` parts of at least one unit,
    in lexicographic order, shape (C(n-1, S-1), S). 100 units, 3 slices -> 4851."""
    if n_units < n_slices:
        raise ValueError(f"{n_units} units cannot give each of {n_slices} slices one unit")
    rows = []
    for cuts in combinations(range(1, n_units), n_slices - 1):
        edges = (0, *cuts, n_units)
        rows.append([edges[i + 1] - edges[i] for i in range(n_slices)])
    table = np.asarray(rows, dtype=np.int64)
    table.setflags(write=False)
    return table


def normalise_shares(weights: np.ndarray) -> np.ndarray:
    """Weights (..., S) onto the simplex (eq. 1 of hu): w / Σw along the last
    axis. Negative or non-finite weights count as 0; an all-zero row is an
    equal split."""
    w = np.nan_to_num(np.asarray(weights, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    w = np.clip(w, 0.0, None)
    total = w.sum(axis=-1, keepdims=True)
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / w.shape[-1])


def shares_to_units(shares: np.ndarray, n_units: int) -> np.ndarray:
    """Map shares on the simplex (B, S) to integer units, >= 1 each, summing to
    ``n_units``: one unit each, the rest by largest remainder. Negative or
    non-finite shares count as 0; an all-zero row is an equal split."""
    shares = normalise_shares(shares)
    n_slices = shares.shape[-1]
    free = n_units - n_slices
    exact = shares * free
    units = np.floor(exact).astype(np.int64)
    short = free - units.sum(axis=-1)
    order = np.argsort(-(exact - units), axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    units += rank < short[..., None]
    return units + 1
