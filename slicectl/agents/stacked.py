"""Seeds stacked: N agents of one config, each with its own seed, trained in
one process as the N members of one ensemble.

A member is a complete agent, built as a separate run would build it: its
seed's initial networks, its replay, its exploration and minibatch random
generators, its step counters. The stack keeps the members' networks and
Adam moments as ensemble tensors with a leading member axis, so that one
batched matmul serves every member where a separate run pays one small
matmul (and its Python and kernel-launch overhead) per layer. Nothing is
shared: member k's loss depends on member k's parameters and minibatch only,
its gradient is clipped by its own norm, and Adam is elementwise, so each
member follows the update its separate run would make, up to the rounding
of a batched matmul. ``sync()`` writes the ensemble back into the member
agents, whose ``state_dict()`` is then a separate run's checkpoint, byte for
byte in layout; a stack built from members that loaded such checkpoints
continues them.

``StackedDQN`` serves the DQN family (DQN, Double DQN, Dueling DQN);
``StackedTD3`` TD3 and DDPG, flat, per item (zhang2021) or stacked over a
cell's agents (hu): the members are then the agents of one ``StackedActor``
whose input rows hold every member's observation side by side.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.exploration import epsilon
from slicectl.agents.networks import EnsembleLinear, QNetwork, StackedActor, StackedCriticEnsemble
from slicectl.agents.td3 import TD3Agent


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


def _views(flat: torch.Tensor, like: list[torch.Tensor]) -> list[torch.Tensor]:
    """``flat`` cut into views shaped as the tensors ``like`` (in order)."""
    out, start = [], 0
    for t in like:
        out.append(flat[start:start + t.numel()].view_as(t))
        start += t.numel()
    return out


class StackedTD3(TD3Agent):
    """``members`` (TD3Agents of one config, one per seed) trained together:
    TD3's own update (``TD3Agent.update``) on networks stacked over the
    members' agents (``StackedActor``, ``StackedCriticEnsemble``), each
    minibatch and target noise drawn from the member's own generator.

    The runner hands it the members' rows one after the other (member k owns
    rows [k·B, (k+1)·B)); the stacked networks read one row per step with the
    members side by side."""

    SHARED = ("gamma", "tau", "batch_size", "learning_starts", "policy_delay", "target_noise",
              "noise_clip", "sigma", "epsilon", "sampler", "action_l2", "gradient_steps",
              "random_warmup", "device")

    def __init__(self, members: Sequence[TD3Agent]):   # noqa: super().__init__ builds one agent's networks
        m0 = members[0]
        if any(m.frozen for m in members):
            raise ValueError("an agent with frozen layers (a feature transfer) is not stacked")
        self.members, self.n = list(members), len(members)
        for key in self.SHARED:
            setattr(self, key, getattr(m0, key))
        self.frozen = {}
        self.items = None                            # the members explore per item; the stack acts greedily
        self.k = m0.agents or 1                      # a member's own agents (hu's cells)
        self.agents = self.n * self.k
        actor = [m for m in m0.actor.modules() if isinstance(m, (nn.Linear, EnsembleLinear))]
        critic = list(m0.critic.layers)
        d_obs, d_act = m0.replay.obs_dim // self.k, m0.action_dim // self.k   # one agent's
        hidden = [layer.weight.shape[2] if isinstance(layer, EnsembleLinear) else layer.out_features
                  for layer in actor[:-1]]
        critic_hidden = [layer.weight.shape[2] for layer in critic[:-1]]
        self.action_dim = m0.action_dim
        self.low, self.high = m0.low, m0.high
        A, items = self.agents, m0.items             # items: per-item members (zhang2021)
        self.actor = StackedActor(A * d_obs, A * d_act, hidden, A, items).to(self.device)
        self.actor_target = StackedActor(A * d_obs, A * d_act, hidden, A, items).to(self.device)
        self.critic = StackedCriticEnsemble(m0.critic.n, A * d_obs, A * d_act, critic_hidden, A,
                                            items).to(self.device)
        self.critic_target = StackedCriticEnsemble(m0.critic.n, A * d_obs, A * d_act, critic_hidden, A,
                                                   items).to(self.device)
        self._install(m0.actor_opt.param_groups[0]["lr"], m0.critic_opt.param_groups[0]["lr"])
        self.load_members()

    # ------------------------------------------------------- the members
    def _pairs(self, k: int, stacked: list[torch.Tensor], own: list[torch.Tensor], network: str):
        """(stacked view, member view) of member k for aligned tensor lists of
        a network: its layers' weights and biases, or their Adam moments."""
        K, A = self.k, self.agents
        for s, m in zip(stacked, own, strict=True):
            if network == "actor" and K == 1 and self.members[0].agents is None:   # nn.Linear layers
                yield (s[k], m.T) if m.dim() == 2 else (s[k, 0], m)
            elif network == "actor":
                yield s[k * K:(k + 1) * K], m
            else:                                  # critic c of agent j is member c·agents + j
                for c in range(self.critic.n):
                    yield s[c * A + k * K:c * A + (k + 1) * K], m[c * K:(c + 1) * K]

    def _transfer(self, load: bool) -> None:
        nets = ("actor", "actor_target", "critic", "critic_target")
        for k, m in enumerate(self.members):
            for name in nets:
                mine = list(getattr(self, name).parameters())
                theirs = list(getattr(m, name).parameters())
                for s, t in self._pairs(k, mine, theirs, name.removesuffix("_target")):
                    (s if load else t).copy_(t if load else s)
            for name, flat in (("actor", "_actor_flat"), ("critic", "_critic_flat")):
                opt, own_opt = getattr(self, f"{name}_opt"), getattr(m, f"{name}_opt")
                mine, theirs = opt.state.get(getattr(self, flat)), own_opt.state.get(getattr(m, flat))
                if load and not theirs:
                    opt.state.clear()
                    continue
                if not load:
                    if not mine:
                        continue
                    theirs = own_opt.state[getattr(m, flat)] = {
                        "step": mine["step"].clone(), "exp_avg": torch.zeros_like(getattr(m, flat)),
                        "exp_avg_sq": torch.zeros_like(getattr(m, flat))}
                elif not mine:
                    mine = opt.state[getattr(self, flat)] = {
                        "step": theirs["step"].clone(), "exp_avg": torch.zeros_like(getattr(self, flat)),
                        "exp_avg_sq": torch.zeros_like(getattr(self, flat))}
                for key in ("exp_avg", "exp_avg_sq"):
                    stacked = _views(mine[key], list(getattr(self, name).parameters()))
                    own = _views(theirs[key], list(getattr(m, name).parameters()))
                    for s, t in self._pairs(k, stacked, own, name):
                        (s if load else t).copy_(t if load else s)

    @torch.no_grad()
    def load_members(self) -> None:
        """Take the members' networks, Adam moments and counters into the stack."""
        self._transfer(load=True)
        self.steps, self.updates = self.members[0].steps, self.members[0].updates

    @torch.no_grad()
    def sync(self) -> None:
        """Write the stack's networks, Adam moments and counters into the members."""
        self._transfer(load=False)
        for m in self.members:
            m.updates = self.updates

    # ------------------------------------------------------------- layout
    def _side_by_side(self, x: np.ndarray) -> np.ndarray:
        """Members' rows one after the other (N·B, ...) -> one row per step
        with the members side by side (B, N·...)."""
        x = np.asarray(x)
        return x.reshape(self.n, -1, *x.shape[1:]).swapaxes(0, 1).reshape(x.shape[0] // self.n, -1)

    # ------------------------------------------------------------- acting
    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        a = self.greedy(self._side_by_side(obs))                       # (B, N·K·a)
        parts = np.split(a.reshape(len(a), self.n, -1).swapaxes(0, 1), self.n)
        own = np.split(np.asarray(obs), self.n)
        return np.concatenate([m.explore(p[0].copy(), o) if explore else m.to_env(p[0])
                               for m, p, o in zip(self.members, parts, own)])

    # ------------------------------------------------------------ learning
    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        parts = zip(*(np.split(np.asarray(x), self.n) for x in (obs, actions, rewards, next_obs, dones)))
        for m, (o, a, r, o2, d) in zip(self.members, parts):
            m.replay.add(o, m.from_env(np.reshape(a, (len(r), -1))), r, o2, d)
            m.steps += len(r)
        self.steps = self.members[0].steps
        rows = len(rewards) // self.n
        if self.steps < self.learning_starts:
            return {}
        stats: dict[str, float] = {}
        for _ in range(rows * self.gradient_steps):
            stats = self.update()
        return stats

    def _sample(self) -> tuple:
        batches = [m.replay.sample(self.batch_size, m.gen) for m in self.members]
        B = self.batch_size
        return tuple(torch.cat([b[i].reshape(B, -1) for b in batches], dim=1) for i in range(5))

    def _noise(self, shape) -> torch.Tensor:
        return torch.cat([torch.randn((shape[0], shape[1] // self.n), generator=m.gen) for m in self.members],
                         dim=1)

    def _loss_stats(self, q: torch.Tensor, target: torch.Tensor, loss: torch.Tensor) -> dict:
        per_agent = (q - target).square().sum(dim=0).mean(dim=0)        # (agents,)
        losses = per_agent.detach().reshape(self.n, self.k).sum(dim=1).cpu().numpy()
        return {"loss": float(losses.mean()), "losses": losses}


def stack_agents(agents: Sequence) -> StackedDQN | StackedTD3 | None:
    """The stack of ``agents`` (one config, one agent per seed), or None for
    a kind that is not stacked (they then train one after the other)."""
    if len(agents) < 2:
        return None
    if all(type(a) is DQNAgent for a in agents):
        return StackedDQN(agents)
    if all(type(a) is TD3Agent and not a.frozen for a in agents):
        return StackedTD3(agents)
    return None
