"""Exploration schedules."""
from __future__ import annotations

import math


def epsilon(step: int, start: float, end: float, decay_steps: float) -> float:
    """ε for ε-greedy: exponential decay from ``start`` toward ``end`` with time
    constant ``decay_steps`` (the reference simulator's schedule)."""
    return end + (start - end) * math.exp(-step / decay_steps)
