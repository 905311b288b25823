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

    def inputs(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """The rows the layers read: one per (s, a)."""
        return torch.cat([obs, action], dim=-1)

    def reduce(self, q: torch.Tensor) -> torch.Tensor:
        """The layers' outputs (..., rows) -> Q per (s, a) (..., B)."""
        return q

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        x = self.inputs(obs, action).expand(self.n, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return self.reduce(x.squeeze(-1))

    def first(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """Q_1(s, a) alone, (B,): what the actor maximises, without the
        other members' work."""
        x = self.inputs(obs, action)
        for i, layer in enumerate(self.layers):
            x = torch.addmm(layer.bias[0], x, layer.weight[0])
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return self.reduce(x.squeeze(-1))


def item_rows(x: torch.Tensor, items: int, index: bool = False) -> torch.Tensor:
    """(B, items·d) -> (B·items, 2d [+ items]): each item's own d features
    beside the mean over all items (a DeepSets context), so that one network
    shared by the items sees its item and the whole; ``index`` appends the
    item's one-hot position, so that items alike in features can still
    decide apart."""
    per = x.reshape(x.shape[0], items, -1)
    parts = [per, per.mean(dim=1, keepdim=True).expand_as(per)]
    if index:
        parts.append(torch.eye(items, dtype=x.dtype, device=x.device).expand(x.shape[0], -1, -1))
    return torch.cat(parts, dim=-1).reshape(x.shape[0] * items, -1)


def item_dims(obs_dim: int, action_dim: int, items: int) -> tuple[int, int, int]:
    """The widths of a network shared by ``items`` items: its observation
    row (``item_rows`` with the index), its action row (``item_rows``), and
    one item's share of the action."""
    if obs_dim % items or action_dim % items:
        raise ValueError(f"obs ({obs_dim}) and action ({action_dim}) dims must split into {items} items")
    return 2 * obs_dim // items + items, 2 * action_dim // items, action_dim // items


class ItemCriticEnsemble(CriticEnsemble):
    """Q(s, a) = mean over items of q(s_i, s̄, a_i, ā): one small network
    shared by the ``items`` items of an env whose observation and action are
    per-item blocks (zhang2021: N tasks, 7 features and 10 decisions each),
    a value decomposition (Sunehag et al., 2018) whose every transition
    trains q on ``items`` rows. The reward such envs pay is the mean over
    items, which the mean here mirrors."""

    def __init__(self, n: int, obs_dim: int, action_dim: int, hidden: Sequence[int], items: int):
        obs_row, action_row, _ = item_dims(obs_dim, action_dim, items)
        super().__init__(n, obs_row, action_row, hidden)
        self.items = items

    def inputs(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return torch.cat([item_rows(obs, self.items, index=True), item_rows(action, self.items)], dim=-1)

    def reduce(self, q: torch.Tensor) -> torch.Tensor:
        return q.reshape(*q.shape[:-1], -1, self.items).mean(dim=-1)


class Actor(nn.Module):
    """Deterministic policy with tanh outputs in [-1, 1]."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.net = mlp(obs_dim, hidden, action_dim)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.net(obs))


class ItemActor(nn.Module):
    """π(s)_i = tanh(f(s_i, s̄)): one network shared by the ``items`` items
    (see ItemCriticEnsemble), each item's decisions from its own features
    and the mean over all items."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: Sequence[int], items: int):
        super().__init__()
        obs_row, _, out = item_dims(obs_dim, action_dim, items)
        self.items = items
        self.net = mlp(obs_row, hidden, out)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        lead = obs.shape[:-1]
        x = item_rows(obs.reshape(-1, obs.shape[-1]), self.items, index=True)
        return torch.tanh(self.net(x)).reshape(*lead, -1)


def agent_rows(x: torch.Tensor, agents: int, items: int | None = None, index: bool = False) -> torch.Tensor:
    """(B, agents·d) or (B, agents, d) -> (agents, B, d): one slab per agent.
    ``items``: each agent's d features are per-item blocks (an ItemActor's
    input), and its slab is its ``item_rows`` (agents, B·items, d')."""
    x = x.reshape(x.shape[0], agents, -1).transpose(0, 1)
    if items is None:
        return x
    return item_rows(x.reshape(-1, x.shape[-1]), items, index).reshape(agents, x.shape[1] * items, -1)


class StackedActor(nn.Module):
    """``agents`` independent actors (hu: one per cell; stacked seeds: one per
    member) as one network whose every layer is an EnsembleLinear over the
    agents: (B, agents·d) -> (B, agents·a), one batched matmul per layer for
    all agents. ``items``: each agent is an ItemActor (zhang2021), its one
    network applied to its own items' rows."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: Sequence[int], agents: int,
                 items: int | None = None):
        super().__init__()
        if obs_dim % agents or action_dim % agents:
            raise ValueError(f"obs ({obs_dim}) and action ({action_dim}) dims must split into {agents} agents")
        self.agents, self.items = agents, items
        d_obs, d_act = obs_dim // agents, action_dim // agents
        if items is not None:   # as ItemActor
            d_obs, _, d_act = item_dims(d_obs, d_act, items)
        dims = [d_obs, *hidden, d_act]
        self.layers = nn.ModuleList(EnsembleLinear(agents, i, o) for i, o in zip(dims[:-1], dims[1:]))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = agent_rows(obs, self.agents, self.items, index=True)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            x = torch.relu(x) if i < len(self.layers) - 1 else torch.tanh(x)
        return x.reshape(self.agents, obs.shape[0], -1).transpose(0, 1).reshape(obs.shape[0], -1)


class StackedCriticEnsemble(nn.Module):
    """``n`` Q networks per agent for ``agents`` agents, n·agents members of
    one ensemble (member c·agents + k is critic c of agent k): returns
    (n, B, agents), agent k's Q from its own observation and action only.
    ``items``: each agent's critic is an ItemCriticEnsemble's, Q the mean
    over its items' rows."""

    def __init__(self, n: int, obs_dim: int, action_dim: int, hidden: Sequence[int], agents: int,
                 items: int | None = None):
        super().__init__()
        if obs_dim % agents or action_dim % agents:
            raise ValueError(f"obs ({obs_dim}) and action ({action_dim}) dims must split into {agents} agents")
        self.n, self.agents, self.items = n, agents, items
        d_obs, d_act = obs_dim // agents, action_dim // agents
        if items is not None:   # as ItemCriticEnsemble
            d_obs, d_act, _ = item_dims(d_obs, d_act, items)
        dims = [d_obs + d_act, *hidden, 1]
        self.layers = nn.ModuleList(EnsembleLinear(n * agents, i, o) for i, o in zip(dims[:-1], dims[1:]))

    def _rows(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        return torch.cat([agent_rows(obs, self.agents, self.items, index=True),
                          agent_rows(action, self.agents, self.items)], dim=-1)

    def _run(self, x: torch.Tensor, members: int) -> torch.Tensor:
        """(members, rows, d) -> Q (members, B): the items' mean where per item."""
        for i, layer in enumerate(self.layers):
            x = torch.baddbmm(layer.bias[:members], x, layer.weight[:members])
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        x = x.squeeze(-1)
        return x if self.items is None else x.reshape(members, -1, self.items).mean(dim=-1)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        x = self._rows(obs, action)
        x = x.expand(self.n, -1, -1, -1).reshape(self.n * self.agents, x.shape[1], -1)
        return self._run(x, self.n * self.agents).reshape(self.n, self.agents, -1).transpose(1, 2)

    def first(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """Every agent's Q_1 alone, (B, agents)."""
        return self._run(self._rows(obs, action), self.agents).transpose(0, 1)
