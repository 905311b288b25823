"""zhang2021's IIoT inference system as a batch environment for the runner,
and its Gymnasium view ``slicectl/IIoT-v0``.

Observation
    Eq. (12), per task (N = G·K of them, device order): data size over its
    range's top, T_max over its range's top, θ (1: noisy data), and the four
    pool bits u^l0, u^l1 (the device's light / heavy model at its IGW), u^e0,
    u^e1 (at the ECaS): ``Box(0, 1, (7N,))``.
Action
    Eq. (13), per task, ten values in [-1, 1]: m (> 0: run at the IGW, else
    at the ECoS), φ (> 0: heavy model), the raw shares α^l, α^e, β^l, β^e
    ((a + 1)/2, then normalised per node so that C4-C5 hold), and ω^l0,
    ω^l1, ω^e0, ω^e1 (> 0: keep that model in that pool): ``Box(-1, 1, (10N,))``.
Reward
    Eq. (11)'s objective for the slot: the mean over all N tasks of the
    accuracy (eq. 10), a task counting 0 when it misses T_max (C1) or its
    model cannot be placed (C6). The decoding makes C2-C5 and C7 hold by
    construction, so no action is infeasible. ``reward=slot`` is eq. (14)
    as written: 0 for the whole slot when any task fails a constraint;
    with hundreds of tasks per slot that is 0 almost always under a random
    policy. ``reward=task`` applies it per task instead (a failed task
    counts 0, the others their accuracy). The ``accuracy`` metric is the
    per-task mean either way.
Episode end
    Never terminates; truncated after ``episode_steps`` slots. A new episode
    draws new devices and models and starts with empty pools.

The model, and how each equation is read: ``slicectl.papers.zhang2021.system``.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
from gymnasium import spaces

from slicectl.sim.gym_view import SingleCellEnv
from slicectl.papers.zhang2021.system import IIoTParams, IIoTSystem
from slicectl.config.defaults import env_defaults

_PAIRS = ("data_kb", "t_max_s", "acc_ul", "acc_uh", "acc_dl", "acc_dh", "igw_distance_m")


def make_iiot_params(**kw: Any) -> IIoTParams:
    """IIoTParams from plain config values (lists become tuples)."""
    for k in _PAIRS:
        if k in kw:
            kw[k] = tuple(float(x) for x in kw[k])
    for k in ("size_mb", "workload_mcycles"):
        if k in kw:
            kw[k] = tuple(tuple(float(x) for x in level) for level in kw[k])
    return IIoTParams(**kw)


class IIoTBatchEnv:
    metric_names = ("accuracy", "completion", "igw_share", "heavy_share",
                    "done_igw", "done_ecos", "models_igw", "models_ecas")
    objective = "accuracy"  # eq. (11): what best.pt keeps

    def __init__(self, num_envs: int, episode_steps: int, reward: str, **params: Any):
        if reward not in ("task", "slot"):
            raise ValueError(f"reward must be 'task' or 'slot', not {reward!r}")
        self.reward = reward
        self.p = make_iiot_params(**params)
        self.num_envs, self.episode_steps = num_envs, episode_steps
        self.system = IIoTSystem(self.p, num_envs)
        N = self.p.n_tasks
        self.action_space = spaces.Box(-1.0, 1.0, (10 * N,), np.float32)
        self.observation_space = spaces.Box(0.0, 1.0, (7 * N,), np.float32)
        self.rngs = [np.random.default_rng(0) for _ in range(num_envs)]
        self.episode_t = 0
        self.n_items = N  # observation and action are N per-task blocks (agent.per_item)

    def reset(self, seeds) -> np.ndarray:
        seeds = np.asarray(seeds, dtype=np.int64).reshape(self.num_envs)
        self.rngs = [np.random.default_rng(int(s)) for s in seeds]
        self.system.reset_rows(np.arange(self.num_envs), self.rngs)
        self.system.draw_tasks(self.rngs)
        self.episode_t = 0
        return self.system.observation()

    def step(self, actions):
        out = self.system.step(np.asarray(actions, dtype=np.float64), self.rngs)
        self.episode_t += 1
        axes = (1, 2)
        m, done = out["m"], out["done"]
        info = {"accuracy": out["accuracy"].mean(axis=axes), "completion": done.mean(axis=axes),
                "igw_share": m.mean(axis=axes), "heavy_share": out["phi"].mean(axis=axes),
                "done_igw": (done & m).sum(axis=axes).astype(np.float64),
                "done_ecos": (done & ~m).sum(axis=axes).astype(np.float64),
                "models_igw": self.system.cache_l.sum(axis=(1, 2, 3)).astype(np.float64),
                "models_ecas": self.system.cache_e.sum(axis=(1, 2, 3)).astype(np.float64)}
        truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
        reward = info["accuracy"].copy()
        if self.reward == "slot":   # eq. (14): the slot pays only if every task is done
            reward = np.where(done.all(axis=axes), reward, 0.0)
        return self.system.observation(), reward, truncated, info

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The paper's random policy: every decision uniform (any action is feasible)."""
        return rng.uniform(-1.0, 1.0, (len(obs), self.action_space.shape[0]))

    _ARRAYS = ("acc", "size_bits", "workload", "gain_l", "gain_e", "cache_l", "cache_e")

    def state_dict(self) -> dict:
        s = self.system
        return {"rngs": [json.dumps(r.bit_generator.state) for r in self.rngs],
                "episode_t": self.episode_t, "task": {k: v.copy() for k, v in s.task.items()},
                **{k: getattr(s, k).copy() for k in self._ARRAYS}}

    def load_state_dict(self, state: dict) -> None:
        for r, st in zip(self.rngs, state["rngs"], strict=True):
            r.bit_generator.state = json.loads(st)
        s = self.system
        for k in self._ARRAYS:
            getattr(s, k)[...] = state[k]
        for k, v in state["task"].items():
            s.task[k][...] = v
        self.episode_t = int(state["episode_t"])


class IIoTEnv(SingleCellEnv):
    """Gymnasium view of one system (see the module docstring)."""

    def __init__(self, **kwargs: Any):
        super().__init__(IIoTBatchEnv(**{**env_defaults("iiot"), **kwargs, "num_envs": 1}))
