"""A Gymnasium ``Env`` over row 0 of any slicectl batch env: the registered
ids (``slicectl/RanSlicing-v0``, ``HuangUser-v0``, ``HuangSlice-v0``) are
this view over the batched cores the runner steps."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np


class SingleCellEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, batch: Any):
        self.batch = batch
        self.action_space = batch.action_space
        self.observation_space = batch.observation_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        obs = self.batch.reset([int(self.np_random.integers(0, 2**31 - 1))])
        return obs[0], {}

    def step(self, action):
        obs, reward, truncated, info = self.batch.step(np.asarray(action)[None])
        return obs[0], float(reward[0]), False, bool(truncated[0]), {k: v[0] for k, v in info.items()}
