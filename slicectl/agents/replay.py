"""Replay buffer preallocated as tensors; its whole content is checkpointed so
that a resumed run samples exactly what an uninterrupted one would."""
from __future__ import annotations

import torch


class ReplayBuffer:
    def __init__(self, capacity: int, obs_dim: int, action_shape: tuple[int, ...] = (),
                 action_dtype: torch.dtype = torch.long, device: str = "cpu"):
        self.capacity = capacity
        self.device = torch.device(device)
        self.obs = torch.zeros((capacity, obs_dim), dtype=torch.float32, device=self.device)
        self.next_obs = torch.zeros_like(self.obs)
        self.actions = torch.zeros((capacity, *action_shape), dtype=action_dtype, device=self.device)
        self.rewards = torch.zeros(capacity, dtype=torch.float32, device=self.device)
        self.dones = torch.zeros(capacity, dtype=torch.float32, device=self.device)
        self.pos = 0
        self.size = 0

    def add(self, obs, actions, rewards, next_obs, dones) -> None:
        """Add a batch of transitions (leading axis = environments)."""
        n = len(rewards)
        idx = (torch.arange(n) + self.pos) % self.capacity
        self.obs[idx] = torch.as_tensor(obs, dtype=torch.float32, device=self.device)
        self.next_obs[idx] = torch.as_tensor(next_obs, dtype=torch.float32, device=self.device)
        self.actions[idx] = torch.as_tensor(actions, device=self.device).to(self.actions.dtype)
        self.rewards[idx] = torch.as_tensor(rewards, dtype=torch.float32, device=self.device)
        self.dones[idx] = torch.as_tensor(dones, dtype=torch.float32, device=self.device)
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int, generator: torch.Generator):
        idx = torch.randint(0, self.size, (batch_size,), generator=generator).to(self.device)
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.dones[idx]

    def state_dict(self) -> dict:
        n = self.size
        return {"obs": self.obs[:n].cpu(), "next_obs": self.next_obs[:n].cpu(),
                "actions": self.actions[:n].cpu(), "rewards": self.rewards[:n].cpu(),
                "dones": self.dones[:n].cpu(), "pos": self.pos, "size": self.size}

    def load_state_dict(self, state: dict) -> None:
        n = int(state["size"])
        for name in ("obs", "next_obs", "actions", "rewards", "dones"):
            getattr(self, name)[:n] = state[name].to(self.device)
        self.pos, self.size = int(state["pos"]), n
