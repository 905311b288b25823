"""Tabular Q-learning (Watkins) over a uniform grid of the observation.

State discretisation: each observation feature is clipped to [obs_low,
obs_high] and cut into ``bins`` equal bins; the state is the tuple of bin
indices, so the table has bins^d rows. slicectl's observations are scaled to
~1 (arrivals over their mean, shares, rate over demand), hence the default
range [0, 2]. Update, one transition at a time in the order given:
Q(s, a) ← Q(s, a) + lr·(r + γ·max_a' Q̂(s', a') − Q(s, a)), where Q̂ is the
live table, or with ``target_every`` a copy refreshed every that many
updates (the target network of chen2022's preset, for a table). ε-greedy
exploration with the DQN family's schedule; ties between greedy actions are
broken at random (Sutton & Barto), so a state never visited acts uniformly
rather than always taking action 0.
"""
from __future__ import annotations

import numpy as np

from slicectl.agents.exploration import epsilon
from slicectl.agents.rng import numpy_state, set_numpy_state


class QLearningAgent:
    def __init__(self, obs_dim: int, n_actions: int, bins: int, obs_low: float,
                 obs_high: float, lr: float, gamma: float,
                 eps_start: float, eps_end: float, eps_decay_steps: float,
                 target_every: int | None, learning_starts: int,
                 buffer_size: int | None = None, hidden: list[int] | None = None,
                 seed: int = 0, device: str = "cpu"):
        # buffer_size, hidden: a table keeps no replay and has no layers; they
        # are accepted so that the scale presets, which size every agent's
        # replay and network, apply to this agent too
        n_states = bins ** obs_dim
        if n_states * n_actions > 50_000_000:
            raise ValueError(f"a Q-table of {bins}^{obs_dim} states x {n_actions} actions "
                             f"exceeds 50M entries; lower agent.bins")
        self.n_actions, self.bins = n_actions, bins
        self.low, self.high = obs_low, obs_high
        self.lr, self.gamma = lr, gamma
        self.eps = (eps_start, eps_end, eps_decay_steps)
        self.q = np.zeros((n_states, n_actions))
        self.target_every = target_every
        self.q_target = self.q if target_every is None else self.q.copy()
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self.learning_starts = learning_starts
        self.device = device
        self._radix = bins ** np.arange(obs_dim)

    def state_index(self, obs: np.ndarray) -> np.ndarray:
        x = (np.asarray(obs, dtype=np.float64) - self.low) / (self.high - self.low)
        cells = np.clip(np.floor(np.nan_to_num(x) * self.bins), 0, self.bins - 1).astype(np.int64)
        return cells @ self._radix

    def greedy(self, obs: np.ndarray) -> np.ndarray:
        q = self.q[self.state_index(obs)]
        best = q == q.max(axis=-1, keepdims=True)
        return np.where(best, self.rng.random(q.shape), -1.0).argmax(axis=-1)

    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        actions = self.greedy(obs)
        if explore:
            rand = self.rng.random(len(actions)) < epsilon(self.steps, *self.eps)
            actions = np.where(rand, self.rng.integers(0, self.n_actions, len(actions)), actions)
        return actions

    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        if self.steps + len(rewards) <= self.learning_starts:
            self.steps += len(rewards)
            return {}
        s, s2 = self.state_index(obs), self.state_index(next_obs)
        errors = []
        for i in range(len(s)):  # in order: rows may share a state
            target = rewards[i] + self.gamma * (1.0 - dones[i]) * self.q_target[s2[i]].max()
            err = target - self.q[s[i], actions[i]]
            self.q[s[i], actions[i]] += self.lr * err
            errors.append(err * err)
            self.steps += 1
            if self.target_every is not None and self.steps % self.target_every == 0:
                self.q_target[...] = self.q
        return {"loss": float(np.mean(errors))}

    def weights(self) -> dict:
        """What ``load_state_dict(..., weights_only=True)`` reads: the tables."""
        return {"q": self.q.copy(), "q_target": self.q_target.copy()}

    def state_dict(self) -> dict:
        return {"q": self.q.copy(), "q_target": self.q_target.copy(), "rng": numpy_state(self.rng),
                "steps": self.steps}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        self.q[...] = state["q"]
        if self.q_target is not self.q:
            self.q_target[...] = state["q_target"]
        if not weights_only:
            set_numpy_state(self.rng, state["rng"])
            self.steps = int(state["steps"])
