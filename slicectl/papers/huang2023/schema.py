"""Schemas of huang2023's user and slice levels (conf/env/huang_*.yaml,
conf/model/huang.yaml)."""
from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional

from pydantic import Field, ValidationError, model_validator

from slicectl.config.schemas.base import Range, Strict
from slicectl.config.schemas.ran import CellEnvCfg, RadioCfg


class HuangModelCfg(RadioCfg):
    """conf/model/huang.yaml: one slice of huang2023 (slicectl.papers.huang2023.slice_model)."""

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
    """conf/env/huang_user.yaml (slicectl.papers.huang2023.user_env.HuangUserBatchEnv)."""

    tau: int = Field(ge=1)
    z_range: Range
    discrete: ClassVar[bool] = False

    @model_validator(mode="after")
    def _budget(self):
        if not 0 <= self.z_range[0] <= self.z_range[1] <= self.resource:
            raise ValueError("z_range must be [low, high] within [0, resource]")
        return self


class HuangSliceEnvCfg(Strict):
    """conf/env/huang_slice.yaml (slicectl.papers.huang2023.system.HuangSliceLevelBatchEnv)."""

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
                raise ValueError(f"slices.{i}{'.' + where if where else ''}: {msg}") from None
            if override.get("resource", self.user.resource) != self.user.resource:
                raise ValueError(f"slices.{i}.resource: every slice shares the system's R (user.resource)")
        return self


class PipelineCfg(Strict):
    transfer_steps: int = Field(ge=1)
    simplified_steps: int = Field(ge=1)
    simplified_penalty: float = Field(ge=0)
    realistic_steps: int = Field(ge=1)
    direct_steps: int = Field(ge=0)
    rounds: int = Field(ge=1)
    slice_steps: int = Field(ge=1)
    user_steps: int = Field(ge=1)
    table_seeds: int = Field(ge=2, le=100_000)


class HuangCfg(Strict):
    """The ``huang:`` section an experiment preset sets (conf/experiment/huang2023*.yaml)."""

    user_actions: Literal["absolute", "shares"]   # how every user-level agent acts (stage I on)
