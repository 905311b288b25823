"""huang2023's environments: user-level steps per second (one slice), and
slice-level decisions per second over equal-split user policies, batched."""
from __future__ import annotations

import numpy as np

from benchmarks.timing import calls_per_second
from slicectl.papers.huang2023.user_env import HuangUserBatchEnv
from slicectl.papers.huang2023.system import HuangSliceLevelBatchEnv
from slicectl.config.defaults import env_defaults


def user_steps_per_second(num_envs: int, calls: int = 2000) -> float:
    env = HuangUserBatchEnv(**env_defaults("huang_user", num_envs=num_envs, episode_steps=10**9,
                                           action_mode="shares"))
    env.reset(list(range(num_envs)))
    actions = np.random.default_rng(0).random((num_envs, env.p.n_users))
    return calls_per_second(lambda: env.step(actions), calls) * num_envs


def slice_decisions_per_second(num_envs: int, calls: int = 300) -> float:
    env = HuangSliceLevelBatchEnv(**env_defaults("huang_slice", num_envs=num_envs, episode_steps=4 * 10**8,
                                                tau=4))
    env.reset(list(range(num_envs)))
    z = np.full((num_envs, 3), 30.0)
    return calls_per_second(lambda: env.step(z), calls) * num_envs


def run() -> list[tuple[str, str]]:
    rows = []
    for n in (1, 64):
        rows.append((f"huang user-level env steps/s, {n} env(s)", f"{user_steps_per_second(n):,.0f}"))
    for n in (1, 64):
        rows.append((f"huang slice-level decisions/s (tau=4 user steps), {n} env(s)",
                     f"{slice_decisions_per_second(n):,.0f}"))
    return rows
