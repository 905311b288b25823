"""Schemas of the agents (conf/agent/) and the baselines' options."""
from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field, model_validator

from slicectl.config.schemas.base import Strict
from slicectl.errors import UserError
from slicectl.runner import memory


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
        # lower bounds whatever the env (make_agent checks again with its sizes):
        # a transition holds an observation and the next, 4 B each
        try:
            memory.require("buffer_size", self.buffer_size, 8 * self.buffer_size, "a replay buffer")
            memory.require("hidden", self.hidden, 16 * memory.network_weights([1, *self.hidden, 1]), "a network")
        except UserError as exc:
            raise ValueError(str(exc)) from None
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
    target_every: Optional[int] = Field(ge=1)
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
    target_every: Optional[int] = Field(ge=1)
    learning_starts: int = Field(ge=0)
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
    critic_hidden: Optional[list[int]] = Field(min_length=1)
    gradient_steps: int = Field(ge=1, le=1000)
    action_l2: float = Field(ge=0)
    random_warmup: bool
    per_item: bool
    ddpg: bool
    discrete: ClassVar[bool] = False


class BaselineCfg(Strict):
    name: str
    search: Optional[Literal["exhaustive", "coarse"]] = None
    coarse_units: Optional[int] = Field(default=None, ge=1)
    ftol: Optional[float] = Field(default=None, gt=0)
    rho: Optional[float] = Field(default=None, gt=0)
    tol: Optional[float] = Field(default=None, gt=0)
    grid_points: Optional[int] = Field(default=None, ge=3)
    max_iter: Optional[int] = Field(default=None, ge=1)
