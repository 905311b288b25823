"""Shared timing helper of the benchmarks."""
from __future__ import annotations

import time
from collections.abc import Callable


def calls_per_second(fn: Callable[[], object], calls: int, warmup: int = 20) -> float:
    """Rate of ``fn()`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - t0)
