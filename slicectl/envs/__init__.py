"""Simulators (floor 1): numpy and numba only, no torch."""
from gymnasium.envs.registration import register

register(id="slicectl/RanSlicing-v0", entry_point="slicectl.envs.ran_env:RanSlicingEnv")
