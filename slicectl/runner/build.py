"""Objects from config: environments, agents, baselines; registered targets only."""
from __future__ import annotations

import inspect

import numpy as np
from gymnasium import spaces
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from slicectl import registry
from slicectl.agents.independent import IndependentAgents
from slicectl.runner import memory
from slicectl.errors import Unavailable, UserError, did_you_mean


def check_targets(cfg: DictConfig, where: str = "") -> None:
    """Refuse any ``_target_`` the registry does not list (``os.system``...)."""
    node = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else cfg
    _walk_targets(node, where, registry.trusted_targets())


def _walk_targets(node, where: str, trusted: set[str]) -> None:
    if isinstance(node, dict):
        t = node.get("_target_")
        if t is not None and t not in trusted:
            raise UserError(f"{where + '.' if where else ''}_target_: {t!r} is not a target slicectl "
                            f"lists (its envs and agents){did_you_mean(str(t), trusted)}; refused")
        for k, v in node.items():
            _walk_targets(v, f"{where}.{k}" if where else str(k), trusted)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk_targets(v, f"{where}[{i}]", trusted)


def make_env(env_cfg: DictConfig, num_envs: int):
    check_targets(env_cfg, "env")
    return instantiate(env_cfg, num_envs=num_envs, _convert_="all")


def make_agent(agent_cfg: DictConfig, env, seed: int, device: str):
    """An agent sized to the env's spaces: discrete agents get the number of
    actions; continuous ones the action box and the env's feasible sampler.
    A multi-agent env (``MultiDiscrete`` actions, observations (M, d)) gets
    one such agent per column, each with its own seed."""
    check_targets(agent_cfg, "agent")
    space = env.action_space
    if isinstance(space, spaces.MultiDiscrete):
        obs_dim = int(env.observation_space.shape[-1])
        return IndependentAgents([
            instantiate(agent_cfg, obs_dim=obs_dim, n_actions=int(n), seed=seed * 1009 + m,
                        device=device, _convert_="all")
            for m, n in enumerate(space.nvec)])
    sizes = ({"n_actions": int(space.n)} if isinstance(space, spaces.Discrete) else
             {"action_dim": int(np.prod(space.shape)), "low": space.low.reshape(-1),
              "high": space.high.reshape(-1), "sampler": env.sampler})
    obs_dim = int(np.prod(env.observation_space.shape))
    _check_memory(agent_cfg, obs_dim, sizes.get("n_actions") or sizes["action_dim"])
    if getattr(env, "n_agents", None) is not None:  # hu's cells: one agent each, stacked (agents=K)
        sizes["agents"] = int(env.n_agents)  # which agents can be stacked: schema.validate
    if "per_item" in agent_cfg:  # one network shared by the env's items (zhang2021's tasks)
        if agent_cfg.per_item:
            if getattr(env, "n_items", None) is None:
                raise UserError("agent.per_item=true needs an env whose observation and action are "
                                "per-item blocks (env=iiot); this env has none")
            sizes["items"] = int(env.n_items)
        agent_cfg = OmegaConf.create({k: v for k, v in agent_cfg.items() if k != "per_item"})
    return instantiate(agent_cfg, obs_dim=obs_dim, seed=seed,
                       device=device, _convert_="all", **sizes)


def _check_memory(agent_cfg: DictConfig, obs_dim: int, outputs: int) -> None:
    """Lower bounds for this env: a network and its target and Adam's two
    moments (16 B a weight); a replay of observation pairs (8 B a value)."""
    if agent_cfg.get("hidden") is not None:
        hidden = list(agent_cfg.hidden)
        weights = memory.network_weights([obs_dim, *hidden, outputs])
        memory.require("agent.hidden", hidden, 16 * weights, f"a network of {weights:,} weights for this env")
    if agent_cfg.get("buffer_size") is not None:
        n = int(agent_cfg.buffer_size)
        memory.require("agent.buffer_size", n, 8 * n * obs_dim, f"a replay buffer of {n:,} transitions")


def make_baseline(cfg, env, seed: int):
    """Baseline ``cfg.name`` (conf/baseline/<name>.yaml: its options) in the
    version the registry lists for this env, else its generic version."""
    target = f"{type(env).__module__}.{type(env).__qualname__}"
    entry = registry.baseline(str(cfg["name"]), target)
    if entry is None:
        raise Unavailable(f"baseline {cfg['name']} has no version for env {registry.env_name(target)}")
    factory = registry.resolve(entry.target)
    accepted = inspect.signature(factory).parameters
    options = {k: v for k, v in cfg.items() if k != "name" and k in accepted and v is not None}
    return factory(env, seed, **options)


def baseline_cfg(name: str) -> DictConfig:
    """conf/baseline/<name>.yaml."""
    from importlib.resources import files

    return OmegaConf.load(str(files("slicectl.conf") / "baseline" / f"{name}.yaml"))


def eval_seeds(cfg: DictConfig) -> list[int]:
    return [int(cfg.eval.seed_base) + i for i in range(int(cfg.eval.n_seeds))]
