"""huang2023's user-level MDP (P4, eq. 6) as environments: a batched one for
the runner and a Gymnasium ``Env`` (``slicectl/HuangUser-v0``).

Observation
    Per user: traffic θ_k / mean demand scale and utility U_k of the last
    step, then the slice budget z / R: ``Box(-inf, inf, (2K + 1,))``.
Action
    ``action_mode=absolute`` (the paper's): per-user allocations x_k ∈ [0, R]
    (constraint C7), ``Box(0, R, (K,))``. ``action_mode=shares``: weights in
    [0, 1]^K, turned into x = z · a / Σa, so C8 holds by construction and the
    β penalty is zero (an easier parametrisation for the same problem).
Reward
    Σ_k (w_k U_k − H(1.1 U_min,k − U_k)) − β (Σ_k x_k − z)^2 (eq. 6).
Episode end
    Never terminates; truncated after ``episode_steps``. Standalone (stages
    I/II) the budget z is redrawn uniformly from ``z_range`` every ``tau``
    steps; a slice-level agent sets it instead with ``set_budget``.
``sampler(obs, rng)`` returns random *feasible* actions (allocations summing
to z), the random half of huang2023's hybrid exploration.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from slicectl.sim.gym_view import SingleCellEnv

from slicectl.papers.huang2023.slice_model import HuangSliceCore, HuangSliceParams
from slicectl.config.defaults import env_defaults

SCENARIOS = ("ordinary", "congestion", "mixed")


class HuangUserBatchEnv:
    metric_names = ("utility", "qos_penalty", "qos_violation", "alloc_gap")
    objective = "reward"  # the penalised objective of eq. (6): what best.pt keeps

    def __init__(self, num_envs: int, episode_steps: int, tau: int,
                 z_range: tuple[float, float] | None, scenario: str,
                 congestion_prob: float, action_mode: str, **params: Any):
        if action_mode not in ("absolute", "shares"):
            raise ValueError(f"action_mode must be 'absolute' or 'shares', not {action_mode!r}")
        self.action_mode = action_mode
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}")
        for key in ("weight_range", "demand_mbps", "min_rate_mbps", "alpha_range"):
            if params.get(key) is not None:
                params[key] = tuple(params[key])
        self.p = HuangSliceParams(**params)
        self.num_envs, self.episode_steps, self.tau = num_envs, episode_steps, tau
        # z_range None: the slice level sets every z (set_budget), none is drawn
        self.z_range = None if z_range is None else tuple(z_range)
        self.scenario, self.congestion_prob = scenario, congestion_prob
        self.core = HuangSliceCore(self.p, num_envs)
        K = self.p.n_users
        high = self.p.resource if action_mode == "absolute" else 1.0
        self.action_space = spaces.Box(0.0, high, (K,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (2 * K + 1,), np.float32)
        self.z = np.zeros(num_envs)
        self.z_external = False
        self.last_u = np.zeros((num_envs, K))
        self.episode_t = 0
        self._z_rng = np.random.default_rng(0)

    def set_budget(self, z: np.ndarray) -> None:
        """Slice-level control of z (stages III/IV): stops the random redraws."""
        self.z = np.asarray(z, dtype=np.float64).reshape(self.num_envs)
        self.z_external = True

    def congestion(self, seeds) -> np.ndarray:
        """Which episodes (one per seed) are congested: all, none, or under
        ``mixed`` each with probability ``congestion_prob``, drawn from its seed."""
        if self.scenario != "mixed":
            return np.full(len(seeds), self.scenario == "congestion")
        return np.array([np.random.default_rng([int(s), 0xC0C0]).random() < self.congestion_prob
                         for s in seeds])

    def reset(self, seeds, congestion: np.ndarray | None = None) -> np.ndarray:
        """``congestion``: per-episode flags decided by the caller (the system
        draws one per cell for all its slices); default ``self.congestion``."""
        seeds = np.asarray(seeds).reshape(self.num_envs)
        self.core.reset(seeds, self.congestion(seeds) if congestion is None else congestion)
        self._z_rng = np.random.default_rng([*np.asarray(seeds, dtype=np.int64).tolist(), 7])
        self.episode_t = 0
        if not self.z_external:
            self.z = self._z_rng.uniform(*self.z_range, self.num_envs)
        equal = np.repeat(self.z[:, None] / self.p.n_users, self.p.n_users, axis=1)
        self.last_u = self.core.evaluate(equal, self.z, self.core.traffic())["user_utility"]
        return self._obs()

    def allocations(self, actions) -> np.ndarray:
        """Per-user resource x (B, K) for a batch of actions."""
        a = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        if self.action_mode == "absolute":
            return np.clip(a, 0.0, self.p.resource)
        a = np.clip(a, 0.0, 1.0) + 1e-9  # all-zero weights: an equal split
        return self.z[:, None] * a / a.sum(axis=1, keepdims=True)

    def step(self, actions):
        return self.apply(self.allocations(actions))

    def apply(self, x: np.ndarray):
        """Step with allocations x (B, K) already decided (the system applies
        eq. (7) across slices before handing each slice its share)."""
        out = self.core.evaluate(x, self.z, self.core.traffic())
        self.last_u = out["user_utility"]
        self.core.advance()
        self.episode_t += 1
        if not self.z_external and self.episode_t % self.tau == 0:
            self.z = self._z_rng.uniform(*self.z_range, self.num_envs)
        truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
        info = {k: out[k] for k in self.metric_names}
        return self._obs(), out["reward"], truncated, info

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random allocations that satisfy C7 and C8 (Σ_k x_k = z ≤ R)."""
        shares = rng.dirichlet(np.ones(self.p.n_users), len(obs))
        if self.action_mode == "shares":
            return shares
        z = np.asarray(obs)[:, -1] * self.p.resource
        return shares * z[:, None]

    def _obs(self) -> np.ndarray:
        theta = self.core.traffic() / self.p.demand_mbps[1]
        return np.concatenate([theta, self.last_u, self.z[:, None] / self.p.resource],
                              axis=1).astype(np.float32)

    def state_dict(self) -> dict:
        c = self.core
        return {"se": c.se, "w": c.w, "mean_demand": c.mean_demand, "u_min": c.u_min, "alpha": c.alpha,
                "log_dev": c.log_dev, "t": c.t, "congestion": c.congestion, "rng": c.rng.bit_generator.state,
                "z_rng": self._z_rng.bit_generator.state, "z": self.z, "last_u": self.last_u,
                "episode_t": self.episode_t}

    def load_state_dict(self, s: dict) -> None:
        c = self.core
        for k in ("se", "w", "mean_demand", "u_min", "alpha", "log_dev", "t"):
            getattr(c, k)[...] = s[k]
        c.congestion = np.array(s["congestion"])
        c.rng.bit_generator.state = s["rng"]
        self._z_rng.bit_generator.state = s["z_rng"]
        self.z, self.last_u = np.asarray(s["z"]), np.asarray(s["last_u"])
        self.episode_t = int(s["episode_t"])


class HuangUserEnv(SingleCellEnv):
    """Gymnasium view of one slice (see the module docstring)."""

    def __init__(self, **kwargs: Any):
        super().__init__(HuangUserBatchEnv(**{**env_defaults("huang_user"), **kwargs, "num_envs": 1}))
