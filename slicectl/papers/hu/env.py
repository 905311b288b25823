"""hu's multi-cell network as a multi-agent batch environment for the
runner, and its Gymnasium views ``slicectl/Multicell-v0`` (all cells,
stacked) and ``slicectl/MulticellCell-v0`` (one cell; the others follow the
traffic-aware baseline).

Agents
    One per cell, K = 12; arrays carry the cells on axis 1.
Observation
    Per cell (section IV-A), measured over the last step: per-slice mean user
    throughput (over ``obs_throughput_mbps``, clipped to 1), per-slice load
    T/a (over ``obs_load_cap``, clipped to 1) and per-slice active users
    served (over twice the group size, since a cell also serves neighbours'
    users, clipped to 1), 3N values; with ``coordinated`` (the default)
    also eq. (5)'s mean per-slice load of the cell's ``neighbours``
    strongest interferers, N more: ``Box(0, 1, (K, 4N))``. At reset the
    measurements are those of an equal split.
Action
    Per cell, one weight per slice in [0, 1]; the shares are w / Σw, so
    every action lies on eq. (1)'s simplex (all zero: an equal split):
    ``Box(0, 1, (K, N))``.
Reward
    Per cell, eq. (2): min over slices of min(φ/φ*, d*/d, 1), in [0, 1];
    shape (B, K). A slice without active users meets its requirements.
Episode end
    Never terminates; truncated after ``episode_steps`` steps (default 96,
    one day of 15-minute periods). A new episode draws new user positions
    and shadowing and starts at a random time of day.

The model, and every choice in it: ``slicectl.papers.hu.network``.
"""
from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from slicectl.sim.actions import normalise_shares
from slicectl.papers.hu.network import MulticellParams, MulticellSystem, SliceGroup
from slicectl.config.defaults import env_defaults

FAIL_BELOW = 0.95  # the paper's Fig. 5 threshold on minimum throughput satisfaction


def make_multicell_params(**kw: Any) -> MulticellParams:
    """MulticellParams from plain config values (lists become tuples)."""
    if "sites_m" in kw:
        kw["sites_m"] = tuple(tuple(float(x) for x in xy) for xy in kw["sites_m"])
    if "groups" in kw:
        kw["groups"] = tuple(SliceGroup(tuple(map(float, g["throughput_mbps"])),
                                        tuple(map(float, g["delay_ms"]))) for g in kw["groups"])
    for k, v in kw.items():
        if isinstance(v, list):
            kw[k] = tuple(v)
    return MulticellParams(**kw)


