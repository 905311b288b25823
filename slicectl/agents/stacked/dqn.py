"""The DQN family's seeds stacked (see the package docstring): the members'
Q networks as one ``EnsembleQNetwork``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.exploration import epsilon
from slicectl.agents.networks import EnsembleLinear, QNetwork


def _linears(net: nn.Module) -> list[nn.Linear]:
    return [m for m in net.modules() if isinstance(m, nn.Linear)]


class EnsembleQNetwork(nn.Module):
    """N ``QNetwork``s as one: observations (N, B, d) -> Q (N, B, A), member k
    from its own layers only (``EnsembleLinear``). ``dueling`` as QNetwork."""

    def __init__(self, n: int, obs_dim: int, n_actions: int, hidden: Sequence[int], dueling: bool):
        super().__init__()
        dims = [obs_dim, *hidden]
        self.body = nn.ModuleList(EnsembleLinear(n, i, o) for i, o in zip(dims[:-1], dims[1:]))
        width = hidden[-1] if hidden else obs_dim
        self.head = EnsembleLinear(n, width, n_actions)
        self.value = EnsembleLinear(n, width, 1) if dueling else None

    def layers(self) -> list[EnsembleLinear]:
        """In the order of QNetwork's ``nn.Linear`` modules."""
        return [*self.body, self.head, *([self.value] if self.value is not None else [])]

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        z = obs
        for layer in self.body:
            z = torch.relu(layer(z))
        q = self.head(z)
        if self.value is not None:
            q = self.value(z) + q - q.mean(dim=-1, keepdim=True)
        return q

    def q_at(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Q(s, a) for one action per row: ``forward(obs).gather`` (what
        ``DQNAgent.td_target`` asks of a value network)."""
        return self(obs).gather(-1, actions[..., None]).squeeze(-1)

    @torch.no_grad()
    def load_member(self, k: int, net: QNetwork) -> None:
        for mine, theirs in zip(self.layers(), _linears(net), strict=True):
            mine.weight[k].copy_(theirs.weight.T)
            mine.bias[k, 0].copy_(theirs.bias)

    @torch.no_grad()
    def store_member(self, k: int, net: QNetwork) -> None:
        for mine, theirs in zip(self.layers(), _linears(net), strict=True):
            theirs.weight.copy_(mine.weight[k].T)
            theirs.bias.copy_(mine.bias[k, 0])


def _member_view(t: torch.Tensor, k: int, like: torch.Tensor) -> torch.Tensor:
    """Member k's slice of an ensemble tensor (n, in, out) or (n, 1, out), in
    the layout of the member's own ``like`` (out, in) or (out,)."""
    return t[k].T if like.dim() == 2 else t[k, 0]


class StackedDQN:
    """``members`` (DQNAgents of one config, one per seed) trained together.

    Observations, actions, rewards... are the members' rows one after the
    other: member k owns rows [k·B, (k+1)·B) of every array."""

    def __init__(self, members: Sequence[DQNAgent]):
        if any(m.regulariser is not None for m in members):
            raise ValueError("a stacked DQN has no regulariser (offline RL trains one agent)")
        self.members = list(members)
        m0 = self.members[0]
        self.n = len(self.members)
        self.n_actions, self.double = m0.n_actions, m0.double
        self.gamma, self.batch_size, self.tau = m0.gamma, m0.batch_size, m0.tau
        self.learning_starts, self.train_freq = m0.learning_starts, m0.train_freq
        self.max_grad_norm, self.target_every = m0.max_grad_norm, m0.target_every
        self.device = m0.device
        first = _linears(m0.q)[0]
        hidden = [lin.out_features for lin in _linears(m0.q.body)]
        dueling = m0.q.value is not None
        self.q = EnsembleQNetwork(self.n, first.in_features, self.n_actions, hidden, dueling).to(self.device)
        self.q_target = EnsembleQNetwork(self.n, first.in_features, self.n_actions, hidden,
                                         dueling).to(self.device)
        self._params = list(self.q.parameters())
        self._target_params = list(self.q_target.parameters())
        lr = m0.optimizer.param_groups[0]["lr"]
        self.optimizer = torch.optim.Adam(self._params, lr=lr, fused=True)
        self.load_members()

    # ------------------------------------------------------- the members
    @torch.no_grad()
    def load_members(self) -> None:
        """Take the members' networks and Adam moments into the ensemble."""
        for k, m in enumerate(self.members):
            self.q.load_member(k, m.q)
            self.q_target.load_member(k, m.q_target)
        states = [m.optimizer.state for m in self.members]
        own = [[s.get(p) for p in m._params] for s, m in zip(states, self.members)]
        if all(all(st for st in o) for o in own):       # the members have taken steps
            for j, p in enumerate(self._params):
                like = self.members[0]._params[j]
                st = {"step": own[0][j]["step"].clone()}
                for key in ("exp_avg", "exp_avg_sq"):
                    st[key] = torch.stack([o[j][key].T if like.dim() == 2 else o[j][key][None]
                                           for o in own])
                self.optimizer.state[p] = st
        else:
            self.optimizer.state.clear()

    @torch.no_grad()
    def sync(self) -> None:
        """Write the ensemble's networks and Adam moments into the members."""
        for k, m in enumerate(self.members):
            self.q.store_member(k, m.q)
            self.q_target.store_member(k, m.q_target)
            for j, p in enumerate(self._params):
                st = self.optimizer.state.get(p)
                if not st:
                    continue
                like = m._params[j]
                m.optimizer.state[like] = {
                    "step": st["step"].clone(),
                    **{key: _member_view(st[key], k, like).clone() for key in ("exp_avg", "exp_avg_sq")}}

    @property
    def updates(self) -> int:
        return self.members[0].updates

    def _split(self, x) -> list:
        x = np.asarray(x)
        return np.split(x, self.n)

    # ------------------------------------------------------------- acting
    @torch.no_grad()
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32, device=self.device)
        q = self.q(x.reshape(self.n, -1, x.shape[-1]))
        return q.argmax(dim=-1).reshape(-1).cpu().numpy()

    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        greedy = self._split(self.greedy(obs))
        if not explore:
            return np.concatenate(greedy)
        out = []
        for m, actions in zip(self.members, greedy):   # each member's own ε and generator
            eps = epsilon(m.steps, *m.eps)
            rand = m.rng.random(len(actions)) < eps
            out.append(np.where(rand, m.rng.integers(0, self.n_actions, len(actions)), actions))
        return np.concatenate(out)

    # ------------------------------------------------------------ learning
    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        parts = zip(*(self._split(x) for x in (obs, actions, rewards, next_obs, dones)))
        before = self.members[0].steps
        for m, (o, a, r, o2, d) in zip(self.members, parts):
            m.replay.add(o, a, r, o2, d)
            m.steps += len(r)
        steps = self.members[0].steps
        stats: dict[str, float] = {}
        if steps < self.learning_starts:
            return stats
        for _ in range(steps // self.train_freq - before // self.train_freq):
            stats = self.update()
        return stats

    def update(self) -> dict[str, float]:
        batches = [m.replay.sample(self.batch_size, m.gen) for m in self.members]
        obs, actions, rewards, next_obs, dones = (torch.stack(f) for f in zip(*batches))
        q = self.q.q_at(obs, actions)
        target = DQNAgent.td_target(self, (obs, actions, rewards, next_obs, dones))   # on (N, B) rows
        per_member = F.smooth_l1_loss(q, target, reduction="none").mean(dim=-1)   # (N,)
        self.optimizer.zero_grad(set_to_none=True)
        per_member.sum().backward()          # member k's gradient is its own loss's
        with torch.no_grad():
            # clip_grad_norm_ per member: its own norm over its own parameters
            sq = sum(p.grad.reshape(self.n, -1).square().sum(dim=1) for p in self._params)
            coef = (self.max_grad_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
            for p in self._params:
                p.grad.mul_(coef.view(-1, *([1] * (p.dim() - 1))))
        self.optimizer.step()
        for m in self.members:
            m.updates += 1
        DQNAgent.update_target(self)
        return {"loss": float(per_member.mean().item()), "losses": per_member.detach().cpu().numpy()}
