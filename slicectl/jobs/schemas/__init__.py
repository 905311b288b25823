"""Schemas of the config groups, one per ``_target_``: a group's keys,
types and ranges follow the class it builds. One module per system."""
from __future__ import annotations

from pydantic import BaseModel

from slicectl.jobs.schemas.agents import BaselineCfg, DQNCfg, GANDDQNCfg, QLCfg, TD3Cfg
from slicectl.jobs.schemas.base import Strict
from slicectl.jobs.schemas.bidding import BiddingEnvCfg
from slicectl.jobs.schemas.iiot import IIoTEnvCfg
from slicectl.jobs.schemas.multicell import MulticellEnvCfg
from slicectl.jobs.schemas.ran import HuangSliceEnvCfg, HuangUserEnvCfg, RanEnvCfg

__all__ = ["AGENT_SCHEMAS", "ENV_SCHEMAS", "BaselineCfg", "Strict"]

ENV_SCHEMAS: dict[str, type[BaseModel]] = {
    "slicectl.envs.iiot_env.IIoTBatchEnv": IIoTEnvCfg,
    "slicectl.envs.multicell_env.MulticellBatchEnv": MulticellEnvCfg,
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
