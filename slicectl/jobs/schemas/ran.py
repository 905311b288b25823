"""Schemas of the single-cell RAN envs: the 3-slice RAN (conf/env/ran.yaml)
and huang2023's user and slice levels (conf/env/huang_*.yaml)."""
from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional

from pydantic import Field, ValidationError, model_validator

from slicectl.jobs.schemas.base import Law, Range, Strict


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


class LinkCfg(Strict):
    """Radio keys of one BS and its users' links (slicectl.envs.radio)."""

    radius_m: float = Field(gt=0)
    min_distance_m: float = Field(gt=0)
    bandwidth_hz: float = Field(gt=0)
    tx_power_dbm: float
    noise_dbm_hz: float
    rx_gain_db: float
    path_loss_a_db: float
    path_loss_b_db: float = Field(gt=0)
    mimo_streams: float = Field(gt=0)

    @model_validator(mode="after")
    def _disc(self):
        if self.min_distance_m >= self.radius_m:
            raise ValueError("min_distance_m must be below radius_m")
        return self


class RadioCfg(LinkCfg):
    """Radio keys of a single cell in bandwidth units."""

    unit_hz: float = Field(gt=0)


class CellEnvCfg(RadioCfg):
    """Keys every single-cell environment has: batch, episodes, radio."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)


class RanEnvCfg(CellEnvCfg):
    """conf/env/ran.yaml (slicectl.envs.ran_env.RanBatchEnv)."""

    action_mode: Literal["discrete", "continuous"]
    n_users: int = Field(ge=1, le=10_000)
    rb_hz: float = Field(gt=0)
    shadowing_db: float = Field(ge=0)
    slot_ms: float = Field(gt=0)
    slots_per_step: int = Field(ge=1)
    buffer_packets: int = Field(ge=1)
    alpha: float = Field(ge=0)
    beta: list[float]
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
        if round(n) < len(self.slices):
            raise ValueError("fewer bandwidth units than slices: every slice needs one")
        if self.unit_hz < self.rb_hz:
            raise ValueError(f"unit_hz ({self.unit_hz:g}) is smaller than one resource block rb_hz ({self.rb_hz:g})")
        if len(self.beta) != len(self.slices):
            raise ValueError(f"beta has {len(self.beta)} weights for {len(self.slices)} slices")
        if self.obs_scale is not None and (len(self.obs_scale) != len(self.slices) or min(self.obs_scale) <= 0):
            raise ValueError("obs_scale needs one positive value per slice")
        return self


class HuangModelCfg(RadioCfg):
    """conf/model/huang.yaml: one slice of huang2023 (slicectl.envs.huang)."""

    n_users: int = Field(ge=1, le=1000)
    population_seed: Optional[int] = Field(ge=0)
    alpha: float = Field(ge=0)
    alpha_range: Optional[Range] = None
    resource: float = Field(gt=0)
    max_se: float = Field(gt=0)
    weight_range: Range
    demand_mbps: Range
    min_rate_mbps: Range
    traffic_rho: float = Field(ge=0, lt=1)
    traffic_sigma: float = Field(ge=0)
    congestion_step: int = Field(ge=0)
    congestion_factor: float = Field(gt=0)
    kappa: float = Field(ge=0)
    beta: float = Field(ge=0)
    leak: float = Field(ge=0)
    qos_margin: float = Field(gt=0)

    @model_validator(mode="after")
    def _ranges(self):
        for name in ("weight_range", "demand_mbps", "min_rate_mbps", "alpha_range"):
            value = getattr(self, name)
            if value is not None and not 0 <= value[0] <= value[1]:
                raise ValueError(f"{name} must be [low, high] with 0 <= low <= high")
        if self.demand_mbps[0] <= 0:
            raise ValueError("demand_mbps must be positive")
        return self


class HuangSliceUserCfg(HuangModelCfg):
    """A slice's keys beyond the model: how its users act and its traffic
    (the `user` block of conf/env/huang_slice.yaml; the user-level env too)."""

    action_mode: Literal["absolute", "shares"]
    scenario: Literal["ordinary", "congestion", "mixed"]
    congestion_prob: float = Field(ge=0.0, le=1.0)


class HuangUserEnvCfg(CellEnvCfg, HuangSliceUserCfg):
    """conf/env/huang_user.yaml (slicectl.envs.huang_env.HuangUserBatchEnv)."""

    tau: int = Field(ge=1)
    z_range: Range
    discrete: ClassVar[bool] = False

    @model_validator(mode="after")
    def _budget(self):
        if not 0 <= self.z_range[0] <= self.z_range[1] <= self.resource:
            raise ValueError("z_range must be [low, high] within [0, resource]")
        return self


class HuangSliceEnvCfg(Strict):
    """conf/env/huang_slice.yaml (slicectl.envs.huang_system.HuangSliceLevelBatchEnv)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    tau: int = Field(ge=1)
    action_mode: Literal["absolute", "shares"]
    realloc: bool
    realloc_penalty: float = Field(ge=0)
    user: HuangSliceUserCfg
    slices: list[dict[str, Any]] = Field(min_length=1)
    discrete: ClassVar[bool] = False

    @model_validator(mode="after")
    def _slices(self):
        if self.episode_steps % self.tau:
            raise ValueError(f"episode_steps ({self.episode_steps}) must be a multiple of tau ({self.tau})")
        base = self.user.model_dump(by_alias=True)
        for i, override in enumerate(self.slices):
            try:
                HuangSliceUserCfg.model_validate({**base, **override})
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                raise ValueError(f"slices[{i}]{'.' + where if where else ''}: {msg}") from None
            if override.get("resource", self.user.resource) != self.user.resource:
                raise ValueError(f"slices[{i}].resource: every slice shares the system's R (user.resource)")
        return self
