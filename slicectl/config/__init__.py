"""Configuration (above the runner): the root schema and validation, the
override checks the CLI runs before Hydra, the envs' and agents' defaults
from their YAML, and the Hydra task function every job runs through.

The OmegaConf resolvers the YAML uses are registered here, so that every
path that composes a config (the CLI's pre-checks, the Hydra task) has them."""
from omegaconf import OmegaConf


def _suffix(name) -> str:
    return "" if name in (None, "", "None") else f"_{name}"


OmegaConf.register_new_resolver("slicectl_suffix", _suffix, replace=True)
# ${slicectl_div:a,b}: whole-number division, e.g. slice decisions per episode
OmegaConf.register_new_resolver("slicectl_div", lambda a, b: int(a) // int(b), replace=True)
# ${slicectl_if:cond,a,b}: a where cond holds, else b (a paper's settings for one agent of a family)
OmegaConf.register_new_resolver("slicectl_if", lambda cond, a, b: a if cond else b, replace=True)


def _action_mode(agent_target: str) -> str:
    """``${slicectl_action_mode:${agent._target_}}``: an env with a discrete and
    a continuous action mode acts in the agent's kind unless set otherwise."""
    from slicectl import registry

    ref = registry.load().agents.get(str(agent_target))
    return "continuous" if ref is not None and not registry.resolve(ref).discrete else "discrete"


OmegaConf.register_new_resolver("slicectl_action_mode", _action_mode, replace=True)


def _register_launchers() -> None:
    from slicectl.config.stacked_launcher import register

    register()


_register_launchers()
