"""TD3 (Fujimoto et al., 2018) and DDPG (Lillicrap et al., 2016) in one
implementation; DDPG is TD3 with one critic, no policy delay and no target
smoothing, so ``agent=ddpg`` is a config (``ddpg: true``), not a class.

    critic  y = r + γ (1 − done) · min_i Q'_i(s', clip(π'(s') + clip(ε, ±c), ±1)),  ε ~ N(0, σ_t)
            loss = Σ_i MSE(Q_i(s, a), y)
    actor   every ``policy_delay`` critic steps: maximise Q_1(s, π(s));
            then θ' ← τθ + (1 − τ)θ' for actor and critics

Actions live in [-1, 1] inside the agent and are mapped affinely to the
action space's [low, high] outside it. Exploration (huang2023 §IV-D, hybrid):
with probability ``epsilon`` a random *feasible* action from ``sampler(obs)``
— supplied by the environment, since only it knows the constraints — else
the actor's action plus N(0, ``sigma``) noise; ``epsilon = 0`` is plain
Gaussian exploration. With ``items`` (an env whose observation and action
are that many per-item blocks, zhang2021's tasks) one network is shared by
the items (networks.ItemActor, ItemCriticEnsemble) and ε replaces single
items' decisions rather than whole actions. ``action_l2`` adds
λ·mean(π(s)²) to the actor's loss (Andrychowicz et al., 2017, HER's DDPG)
so that the tanh outputs do not saturate where the critic is still flat.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from slicectl.agents.networks import (Actor, CriticEnsemble, ItemActor, ItemCriticEnsemble,
                                     StackedActor, StackedCriticEnsemble, flatten_parameters)
from slicectl.agents.replay import ReplayBuffer
from slicectl.agents.rng import numpy_state, set_numpy_state

Sampler = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class TD3Agent:
    def __init__(self, obs_dim: int, action_dim: int, low, high, *,
                 hidden: Sequence[int], actor_lr: float,
                 critic_lr: float, gamma: float, tau: float,
                 batch_size: int, buffer_size: int, learning_starts: int,
                 policy_delay: int, n_critics: int, target_noise: float,
                 noise_clip: float, sigma: float, epsilon: float,
                 critic_hidden: Sequence[int] | None, action_l2: float, ddpg: bool,
                 gradient_steps: int, random_warmup: bool, sampler: Sampler | None = None, items: int | None = None,
                 agents: int | None = None, device: str = "cpu", seed: int = 0):
        if ddpg:  # TD3's three changes off, whatever the keys for them say (presets set them for TD3)
            n_critics, policy_delay, target_noise = 1, 1, 0.0
        self.action_dim = action_dim
        self.low = np.broadcast_to(np.asarray(low, np.float64), (action_dim,))
        self.high = np.broadcast_to(np.asarray(high, np.float64), (action_dim,))
        self.gamma, self.tau, self.batch_size = gamma, tau, batch_size
        self.learning_starts, self.policy_delay = learning_starts, policy_delay
        self.target_noise, self.noise_clip = target_noise, noise_clip
        self.sigma, self.epsilon, self.sampler = sigma, epsilon, sampler
        self.action_l2, self.items, self.gradient_steps = action_l2, items, gradient_steps
        self.agents = agents
        if items is not None and agents is not None:
            raise ValueError("an agent is either per item (zhang2021) or stacked over agents (hu), not both")
        if epsilon > 0 and sampler is None:
            raise ValueError("hybrid exploration (epsilon > 0) needs the env's feasible-action sampler")
        self.device = torch.device(device)
        torch.manual_seed(seed)
        critic_hidden = hidden if critic_hidden is None else critic_hidden  # zhang2021 sizes them apart
        # items: the observation and action are that many per-item blocks and
        # one network serves every item (networks.ItemActor); else flat MLPs
        # agents: that many independent agents (hu's cells), each network an
        # ensemble over them (networks.StackedActor): one update trains all
        per = {"items": items} if items is not None else {"agents": agents} if agents is not None else {}
        actor_cls, critic_cls = ((ItemActor, ItemCriticEnsemble) if items is not None else
                                 (StackedActor, StackedCriticEnsemble) if agents is not None else
                                 (Actor, CriticEnsemble))
        self.actor = actor_cls(obs_dim, action_dim, hidden, **per).to(self.device)
        self.actor_target = actor_cls(obs_dim, action_dim, hidden, **per).to(self.device)
        self.critic = critic_cls(n_critics, obs_dim, action_dim, critic_hidden, **per).to(self.device)
        self.critic_target = critic_cls(n_critics, obs_dim, action_dim, critic_hidden, **per).to(self.device)
        self.actor_target.load_state_dict(self.actor.state_dict())
        self.critic_target.load_state_dict(self.critic.state_dict())
        self._install(actor_lr, critic_lr)
        self.replay = ReplayBuffer(buffer_size, obs_dim, (action_dim,), torch.float32, device,
                                   reward_dim=agents or 1)  # stacked: one reward per agent
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.steps = 0
        self.updates = 0
        # random_warmup: a fresh actor fills the replay with feasible random
        # actions for its first learning_starts steps; a transferred one
        # (huang2023 stages II-IV, hu's transfer) acts with its own policy
        # from the start, and so does an ablation of random exploration
        # (agent=ddpg_gaussian)
        self.random_warmup = random_warmup
        self.frozen: dict[str, torch.Tensor] = {}  # network -> 0/1 gradient mask (see freeze)

    def _install(self, actor_lr: float, critic_lr: float) -> None:
        """Optimisers over the networks: each network's parameters become
        views into one flat tensor (see flatten_parameters), so that Adam and
        the Polyak step are a kernel each."""
        self._actor_params = list(self.actor.parameters())
        self._critic_params = list(self.critic.parameters())
        self._online, (self._actor_flat, self._critic_flat) = flatten_parameters(self.actor, self.critic)
        self._target, _ = flatten_parameters(self.actor_target, self.critic_target)
        self.actor_opt = torch.optim.Adam([self._actor_flat], lr=actor_lr, fused=True)
        self.critic_opt = torch.optim.Adam([self._critic_flat], lr=critic_lr, fused=True)

    # ------------------------------------------------------------- scaling
    def to_env(self, a: np.ndarray) -> np.ndarray:
        return self.low + (np.asarray(a) + 1.0) * 0.5 * (self.high - self.low)

    def from_env(self, a: np.ndarray) -> np.ndarray:
        span = np.where(self.high > self.low, self.high - self.low, 1.0)
        return np.clip(2.0 * (np.asarray(a) - self.low) / span - 1.0, -1.0, 1.0)

    # -------------------------------------------------------------- acting
    @torch.no_grad()
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        a = self.actor(torch.as_tensor(obs, dtype=torch.float32, device=self.device))
        return a.cpu().numpy().astype(np.float64)

    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        a = self.greedy(obs)
        return self.explore(a, obs) if explore else self.to_env(a)

    def explore(self, a: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """The exploring action (in the env's units) around the actor's ``a``
        (in [-1, 1]) for ``obs``."""
        if self.steps < self.learning_starts and self.sampler is not None and self.random_warmup:
            return self.sampler(obs, self.rng)  # warm-up: feasible random actions
        a = np.clip(a + self.rng.normal(0.0, self.sigma, a.shape), -1.0, 1.0)
        if self.epsilon > 0:
            # with items, each item's decisions are replaced on their own
            # (the env's items are then feasible apart), so that the critic
            # sees one item try another choice among peers on the policy;
            # stacked agents explore each on its own the same way
            k = self.items or self.agents or 1
            pick = self.rng.random((len(a), k)) < self.epsilon
            rows = pick.any(axis=1)
            if rows.any():
                n_rows = int(rows.sum())
                rand = self.sampler(obs[rows], self.rng).reshape(n_rows, -1)
                rand = self.from_env(rand).reshape(n_rows, k, -1)
                view = a.reshape(len(a), k, -1)
                view[rows] = np.where(pick[rows][..., None], rand, view[rows])
        return self.to_env(a)

    # ------------------------------------------------------------ learning
    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        self.replay.add(obs, self.from_env(np.reshape(actions, (len(rewards), -1))), rewards, next_obs, dones)
        self.steps += len(rewards)
        if self.steps < self.learning_starts:
            return {}
        stats: dict[str, float] = {}
        for _ in range(len(rewards) * self.gradient_steps):  # updates per transition
            stats = self.update()
        return stats

    def update(self) -> dict[str, float]:
        obs, actions, rewards, next_obs, dones = self._sample()
        with torch.no_grad():
            next_a = self.actor_target(next_obs)
            if self.target_noise > 0:
                noise = self._noise(next_a.shape) * self.target_noise
                next_a = (next_a + noise.clamp(-self.noise_clip, self.noise_clip)).clamp(-1.0, 1.0)
            q_next = self.critic_target(next_obs, next_a).min(dim=0).values
            target = rewards + self.gamma * (1.0 - dones) * q_next
        q = self.critic(obs, actions)
        critic_loss = F.mse_loss(q, target.expand_as(q), reduction="sum") / q.shape[1]
        self._step(self.critic_opt, self._critic_flat, critic_loss, self._critic_params,
                   self.frozen.get("critic"))
        self.updates += 1
        stats = self._loss_stats(q, target, critic_loss)
        if self.updates % self.policy_delay == 0:
            # Q_1 only, and gradients for the actor only: the critic's weight
            # gradients would be computed and thrown away
            # stacked agents: the sum of their own losses, so that each
            # agent's gradient is what it would be alone
            k = self.agents or 1
            pi = self.actor(obs)
            actor_loss = -self.critic.first(obs, pi).mean(dim=0).sum()
            if self.action_l2 > 0:
                actor_loss = actor_loss + self.action_l2 * k * pi.square().mean()
            self._step(self.actor_opt, self._actor_flat, actor_loss, self._actor_params,
                       self.frozen.get("actor"))
            with torch.no_grad():
                self._target.lerp_(self._online, self.tau)
            stats["actor_loss"] = actor_loss.item()
        return stats

    def _sample(self) -> tuple:
        return self.replay.sample(self.batch_size, self.gen)

    def _noise(self, shape) -> torch.Tensor:
        return torch.randn(shape, generator=self.gen)

    def _loss_stats(self, q: torch.Tensor, target: torch.Tensor, loss: torch.Tensor) -> dict:
        return {"loss": loss.item()}

    @staticmethod
    def _step(opt: torch.optim.Optimizer, flat: torch.nn.Parameter, loss: torch.Tensor,
              params: list[torch.Tensor], keep: torch.Tensor | None = None) -> None:
        """One Adam step on ``flat`` (the parameters ``params`` view) for
        ``loss``; where ``keep`` is 0 the gradient is zeroed, so with fresh
        Adam moments those parameters never move (frozen)."""
        grads = torch.autograd.grad(loss, params)
        flat.grad = torch.cat([g.reshape(-1) for g in grads])
        if keep is not None:
            flat.grad.mul_(keep)
        opt.step()

    def freeze(self, network: str, names: Sequence[str]) -> None:
        """Stop training the parameters ``names`` of ``network`` (actor |
        critic): hu's feature transfer keeps the source's lower layers."""
        module = getattr(self, network)
        keep = torch.cat([torch.full((p.numel(),), 0.0 if n in names else 1.0)
                          for n, p in module.named_parameters()])
        self.frozen[network] = keep

    def networks(self) -> dict[str, torch.nn.Module]:
        """The networks whose parameters make up the agent (eq. 8 mixes these)."""
        return {"actor": self.actor, "actor_target": self.actor_target,
                "critic": self.critic, "critic_target": self.critic_target}

    # --------------------------------------------------------- checkpoints
    def weights(self) -> dict:
        """What ``load_state_dict(..., weights_only=True)`` reads: the networks."""
        return {name: getattr(self, name).state_dict()
                for name in ("actor", "actor_target", "critic", "critic_target")}

    def state_dict(self) -> dict:
        return {"actor": self.actor.state_dict(), "actor_target": self.actor_target.state_dict(),
                "critic": self.critic.state_dict(), "critic_target": self.critic_target.state_dict(),
                "actor_opt": self.actor_opt.state_dict(), "critic_opt": self.critic_opt.state_dict(),
                "replay": self.replay.state_dict(), "rng": numpy_state(self.rng),
                "gen": self.gen.get_state(), "steps": self.steps, "updates": self.updates}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        for name in ("actor", "actor_target", "critic", "critic_target"):
            getattr(self, name).load_state_dict(state[name])
        if weights_only:
            return
        # copies: torch would otherwise share the moment tensors with the source
        self.actor_opt.load_state_dict(copy.deepcopy(state["actor_opt"]))
        self.critic_opt.load_state_dict(copy.deepcopy(state["critic_opt"]))
        self.replay.load_state_dict(state["replay"])
        set_numpy_state(self.rng, state["rng"])
        self.gen.set_state(state["gen"])
        self.steps, self.updates = int(state["steps"]), int(state["updates"])
