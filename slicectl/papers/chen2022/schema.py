"""Schema of chen2022's two-tier bidding market (conf/env/bidding.yaml)."""
from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field, model_validator

from slicectl.config.schemas.base import Law, Strict
from slicectl.config.schemas.ran import LinkAdaptationCfg, LinkCfg


class ServiceCfg(Strict):
    name: str
    size_bits: Law
    gap_ms: Law
    rate_sla_bps: float = Field(gt=0)


class PaperRewardCfg(Strict):
    qoe_upper: dict[Literal["volte", "embb", "urllc"], float]
    qoe_lower: dict[Literal["volte", "embb", "urllc"], float]
    upper_se_min: float = Field(ge=0)       # on the paper's scale: scaled by the market's
    upper_se_ref: float = Field(ge=0)       # reference SE / paper_se and profit / paper_profit
    upper_profit_min: float = Field(ge=0)
    upper_profit_low: float = Field(ge=0)
    lower_se_min: float = Field(ge=0)
    paper_se: float = Field(gt=0)
    paper_profit: float = Field(gt=0)


class BiddingEnvCfg(LinkCfg, LinkAdaptationCfg):
    """conf/env/bidding.yaml (slicectl.papers.chen2022.env)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    reward: Literal["utility", "paper"]
    bidding: Literal["random", "truthful"]
    upper_action: Literal["independent", "joint"]
    table_draws: int = Field(ge=1, le=10_000)
    rb_hz: float = Field(gt=0)
    window_ms: float = Field(gt=0)
    bid_levels: int = Field(ge=1, le=1000)
    lower_units: int = Field(ge=3, le=200)
    rho: float = Field(ge=0)
    phi: list[float]
    omega: float = Field(ge=0)
    penalty_r: Optional[float] = Field(ge=0)
    rate_unit_bps: float = Field(gt=0)
    mix: list[list[int]] = Field(min_length=1)
    services: list[ServiceCfg]
    paper_reward: PaperRewardCfg
    discrete: ClassVar[bool] = True

    @model_validator(mode="after")
    def _consistent(self):
        n = self.bandwidth_hz / self.rb_hz
        if abs(n - round(n)) > 1e-6:
            raise ValueError(f"bandwidth_hz ({self.bandwidth_hz:g}) is not a whole number of rb_hz ({self.rb_hz:g})")
        names = [s.name for s in self.services]
        if sorted(names) != ["embb", "urllc", "volte"]:
            raise ValueError(f"services must be volte, embb and urllc (got {names})")
        if len(self.phi) != len(self.services):
            raise ValueError(f"phi has {len(self.phi)} weights for {len(self.services)} services")
        for m, row in enumerate(self.mix):
            if len(row) != len(self.services) or min(row) < 0 or sum(row) == 0:
                raise ValueError(f"mix[{m}] needs {len(self.services)} user counts >= 0, not all 0")
        return self


class BiddingCfg(Strict):
    lower_steps: int = Field(ge=1)
    upper_steps: int = Field(ge=1)
