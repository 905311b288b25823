"""Replay buffer preallocated as one tensor; its whole content is
checkpointed so that a resumed run samples exactly what an uninterrupted one
would.

A transition is one float32 row ``[obs | next_obs | action | reward | done]``
so that a minibatch is a single gather (five separate gathers cost a
noticeable share of a TD3 update); ``obs``, ``actions``... are views into it.
Integer actions (DQN) are stored exactly as floats (below 2^24) and handed
back in ``action_dtype``."""
from __future__ import annotations

import math

import torch


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int, action_shape: tuple[int, ...] = (),
                 action_dtype: torch.dtype = torch.long, device: str = "cpu", reward_dim: int = 1):
        self.capacity, self.obs_dim = capacity, obs_dim
        self.device = torch.device(device)
        self.action_shape, self.action_dtype = tuple(action_shape), action_dtype
        a = math.prod(self.action_shape)
        # reward_dim > 1: one reward and done per agent of a stacked agent (hu's cells)
        self.reward_dim = reward_dim
        widths = {"obs": obs_dim, "next_obs": obs_dim, "actions": a, "rewards": reward_dim, "dones": reward_dim}
        self.storage = torch.zeros((capacity, sum(widths.values())), dtype=torch.float32,
                                   device=self.device)
        self._cols: dict[str, slice] = {}
        start = 0
        for name, width in widths.items():
            self._cols[name] = slice(start, start + width)
            start += width
        self.pos = 0
        self.size = 0

    def _split(self, rows: torch.Tensor):
        """(obs, actions, rewards, next_obs, dones) views of packed rows."""
        c = self._cols
        actions = rows[:, c["actions"]].reshape(len(rows), *self.action_shape)
        if self.action_dtype != torch.float32:
            actions = actions.to(self.action_dtype)
        rewards, dones = rows[:, c["rewards"]], rows[:, c["dones"]]
        if self.reward_dim == 1:
            rewards, dones = rewards.squeeze(1), dones.squeeze(1)
        return rows[:, c["obs"]], actions, rewards, rows[:, c["next_obs"]], dones

    def add(self, obs, actions, rewards, next_obs, dones) -> None:
        """Add a batch of transitions (leading axis = environments)."""
        n = len(rewards)
        idx = (torch.arange(n) + self.pos) % self.capacity
        f32 = {"dtype": torch.float32, "device": self.device}
        row = torch.cat([torch.as_tensor(obs, **f32).reshape(n, -1),
                         torch.as_tensor(next_obs, **f32).reshape(n, -1),
                         torch.as_tensor(actions, **f32).reshape(n, -1),
                         torch.as_tensor(rewards, **f32).reshape(n, self.reward_dim),
                         torch.as_tensor(dones, **f32).reshape(n, self.reward_dim)], dim=1)
        self.storage[idx] = row
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int, generator: torch.Generator):
        idx = torch.randint(0, self.size, (batch_size,), generator=generator).to(self.device)
        return self._split(self.storage[idx])

    def state_dict(self) -> dict:
        obs, actions, rewards, next_obs, dones = self._split(self.storage[:self.size].cpu())
        return {"obs": obs.clone(), "next_obs": next_obs.clone(), "actions": actions.clone(),
                "rewards": rewards.clone(), "dones": dones.clone(), "pos": self.pos, "size": self.size}

    def load_state_dict(self, state: dict) -> None:
        n = int(state["size"])
        self.pos, self.size = 0, 0
        if n:
            self.add(state["obs"], state["actions"], state["rewards"], state["next_obs"],
                     state["dones"])
        self.pos, self.size = int(state["pos"]), n
