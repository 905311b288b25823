"""zhang_digital_twin §IV-A: knowledge distillation of a trained DRL agent
(the teacher) into a small student MLP.

The teacher's greedy actions on recorded states are the labels. The student
(two hidden layers of ``width`` units, softmax over the actions) minimises
eq. (12)'s cross-entropy for a fixed number of gradient steps, then acts
by its argmax.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from slicectl.agents.networks import mlp


class Student:
    """A policy with the agents' ``act(obs, explore)`` interface."""

    def __init__(self, obs_dim: int, n_actions: int, width: int, seed: int = 0):
        torch.manual_seed(seed)
        self.net = mlp(obs_dim, [width, width], n_actions)

    @torch.no_grad()
    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        return self.net(torch.as_tensor(obs, dtype=torch.float32)).argmax(dim=-1).numpy()


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def fit(student: Student, states: np.ndarray, labels: np.ndarray, steps: int, lr: float = 1e-3,
        batch_size: int = 256, seed: int = 0) -> float:
    """Eq. (12) by Adam for ``steps`` minibatches; returns the final loss."""
    x = torch.as_tensor(states, dtype=torch.float32)
    y = torch.as_tensor(labels, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(student.net.parameters(), lr=lr)
    loss = torch.zeros(())
    for _ in range(steps):
        b = torch.randint(0, len(x), (min(batch_size, len(x)),), generator=gen)
        loss = F.cross_entropy(student.net(x[b]), y[b])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return float(loss.detach())


def agreement(policy, teacher, states: np.ndarray) -> float:
    """Share of ``states`` on which the two choose the same action."""
    return float(np.mean(policy.act(states, explore=False) == teacher.act(states, explore=False)))


def seconds_per_decision(policy, obs: np.ndarray, decisions: int = 2000) -> float:
    """Wall time of one decision on one state (batch of 1), as deployed."""
    one = obs[:1]
    for _ in range(50):
        policy.act(one, explore=False)
    t0 = time.perf_counter()
    for i in range(decisions):
        policy.act(obs[i % len(obs)][None], explore=False)
    return (time.perf_counter() - t0) / decisions
