"""Schemas of the config groups, one per ``_target_``: a group's keys,
types and ranges follow the class it builds."""
from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Law(Strict):
    dist: Literal["constant", "uniform", "exponential", "pareto"]
    a: float
    b: float = 0.0
    c: float = 0.0


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


class ServiceCfg(Strict):
    name: str
    size_bits: Law
    gap_ms: Law
    rate_sla_bps: float = Field(gt=0)


class PaperRewardCfg(Strict):
    qoe_upper: dict[Literal["volte", "embb", "urllc"], float]
    qoe_lower: dict[Literal["volte", "embb", "urllc"], float]
    upper_se_min: float
    upper_se_ref: float
    upper_profit_min: float
    upper_profit_low: float
    lower_se_min: float


class BiddingEnvCfg(LinkCfg):
    """conf/env/bidding.yaml (slicectl.envs.bidding_env)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    reward: Literal["utility", "paper"]
    bidding: Literal["random", "truthful"]
    table_draws: int = Field(ge=1, le=10_000)
    rb_hz: float = Field(gt=0)
    window_ms: float = Field(gt=0)
    bid_levels: int = Field(ge=1, le=1000)
    lower_units: int = Field(ge=3, le=200)
    rho: float = Field(ge=0)
    phi: list[float]
    omega: float = Field(ge=0)
    penalty_r: Optional[float] = Field(default=None, ge=0)
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


class OffPolicyCfg(Strict):
    """Keys every replay-based agent has."""

    target: str = Field(alias="_target_")
    hidden: list[int] = Field(min_length=1)
    gamma: float = Field(ge=0, le=1)
    tau: float = Field(gt=0, le=1)
    batch_size: int = Field(ge=1)
    buffer_size: int = Field(ge=1)
    learning_starts: int = Field(ge=0)

    @model_validator(mode="after")
    def _sizes(self):
        if min(self.hidden) < 1:
            raise ValueError("hidden layer widths must be >= 1")
        if self.buffer_size < self.batch_size:
            raise ValueError("buffer_size must hold at least one batch_size")
        return self


class DQNCfg(OffPolicyCfg):
    """conf/agent/dqn.yaml, ddqn.yaml, dueling_dqn.yaml (slicectl.agents.dqn.DQNAgent)."""

    lr: float = Field(gt=0, le=1)
    train_freq: int = Field(ge=1)
    double: bool
    dueling: bool
    eps_start: float = Field(ge=0, le=1)
    eps_end: float = Field(ge=0, le=1)
    eps_decay_steps: float = Field(gt=0)
    max_grad_norm: float = Field(gt=0)
    target_every: Optional[int] = Field(default=None, ge=1)
    discrete: ClassVar[bool] = True


class QLCfg(Strict):
    """conf/agent/ql.yaml (slicectl.agents.tabular.QLearningAgent)."""

    target: str = Field(alias="_target_")
    bins: int = Field(ge=1, le=1000)
    obs_low: float
    obs_high: float
    lr: float = Field(gt=0, le=1)
    gamma: float = Field(ge=0, le=1)
    eps_start: float = Field(ge=0, le=1)
    eps_end: float = Field(ge=0, le=1)
    eps_decay_steps: float = Field(gt=0)
    target_every: Optional[int] = Field(default=None, ge=1)
    learning_starts: int = Field(default=0, ge=0)
    buffer_size: Optional[int] = Field(default=None, ge=1)   # unused by a table (see the agent)
    hidden: Optional[list[int]] = None                       # unused by a table (see the agent)
    discrete: ClassVar[bool] = True

    @model_validator(mode="after")
    def _range(self):
        if self.obs_high <= self.obs_low:
            raise ValueError("obs_high must be above obs_low")
        return self


class GANDDQNCfg(DQNCfg):
    """conf/agent/dueling_gan_ddqn.yaml (slicectl.agents.gan_ddqn.GANDDQNAgent)."""

    n_samples: int = Field(ge=2, le=4096)
    n_cos: int = Field(ge=1, le=4096)
    disc_hidden: list[int] = Field(min_length=1)
    disc_lr: float = Field(gt=0, le=1)
    gp_weight: float = Field(ge=0)


Range = tuple[float, float]


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


class TD3Cfg(OffPolicyCfg):
    """conf/agent/td3*.yaml and ddpg*.yaml (slicectl.agents.td3.TD3Agent)."""

    actor_lr: float = Field(gt=0, le=1)
    critic_lr: float = Field(gt=0, le=1)
    policy_delay: int = Field(ge=1)
    n_critics: int = Field(ge=1, le=10)
    target_noise: float = Field(ge=0)
    noise_clip: float = Field(ge=0)
    sigma: float = Field(ge=0)
    epsilon: float = Field(ge=0, le=1)
    critic_hidden: Optional[list[int]] = Field(default=None, min_length=1)
    gradient_steps: int = Field(ge=1)
    action_l2: float = Field(ge=0)
    per_item: bool
    ddpg: bool
    discrete: ClassVar[bool] = False


class BaselineCfg(Strict):
    target: str = Field(alias="_target_")
    search: Optional[Literal["exhaustive", "coarse"]] = None
    coarse_units: Optional[int] = Field(default=None, ge=1)
    ftol: Optional[float] = Field(default=None, gt=0)
    rho: Optional[float] = Field(default=None, gt=0)
    tol: Optional[float] = Field(default=None, gt=0)
    grid_points: Optional[int] = Field(default=None, ge=3)
    max_iter: Optional[int] = Field(default=None, ge=1)




Range = tuple[float, float]


class IIoTEnvCfg(Strict):
    """conf/env/iiot.yaml (slicectl.envs.iiot_env)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    n_igws: int = Field(ge=1, le=100)
    devices_per_igw: int = Field(ge=1, le=1000)
    data_kb: Range
    t_max_s: Range
    noisy_ratio: float = Field(ge=0, le=1)
    acc_ul: Range
    acc_uh: Range
    acc_dl: Range
    acc_dh: Range
    size_mb: tuple[Range, Range]
    workload_mcycles: tuple[Range, Range]
    device_power_dbm: float
    igw_power_dbm: float
    noise_dbm: float
    igw_bandwidth_hz: float = Field(gt=0)
    bs_bandwidth_hz: float = Field(gt=0)
    igw_compute_hz: float = Field(gt=0)
    bs_compute_hz: float = Field(gt=0)
    igw_cache_mb: float = Field(ge=0)
    bs_cache_mb: float = Field(ge=0)
    rate_bs_igw_bps: float = Field(gt=0)
    rate_cloud_bs_bps: float = Field(gt=0)
    device_radius_m: float = Field(gt=0)
    igw_distance_m: Range
    path_loss_a_db: float
    path_loss_b_db: float = Field(gt=0)
    share_floor: float = Field(gt=0, le=1)
    shared_links: bool
    discrete: ClassVar[bool] = False

    @model_validator(mode="after")
    def _ranges(self):
        ranges = {"data_kb": self.data_kb, "t_max_s": self.t_max_s, "igw_distance_m": self.igw_distance_m,
                  "size_mb[0]": self.size_mb[0], "size_mb[1]": self.size_mb[1],
                  "workload_mcycles[0]": self.workload_mcycles[0],
                  "workload_mcycles[1]": self.workload_mcycles[1]}
        ranges.update({k: getattr(self, k) for k in ("acc_ul", "acc_uh", "acc_dl", "acc_dh")})
        for name, (lo, hi) in ranges.items():
            if not 0 < lo <= hi:
                raise ValueError(f"{name} must be [low, high] with 0 < low <= high, not [{lo}, {hi}]")
        for name in ("acc_ul", "acc_uh", "acc_dl", "acc_dh"):
            if getattr(self, name)[1] > 1:
                raise ValueError(f"{name}: an accuracy cannot exceed 1")
        return self


ENV_SCHEMAS: dict[str, type[BaseModel]] = {
    "slicectl.envs.iiot_env.IIoTBatchEnv": IIoTEnvCfg,
    "slicectl.envs.ran_env.RanBatchEnv": RanEnvCfg,
    "slicectl.envs.huang_env.HuangUserBatchEnv": HuangUserEnvCfg,
    "slicectl.envs.huang_system.HuangSliceLevelBatchEnv": HuangSliceEnvCfg,
    "slicectl.envs.bidding_env.LowerTierBatchEnv": BiddingEnvCfg,
    "slicectl.envs.bidding_env.UpperTierBatchEnv": BiddingEnvCfg,
}
AGENT_SCHEMAS: dict[str, type[BaseModel]] = {
    "slicectl.agents.dqn.DQNAgent": DQNCfg,
    "slicectl.agents.gan_ddqn.GANDDQNAgent": GANDDQNCfg,
    "slicectl.agents.tabular.QLearningAgent": QLCfg,
    "slicectl.agents.td3.TD3Agent": TD3Cfg,
}
