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


def flatten_parameters(*modules: nn.Module) -> tuple[torch.Tensor, list[nn.Parameter]]:
    """Move every parameter of ``modules`` into one flat buffer, each becoming
    a view into it; return the buffer and one flat Parameter per module
    (consecutive views of the buffer). Adam, Polyak averaging and gradient
    copies then run as one kernel per tensor instead of one per layer: on
    CPU, with networks of this size, per-tensor overhead is a large part of
    an update."""
    params = [list(m.parameters()) for m in modules]
    buffer = torch.cat([p.detach().reshape(-1) for ps in params for p in ps])
    flats, start = [], 0
    for ps in params:
        n = sum(p.numel() for p in ps)
        flats.append(nn.Parameter(buffer[start:start + n]))
        for p in ps:
            p.data = buffer[start:start + p.numel()].view_as(p)
            start += p.numel()
    return buffer, flats


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


class EnsembleLinear(nn.Module):
    """``n`` independent linear layers applied in one batched matmul:
    input (n, B, in) -> (n, B, out). TD3's twin critics are an ensemble of 2."""

    def __init__(self, n: int, in_dim: int, out_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, in_dim, out_dim))
        self.bias = nn.Parameter(torch.empty(n, 1, out_dim))
        bound = 1.0 / in_dim**0.5  # nn.Linear's default initialisation, per member
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class CriticEnsemble(nn.Module):
    """``n`` Q(s, a) networks evaluated together: returns (n, B)."""

    def __init__(self, n: int, obs_dim: int, action_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.n = n
        dims = [obs_dim + action_dim, *hidden, 1]
        self.layers = nn.ModuleList(EnsembleLinear(n, i, o) for i, o in zip(dims[:-1], dims[1:]))

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        x = torch.cat([obs, action], dim=-1).expand(self.n, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x.squeeze(-1)

    def first(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """Q_1(s, a) alone, (B,): what the actor maximises, without the
        other members' work."""
        x = torch.cat([obs, action], dim=-1)
        for i, layer in enumerate(self.layers):
            x = torch.addmm(layer.bias[0], x, layer.weight[0])
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x.squeeze(-1)


class Actor(nn.Module):
    """Deterministic policy with tanh outputs in [-1, 1]."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.net = mlp(obs_dim, hidden, action_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(obs))
