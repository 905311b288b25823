"""Every config value, typed and ranged (pydantic). A job validates its whole
config before any work; the first problem becomes one line naming the key."""
from __future__ import annotations

import difflib
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from slicectl.runner.errors import UserError

Pos = Field(gt=0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Law(_Strict):
    dist: Literal["constant", "uniform", "exponential", "pareto"]
    a: float
    b: float = 0.0
    c: float = 0.0


class SliceCfg(_Strict):
    name: str
    share: float = Field(gt=0)
    size_bits: Law
    gap_ms: Law
    rate_sla_bps: float = Field(gt=0)
    latency_ms: float = Field(gt=0)


class RewardCfg(_Strict):
    gamma_min: float
    gamma_max: float
    sigma: float = Field(ge=0)


class RanEnvCfg(_Strict):
    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    action_mode: Literal["discrete", "continuous"]
    episode_steps: int = Field(ge=1)
    n_users: int = Field(ge=1, le=10_000)
    radius_m: float = Field(gt=0)
    min_distance_m: float = Field(gt=0)
    bandwidth_hz: float = Field(gt=0)
    unit_hz: float = Field(gt=0)
    rb_hz: float = Field(gt=0)
    tx_power_dbm: float
    noise_dbm_hz: float
    rx_gain_db: float
    path_loss_a_db: float
    path_loss_b_db: float = Field(gt=0)
    shadowing_db: float = Field(ge=0)
    mimo_streams: float = Field(gt=0)
    slot_ms: float = Field(gt=0)
    slots_per_step: int = Field(ge=1)
    buffer_packets: int = Field(ge=1)
    alpha: float = Field(ge=0)
    beta: list[float]
    obs_scale: Optional[list[float]]
    reward: RewardCfg
    slices: list[SliceCfg] = Field(min_length=2)

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
        if self.min_distance_m >= self.radius_m:
            raise ValueError("min_distance_m must be below radius_m")
        return self


class DQNCfg(_Strict):
    target: str = Field(alias="_target_")
    hidden: list[int] = Field(min_length=1)
    lr: float = Field(gt=0, le=1)
    gamma: float = Field(ge=0, le=1)
    batch_size: int = Field(ge=1)
    buffer_size: int = Field(ge=1)
    learning_starts: int = Field(ge=0)
    train_freq: int = Field(ge=1)
    tau: float = Field(gt=0, le=1)
    double: bool
    dueling: bool
    eps_start: float = Field(ge=0, le=1)
    eps_end: float = Field(ge=0, le=1)
    eps_decay_steps: float = Field(gt=0)
    max_grad_norm: float = Field(gt=0)

    @model_validator(mode="after")
    def _sizes(self):
        if min(self.hidden) < 1:
            raise ValueError("hidden layer widths must be >= 1")
        if self.buffer_size < self.batch_size:
            raise ValueError("buffer_size must hold at least one batch_size")
        return self


class BaselineCfg(_Strict):
    target: str = Field(alias="_target_")
    search: Optional[Literal["exhaustive", "coarse"]] = None
    coarse_units: Optional[int] = Field(default=None, ge=1)


class TrainCfg(_Strict):
    num_envs: int = Field(ge=1, le=4096)
    total_steps: int = Field(ge=1)
    eval_every: int = Field(ge=1)


class EvalCfg(_Strict):
    n_seeds: int = Field(ge=2, le=10_000)
    seed_base: int = Field(ge=0)
    steps: int = Field(ge=1)
    oracle: bool


class JobCfg(_Strict):
    name: Literal["train", "eval"]


class RootCfg(_Strict):
    env: RanEnvCfg
    agent: DQNCfg
    baseline: Optional[BaselineCfg] = None
    job: JobCfg
    seed: int = Field(ge=0, lt=2**31)
    device: Literal["cpu", "cuda"]
    name: Optional[str]
    resume: Optional[str]
    run_dir: Optional[str]
    checkpoint: Literal["best", "last"]
    train: TrainCfg
    eval: EvalCfg

    @model_validator(mode="after")
    def _agent_fits_env(self):
        if self.job.name == "train" and self.env.action_mode != "discrete":
            raise ValueError(f"agent {self.agent.target.rsplit('.', 1)[-1]} needs discrete actions; "
                             f"env.action_mode={self.env.action_mode} is for continuous agents")
        return self

    @model_validator(mode="after")
    def _device_exists(self):
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ValueError("device=cuda, but torch sees no CUDA device; use device=cpu")
        return self


def validate(cfg: dict) -> RootCfg:
    """Check the resolved config; raise UserError with one line on the first problem."""
    try:
        return RootCfg.model_validate(cfg)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key" + did_you_mean(str(err["loc"][-1]), _fields_at(err["loc"][:-1]))
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
        raise UserError(f"{loc}: {msg}" if loc else msg) from None


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def _fields_at(loc) -> list[str]:
    model: type[BaseModel] = RootCfg
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        for cand in (ann, *getattr(ann, "__args__", ())):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                model = cand
                break
        else:
            return []
    return [f.alias or n for n, f in model.model_fields.items()]
