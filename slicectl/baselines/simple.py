"""Random, equal-split and traffic-proportional policies."""
from __future__ import annotations

import numpy as np

from slicectl.sim.actions import shares_to_units
from slicectl.sim.ran_env import RanBatchEnv


class Policy:
    """A fixed policy over a RanBatchEnv: subclasses give units per slice
    (B, S); ``act`` turns them into the env's action format."""

    def __init__(self, env: RanBatchEnv, seed: int = 0):
        self.env = env
        self.rng = np.random.default_rng(seed)
        self._index = {tuple(row): i for i, row in enumerate(env.table)}

    def units(self, obs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        units = self.units(obs)
        if self.env.action_mode == "discrete":
            return np.array([self._index[tuple(u)] for u in units])
        return units / units.sum(axis=1, keepdims=True)


class RandomPolicy:
    """A random feasible action from the env's own sampler (for the RAN, every
    split equally likely); works on any slicectl environment."""

    def __init__(self, env, seed: int = 0):
        self.env = env
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        return self.env.sampler(obs, self.rng)


class EqualPolicy(Policy):
    """The same bandwidth for every slice (the remainder to the first slices)."""

    def units(self, obs):
        S = self.env.params.n_slices
        return shares_to_units(np.ones((len(obs), S)), self.env.params.n_units)


class ProportionalPolicy(Policy):
    """Bandwidth proportional to each slice's offered load in the last window
    (packets arrived × mean packet size), the traffic-aware heuristic."""

    def units(self, obs):
        mean_bits = np.array([s.size_bits.mean() for s in self.env.params.slices])
        load = self.env.last_arrived * mean_bits
        return shares_to_units(load, self.env.params.n_units)
