"""An env's or an agent's settings as its YAML declares them, for code that
builds one without a run (the Gymnasium views, tests, benchmarks). The YAML
under ``conf/env/`` and ``conf/agent/`` is the one declaration of every
default: the env and agent classes and their parameter dataclasses have none
of their own."""
from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf


def _compose(path: str):
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from slicectl.config.overrides import search_path_override

    extra = search_path_override()
    if GlobalHydra.instance().is_initialized():  # inside a run: its config search path
        return compose(path, overrides=extra)
    with initialize_config_module("slicectl.conf", version_base="1.3"):
        return compose(path, overrides=extra)


def agent_defaults(name: str, **overrides: Any) -> dict:
    """``conf/agent/<name>.yaml`` (with its defaults list: ddqn is dqn's plus
    its own) as constructor keyword arguments, ``overrides`` on top."""
    agent = OmegaConf.to_container(_compose(f"agent/{name}").agent, resolve=True)
    agent.pop("_target_", None)
    agent.pop("per_item", None)  # how the runner builds the agent (runner.build), not the agent's own
    return {**agent, **overrides}


def env_defaults(name: str, **overrides: Any) -> dict:
    """``conf/env/<name>.yaml`` composed with its own defaults list (no scale,
    no preset) as constructor keyword arguments, ``overrides`` on top
    (``num_envs`` defaults to 1)."""
    env = _compose(f"env/{name}").env
    if "action_mode" in env and OmegaConf.is_interpolation(env, "action_mode"):  # the agent picks it; alone: discrete
        env.action_mode = "discrete"
    env = OmegaConf.to_container(env, resolve=True)
    env.pop("_target_", None)
    return {**env, "num_envs": 1, **overrides}
