"""DQN, Double DQN and Dueling DQN in one implementation.

    target  y = r + γ (1 − done) · Q_target(s', argmax_a Q(s', a))   (double)
            y = r + γ (1 − done) · max_a Q_target(s', a)             (plain)
    loss    Huber(Q(s, a), y); Adam; soft target update θ' ← τθ + (1 − τ)θ'
            (or a hard copy every ``target_every`` updates)

Exploration is ε-greedy with an exponentially decaying ε. ``double`` and
``dueling`` are switches, so ``agent=ddqn`` and ``agent=dueling_dqn`` are
configs, not classes.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from slicectl.agents.exploration import epsilon
from slicectl.agents.networks import QNetwork
from slicectl.agents.replay import ReplayBuffer
from slicectl.agents.rng import numpy_state, set_numpy_state


class DQNAgent:
    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int],
                 lr: float, gamma: float, batch_size: int,
                 buffer_size: int, learning_starts: int, train_freq: int,
                 tau: float, double: bool, dueling: bool,
                 eps_start: float, eps_end: float, eps_decay_steps: float,
                 max_grad_norm: float, target_every: int | None,
                 device: str = "cpu", seed: int = 0):
        self.n_actions = n_actions
        self.gamma, self.batch_size, self.tau = gamma, batch_size, tau
        self.learning_starts, self.train_freq = learning_starts, train_freq
        self.double = double
        self.eps = (eps_start, eps_end, eps_decay_steps)
        self.max_grad_norm = max_grad_norm
        self.target_every = target_every  # hard copy every n updates instead of the soft τ update
        self.device = torch.device(device)
        torch.manual_seed(seed)  # network initialisation
        self.q = self.network(obs_dim, n_actions, hidden, dueling).to(self.device)
        self.q_target = self.network(obs_dim, n_actions, hidden, dueling).to(self.device)
        self.q_target.load_state_dict(self.q.state_dict())
        self._params = list(self.q.parameters())
        self._target_params = list(self.q_target.parameters())
        # fused Adam: one kernel over all parameters, ~2x faster per step on CPU
        self.optimizer = torch.optim.Adam(self._params, lr=lr, fused=True)
        self.replay = ReplayBuffer(buffer_size, obs_dim, device=device)
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.steps = 0  # environment transitions seen
        self.updates = 0
        # an extra loss term f(agent, batch) added to every value-network
        # step: offline RL's penalties (slicectl/papers/zhang_dt/offline.py)
        self.regulariser = None

    @staticmethod
    def network(obs_dim: int, n_actions: int, hidden: Sequence[int], dueling: bool) -> torch.nn.Module:
        """The value network; ``self.q(obs)`` must return Q(s, ·)."""
        return QNetwork(obs_dim, n_actions, hidden, dueling)

    # ------------------------------------------------------------- acting
    @torch.no_grad()
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        q = self.q(torch.as_tensor(obs, dtype=torch.float32, device=self.device))
        return q.argmax(dim=-1).cpu().numpy()

    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        actions = self.greedy(obs)
        if explore:
            eps = epsilon(self.steps, *self.eps)
            rand = self.rng.random(len(actions)) < eps
            actions = np.where(rand, self.rng.integers(0, self.n_actions, len(actions)), actions)
        return actions

    # ------------------------------------------------------------ learning
    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        """Store a batch of transitions and take the due gradient steps."""
        self.replay.add(obs, actions, rewards, next_obs, dones)
        before = self.steps
        self.steps += len(rewards)
        stats: dict[str, float] = {}
        if self.steps < self.learning_starts:
            return stats
        for _ in range(self.steps // self.train_freq - before // self.train_freq):
            stats = self.update()
        return stats

    def update(self) -> dict[str, float]:
        batch = self.replay.sample(self.batch_size, self.gen)
        loss = self.td_loss(batch)
        self._step(loss, batch)
        return {"loss": loss.item()}

    def td_loss(self, batch: tuple) -> torch.Tensor:
        """The TD loss L_Q of the online network on a minibatch."""
        obs, actions = batch[0], batch[1]
        return F.smooth_l1_loss(self.q.q_at(obs, actions), self.td_target(batch))

    @torch.no_grad()
    def td_target(self, batch: tuple) -> torch.Tensor:
        """y = r + γ (1 − done) · Q_target(s', a'), a' by the online net
        (double) or the target net (plain)."""
        _, _, rewards, next_obs, dones = batch
        if self.double:  # online net picks a', target net values it
            best = self.q(next_obs).argmax(dim=-1)
            q_next = self.q_target.q_at(next_obs, best)
        else:
            q_next = self.q_target(next_obs).max(dim=-1).values
        return rewards + self.gamma * (1.0 - dones) * q_next

    def _step(self, loss: torch.Tensor, batch: tuple) -> None:
        """One clipped Adam step of the value network on ``loss`` (plus the
        regulariser on ``batch``, if one is set), then the soft target update."""
        if self.regulariser is not None:
            loss = loss + self.regulariser(self, batch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self._params, self.max_grad_norm, foreach=True)
        self.optimizer.step()
        self.updates += 1
        self.update_target()

    @torch.no_grad()
    def update_target(self) -> None:
        """After the ``updates``-th step: the soft target update (``tau``),
        or a hard copy every ``target_every`` updates."""
        if self.target_every is None:
            torch._foreach_lerp_(self._target_params, self._params, self.tau)
        elif self.updates % self.target_every == 0:
            torch._foreach_copy_(self._target_params, self._params)

    def networks(self) -> dict[str, torch.nn.Module]:
        """The networks whose parameters make up the agent (eq. 8 mixes these)."""
        return {"q": self.q, "q_target": self.q_target}

    # --------------------------------------------------------- checkpoints
    def weights(self) -> dict:
        """What ``load_state_dict(..., weights_only=True)`` reads: the networks."""
        return {"q": self.q.state_dict(), "q_target": self.q_target.state_dict()}

    def state_dict(self) -> dict:
        return {"q": self.q.state_dict(), "q_target": self.q_target.state_dict(),
                "optimizer": self.optimizer.state_dict(), "replay": self.replay.state_dict(),
                "rng": numpy_state(self.rng), "gen": self.gen.get_state(),
                "steps": self.steps, "updates": self.updates}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        """Restore everything, or only the networks with ``weights_only``."""
        self.q.load_state_dict(state["q"])
        self.q_target.load_state_dict(state["q_target"])
        if weights_only:
            return
        # a copy: torch would otherwise share the moment tensors with the source
        self.optimizer.load_state_dict(copy.deepcopy(state["optimizer"]))
        self.replay.load_state_dict(state["replay"])
        set_numpy_state(self.rng, state["rng"])
        self.gen.set_state(state["gen"])
        self.steps, self.updates = int(state["steps"]), int(state["updates"])
