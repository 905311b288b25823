"""An env's settings as its YAML declares them, for code that builds an env
without a run (the Gymnasium views, tests, benchmarks). The YAML under
``conf/env/`` is the one declaration of every default: the env classes and
their parameter dataclasses have none of their own."""
from __future__ import annotations

from typing import Any

from omegaconf import OmegaConf


def env_defaults(name: str, **overrides: Any) -> dict:
    """``conf/env/<name>.yaml`` composed with its own defaults list (no scale,
    no preset) as constructor keyword arguments, ``overrides`` on top
    (``num_envs`` defaults to 1)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from slicectl.config.overrides import search_path_override

    extra = search_path_override()
    if GlobalHydra.instance().is_initialized():  # inside a run: its config search path
        cfg = compose(f"env/{name}", overrides=extra)
    else:
        with initialize_config_module("slicectl.conf", version_base="1.3"):
            cfg = compose(f"env/{name}", overrides=extra)
    env = cfg.env
    if "action_mode" in env and OmegaConf.is_interpolation(env, "action_mode"):  # the agent picks it; alone: discrete
        env.action_mode = "discrete"
    env = OmegaConf.to_container(env, resolve=True)
    env.pop("_target_", None)
    return {**env, "num_envs": 1, **overrides}
