"""TD3's and DDPG's seeds stacked (see the package docstring): the members'
actors and critics as one ``StackedActor`` and ``StackedCriticEnsemble``."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from slicectl.agents.networks import EnsembleLinear, StackedActor, StackedCriticEnsemble
from slicectl.agents.td3 import TD3Agent


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
