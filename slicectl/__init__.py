"""slicectl: deep-RL experiment runner for 5G RAN slicing.

Importing it registers every env of the core and of each paper with
Gymnasium (``gym.make("slicectl/RanSlicing-v0")``)."""
__version__ = "0.1.0"


def _register_gym_envs() -> None:
    from gymnasium.envs.registration import register, registry as gym_registry

    from slicectl import registry

    for env in registry.load().envs.values():
        for env_id, entry_point in env.gym.items():
            if env_id not in gym_registry:
                register(id=env_id, entry_point=entry_point)


_register_gym_envs()