class MulticellBatchEnv:
    metric_names = ("satisfaction", "thr_sat", "fail_rate", "max_delay_ms", "load")
    objective = "satisfaction"  # eq. (2) over cells: what best.pt keeps
    # per (network, cell) each step: what the final evaluation records in
    # eval_samples.csv for the paper's CCDF / CDF (Figs. 5-6)
    sample_names = ("cell_reward", "cell_min_thr_sat", "cell_max_delay_ms")

    def __init__(self, num_envs: int, episode_steps: int, coordinated: bool,
                 obs_throughput_mbps: float, obs_load_cap: float, **params: Any):
        self.p = make_multicell_params(**params)
        self.num_envs, self.episode_steps = num_envs, episode_steps
        self.coordinated = coordinated
        self.obs_throughput, self.obs_load_cap = obs_throughput_mbps * 1e6, obs_load_cap
        self.system = MulticellSystem(self.p, num_envs)
        K, N = self.p.n_cells, self.p.n_slices
        self.n_agents = K
        width = (4 if coordinated else 3) * N
        self.observation_space = spaces.Box(0.0, 1.0, (K, width), np.float32)
        self.action_space = spaces.Box(0.0, 1.0, (K, N), np.float32)
        self.rngs = [np.random.default_rng(0) for _ in range(num_envs)]
        self.episode_t = 0
        self.last: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------- runner API
    def reset(self, seeds) -> np.ndarray:
        seeds = np.asarray(seeds, dtype=np.int64).reshape(self.num_envs)
        self.rngs = [np.random.default_rng(int(s)) for s in seeds]
        self.system.reset_rows(np.arange(self.num_envs), self.rngs)
        self.episode_t = 0
        K, N = self.p.n_cells, self.p.n_slices
        self.last = self.system.outcome(np.full((self.num_envs, K, N), 1.0 / N))
        self.last["users"] = self.system.users.copy()
        return self.observation()

    def step(self, actions):
        weights = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, *self.action_space.shape)
        shares = normalise_shares(weights)
        out = self.system.outcome(shares)
        out["users"] = self.system.users.copy()
        out["shares"] = shares
        self.last = out
        self.system.advance(self.rngs)
        self.episode_t += 1
        min_thr = out["thr_sat"].min(axis=-1)                      # (B, K) per cell
        served = np.where(out["users"] > 0, out["delay"], 0.0)
        info = {"satisfaction": out["reward"].mean(axis=1),
                "thr_sat": np.minimum(min_thr, 1.0).mean(axis=1),
                "fail_rate": (min_thr < FAIL_BELOW).mean(axis=1),
                "max_delay_ms": 1e3 * served.max(axis=-1).mean(axis=1),
                "load": out["load"].mean(axis=1),
                # per (row, cell): the samples behind the paper's Figs. 5-6
                "cell_reward": out["reward"], "cell_min_thr_sat": min_thr,
                "cell_max_delay_ms": 1e3 * served.max(axis=-1)}
        truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
        return self.observation(), out["reward"].copy(), truncated, info

    def observation(self) -> np.ndarray:
        """(B, K, 4N) or (B, K, 3N): the last step's measurements (see the module docstring)."""
        last, p = self.last, self.p
        load = np.minimum(last["slice_load"] / self.obs_load_cap, 1.0)
        parts = [np.minimum(last["throughput"] / self.obs_throughput, 1.0), load,
                 np.minimum(last["users"] / (2 * p.users_per_slice), 1.0)]
        if self.coordinated:  # eq. (5): the neighbours' mean per-slice load
            parts.append(load[:, self.system.neighbour_index].mean(axis=2))
        return np.concatenate(parts, axis=-1).astype(np.float32)

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random feasible actions: every cell's shares uniform on the simplex."""
        K, N = self.action_space.shape
        return rng.dirichlet(np.ones(N), (len(obs), K))

    # ------------------------------------------------------------ persistence
    def state_dict(self) -> dict:
        return {"rngs": [json.dumps(r.bit_generator.state) for r in self.rngs],
                "episode_t": self.episode_t, "system": self.system.state_dict(),
                "last": {k: np.array(v) for k, v in self.last.items()}}

    def load_state_dict(self, state: dict) -> None:
        for r, st in zip(self.rngs, state["rngs"], strict=True):
            r.bit_generator.state = json.loads(st)
        self.system.load_state_dict(state["system"])
        self.episode_t = int(state["episode_t"])
        self.last = {k: np.array(v) for k, v in state["last"].items()}


class MulticellEnv(gym.Env):
    """Gymnasium view of one network, all cells stacked: observation (K, 4N),
    action (K, N), reward the mean of the cells' eq. (2) (each cell's in
    ``info['cell_rewards']``)."""

    metadata = {"render_modes": []}

    def __init__(self, **kwargs: Any):
        self.batch = MulticellBatchEnv(**{**env_defaults("multicell"), **kwargs, "num_envs": 1})
        self.observation_space = self.batch.observation_space
        self.action_space = self.batch.action_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return self.batch.reset([int(self.np_random.integers(0, 2**31 - 1))])[0], {}

    def step(self, action):
        obs, reward, truncated, info = self.batch.step(np.asarray(action)[None])
        return (obs[0], float(reward[0].mean()), False, bool(truncated[0]),
                {"cell_rewards": reward[0], **{k: info[k][0] for k in self.batch.metric_names}})


class MulticellCellEnv(gym.Env):
    """Gymnasium view of one cell (``cell``, default 0) of one network; the
    other cells take the traffic-aware baseline's shares."""

    metadata = {"render_modes": []}

    def __init__(self, cell: int = 0, **kwargs: Any):
        self.multi = MulticellEnv(**kwargs)
        self.cell = cell
        K, width = self.multi.observation_space.shape
        if not 0 <= cell < K:
            raise ValueError(f"cell must be in 0..{K - 1}")
        self.observation_space = spaces.Box(0.0, 1.0, (width,), np.float32)
        self.action_space = spaces.Box(0.0, 1.0, (self.multi.action_space.shape[1],), np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        obs, _ = self.multi.reset(seed=int(self.np_random.integers(0, 2**31 - 1)))
        return obs[self.cell], {}

    def step(self, action):
        shares = normalise_shares(self.multi.batch.system.demand()[0])
        shares[self.cell] = np.asarray(action, dtype=np.float64)
        obs, _, terminated, truncated, info = self.multi.step(shares)
        return obs[self.cell], float(info["cell_rewards"][self.cell]), terminated, truncated, {}
