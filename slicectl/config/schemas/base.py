"""The base of every config schema: unknown keys are errors."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Range = tuple[float, float]   # [low, high] of a uniform draw


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Law(Strict):
    dist: Literal["constant", "uniform", "exponential", "pareto"]
    a: float
    b: float = 0.0
    c: float = 0.0

