"""The digital twin as an environment: a batched one the runner can train
in (Algorithm 1's inner loop) and a Gymnasium ``Env`` (``TwinEnv``).

Observation
    As the real env's: packets arrived per slice in the last window, scaled
    (``Box(0, inf, (S,))``).
Action
    As the real env's: one of its splits, or its simplex shares.
Reward
    zhang_digital_twin eq. (6) on the twin's predicted utility, with the
    real env's threshold γ_t frozen at ``reward_t`` (where the real env
    stood when the twin was fitted).
Episode end
    Never terminates; truncated after ``episode_steps``. A new episode
    starts from the first state of a recorded real episode, picked with
    the episode's seed.

Metrics: ``utility`` (predicted).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from slicectl.sim.gym_view import SingleCellEnv
from slicectl.papers.zhang_dt.twin_model import TwinModel


class TwinBatchEnv:
    metric_names = ("utility",)

    def __init__(self, model: TwinModel, real, starts: np.ndarray, num_envs: int = 1,
                 episode_steps: int = 20, reward_t: int = 0):
        """``real``: any instance of the real batch env (only its spaces,
        action meaning, eq. 6 and sampler are used). ``starts``: (m, S)
        recorded first states of real episodes."""
        self.model, self.real = model.eval(), real
        self.starts = np.asarray(starts, np.float32)
        if len(self.starts) == 0:
            raise ValueError("the twin needs at least one recorded episode start")
        self.num_envs, self.episode_steps, self.reward_t = num_envs, episode_steps, reward_t
        self.action_space, self.observation_space = real.action_space, real.observation_space
        self.episode_t = 0
        W, S = model.window, model.obs_dim
        self.hist_obs = np.zeros((num_envs, W, S), np.float32)
        self.hist_feat = np.zeros((num_envs, W, model.feat_dim), np.float32)
        self.obs = np.zeros((num_envs, S), np.float32)
        self.rngs = [np.random.default_rng(0) for _ in range(num_envs)]

    def reset(self, seeds) -> np.ndarray:
        seeds = [int(s) for s in np.asarray(seeds).reshape(self.num_envs)]
        self.rngs = [np.random.default_rng([s, 0x7717]) for s in seeds]
        self.obs = np.stack([self.starts[r.integers(len(self.starts))] for r in self.rngs])
        self.episode_t = 0
        return self.obs.copy()

    def step(self, actions):
        feat = self.real.action_features(actions).astype(np.float32)
        if self.episode_t == 0:  # before the episode: its first pair, repeated
            self.hist_obs[:] = self.obs[:, None]
            self.hist_feat[:] = feat[:, None]
        else:
            self.hist_obs = np.roll(self.hist_obs, -1, axis=1)
            self.hist_feat = np.roll(self.hist_feat, -1, axis=1)
            self.hist_obs[:, -1], self.hist_feat[:, -1] = self.obs, feat
        with torch.no_grad():
            mean = self.model.next_obs(torch.from_numpy(self.hist_obs), torch.from_numpy(self.hist_feat))
            utility = self.model.utility(torch.from_numpy(self.obs), torch.from_numpy(feat))
        noise = np.stack([r.standard_normal(self.model.obs_dim) for r in self.rngs])
        self.obs = np.maximum(mean.numpy() + noise * self.model.noise_std.numpy(), 0.0).astype(np.float32)
        utility = utility.numpy().astype(np.float64)
        reward = self.real.shaped_reward(utility, self.reward_t)
        self.episode_t += 1
        truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
        return self.obs.copy(), reward, truncated, {"utility": utility}

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.real.sampler(obs, rng)

    def state_dict(self) -> dict:
        return {"hist_obs": self.hist_obs.copy(), "hist_feat": self.hist_feat.copy(),
                "obs": self.obs.copy(), "episode_t": self.episode_t,
                "rngs": [r.bit_generator.state for r in self.rngs]}

    def load_state_dict(self, state: dict) -> None:
        self.hist_obs, self.hist_feat = np.array(state["hist_obs"]), np.array(state["hist_feat"])
        self.obs, self.episode_t = np.array(state["obs"]), int(state["episode_t"])
        for r, s in zip(self.rngs, state["rngs"]):
            r.bit_generator.state = s


class TwinEnv(SingleCellEnv):
    """Gymnasium view of one twin cell (see the module docstring)."""

    def __init__(self, model: TwinModel, real: Any, starts: np.ndarray, episode_steps: int = 20,
                 reward_t: int = 0):
        super().__init__(TwinBatchEnv(model, real, starts, 1, episode_steps, reward_t))
