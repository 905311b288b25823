"""Network builders shared by every agent."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int | None = None,
        activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear+activation layers through ``hidden``; a final linear layer to
    ``out_dim`` if given."""
    layers: list[nn.Module] = []
    last = in_dim
    for width in hidden:
        layers += [nn.Linear(last, width), activation()]
        last = width
    if out_dim is not None:
        layers.append(nn.Linear(last, out_dim))
    return nn.Sequential(*layers)


class QNetwork(nn.Module):
    """Q(s, ·) over discrete actions; ``dueling`` splits the last layer into a
    state value and mean-centred advantages (Wang et al., 2016)."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int], dueling: bool = False):
        super().__init__()
        self.dueling = dueling
        self.body = mlp(obs_dim, hidden)
        width = hidden[-1] if hidden else obs_dim
        self.head = nn.Linear(width, n_actions)
        self.value = nn.Linear(width, 1) if dueling else None

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        z = self.body(obs)
        q = self.head(z)
        if self.value is not None:
            q = self.value(z) + q - q.mean(dim=-1, keepdim=True)
        return q

    def q_at(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Q(s, a) for one action per row, equal to ``forward(obs).gather``
        but touching only the head rows of those actions: with thousands of
        actions this is most of the cost of a gradient step saved. The
        dueling mean over actions is linear, so it is the mean head row."""
        z = self.body(obs)
        w, b = self.head.weight, self.head.bias
        q = (z * w[actions]).sum(-1) + b[actions]
        if self.value is not None:
            q = self.value(z).squeeze(-1) + q - (z @ w.mean(0) + b.mean())
        return q
