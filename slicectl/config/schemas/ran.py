"""Schemas of the single-cell RAN envs: the radio every cell model shares and
the 3-slice RAN (conf/env/ran.yaml)."""
from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional

from pydantic import Field, ValidationError, model_validator

from slicectl.config.schemas.base import Law, Range, Strict


MAX_UNITS = 1000   # bandwidth units of one cell: the discrete action count grows as units²


class SliceCfg(Strict):
    name: str
    share: float = Field(gt=0)
    size_bits: Law
    gap_ms: Law
    rate_sla_bps: float = Field(gt=0)
    latency_ms: float = Field(gt=0)


class RewardCfg(Strict):
    gamma_min: float
    gamma_max: float
    sigma: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self):
        if self.gamma_min > self.gamma_max:
            raise ValueError(f"gamma_min ({self.gamma_min:g}) is above gamma_max ({self.gamma_max:g})")
        return self


class LinkCfg(Strict):
    """Radio keys of one BS and its users' links (slicectl.sim.radio)."""

    radius_m: float = Field(gt=0, le=1e5)
    min_distance_m: float = Field(gt=0)
    bandwidth_hz: float = Field(gt=0, le=1e11)
    tx_power_dbm: float = Field(ge=-50, le=80)      # a UE at -50 dBm to a macro cell's 80
    noise_dbm_hz: float = Field(ge=-220, le=-100)   # thermal noise is -174 dBm/Hz
    rx_gain_db: float
    path_loss_a_db: float
    path_loss_b_db: float = Field(gt=0)
    mimo_streams: float = Field(gt=0)

    @model_validator(mode="after")
    def _disc(self):
        if self.min_distance_m >= self.radius_m:
            raise ValueError("min_distance_m must be below radius_m")
        return self


class LinkAdaptationCfg(Strict):
    """What a layer carries at an SNR (slicectl.sim.radio.LinkParams): the
    reference radio's plain Shannon (1, null, null) or a link-adapted one
    (conf/radio/realistic.yaml)."""

    se_alpha: float = Field(gt=0, le=1)
    se_max: Optional[float] = Field(gt=0, le=20)          # bit/s/Hz per layer; 256-QAM tops at 7.4
    sinr_min_db: Optional[float] = Field(ge=-30, le=30)


class RadioCfg(LinkCfg):
    """Radio keys of a single cell in bandwidth units."""

    unit_hz: float = Field(gt=0)


class CellEnvCfg(RadioCfg):
    """Keys every single-cell environment has: batch, episodes, radio."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)


class RanEnvCfg(CellEnvCfg, LinkAdaptationCfg):
    """conf/env/ran.yaml (slicectl.sim.ran_env.RanBatchEnv)."""

    action_mode: Literal["discrete", "continuous"]
    n_users: int = Field(ge=1, le=10_000)
    rb_hz: float = Field(gt=0)
    shadowing_db: float = Field(ge=0)
    slot_ms: float = Field(gt=0)
    slots_per_step: int = Field(ge=1, le=100_000)
    buffer_packets: int = Field(ge=1, le=100_000)
    alpha: float = Field(ge=0, le=1e6)
    beta: list[float]
    observe: Literal["arrivals", "demand"]
    obs_scale: Optional[list[float]]
    reward: RewardCfg
    slices: list[SliceCfg] = Field(min_length=2)

    @property
    def discrete(self) -> bool:
        return self.action_mode == "discrete"

    @model_validator(mode="after")
    def _consistent(self):
        n = self.bandwidth_hz / self.unit_hz
        if abs(n - round(n)) > 1e-6:
            raise ValueError(f"bandwidth_hz ({self.bandwidth_hz:g}) is not a whole number of unit_hz ({self.unit_hz:g})")
        if round(n) > MAX_UNITS:
            raise ValueError(f"bandwidth_hz / unit_hz = {n:g} bandwidth units; at most {MAX_UNITS}")
        if round(n) < len(self.slices):
            raise ValueError("fewer bandwidth units than slices: every slice needs one")
        if self.unit_hz < self.rb_hz:
            raise ValueError(f"unit_hz ({self.unit_hz:g}) is smaller than one resource block rb_hz ({self.rb_hz:g})")
        if len(self.beta) != len(self.slices) or min(self.beta) < 0:
            raise ValueError(f"beta needs one weight >= 0 per slice ({len(self.slices)}); got {self.beta}")
        if self.obs_scale is not None and (len(self.obs_scale) != len(self.slices) or min(self.obs_scale) <= 0):
            raise ValueError("obs_scale needs one positive value per slice")
        return self
