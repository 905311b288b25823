"""slicectl: deep-RL experiment runner for 5G RAN slicing.

Importing it registers every env of the core and of each paper with
Gymnasium (``gym.make("slicectl/RanSlicing-v0")``). The Python API
(``slicectl.api``) is here too, imported when first used::

    import slicectl
    run = slicectl.train(["agent=ddqn", "scale=smoke"])
    print(slicectl.evaluate(run)["mean"])
"""
from slicectl.errors import UserError  # noqa: E402,F401 - what the API raises on bad input

__version__ = "0.1.0"
API = ("run", "train", "evaluate", "load_agent", "make_env")


def __getattr__(name: str):
    if name in API:
        from slicectl import api

        return getattr(api, name)
    raise AttributeError(f"module 'slicectl' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *API])


def _register_gym_envs() -> None:
    from gymnasium.envs.registration import register, registry as gym_registry

    from slicectl import registry

    for env in registry.load().envs.values():
        for env_id, entry_point in env.gym.items():
            if env_id not in gym_registry:
                register(id=env_id, entry_point=entry_point)


_register_gym_envs()
