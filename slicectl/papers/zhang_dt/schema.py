"""Schemas of zhang_digital_twin's config sections: ``twin`` (Algorithm 1),
``distill`` (§IV-A), ``offline`` (Algorithm 2) and ``landscape`` (eq. 11)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from slicectl.config.schemas.base import Strict


class TwinCfg(Strict):
    rounds: int = Field(ge=1)
    real_steps: int = Field(ge=1)
    twin_steps: int = Field(ge=1)
    zeta: float = Field(ge=0, le=1)
    window: int = Field(ge=1, le=1000)
    hidden: int = Field(ge=1)
    reward_hidden: list[int]
    epochs: int = Field(ge=1)
    lr: float = Field(gt=0)
    batch_size: int = Field(ge=1)
    holdout_every: int = Field(ge=2)
    reach_reward: float
    plain: bool


class DistillCfg(Strict):
    widths: list[int] = Field(min_length=1)
    steps: int = Field(ge=1)
    lr: float = Field(gt=0)
    batch_size: int = Field(ge=1)

    @model_validator(mode="after")
    def _widths(self):
        if min(self.widths) < 1:
            raise ValueError("student widths must be >= 1")
        return self


class OfflineCfg(Strict):
    dataset_steps: int = Field(ge=1)
    epochs: int = Field(ge=1)
    twin_steps: int = Field(ge=1)
    v: float = Field(ge=0)
    cql_alpha: float = Field(ge=0)
    evals: int = Field(ge=1)
    arms: list[Literal["dt", "plain", "cql"]] = Field(min_length=1)


class LandscapeCfg(Strict):
    transitions: int = Field(ge=1)
    range: float = Field(gt=0)
    points: int = Field(ge=3)

    @model_validator(mode="after")
    def _odd(self):
        if self.points % 2 == 0:
            raise ValueError("points must be odd, so that λ = 0 is on the grid")
        return self
