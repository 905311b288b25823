"""Dueling GAN-DDQN (Hua et al., "GAN-powered deep distributional RL for
resource management in network slicing", IEEE JSAC 2020): zhang_digital_twin's
third agent φ.

What is taken from Hua et al.'s description:

- A **generator** maps a state and noise to samples of the action-value
  distribution Z(s, a). Its **dueling** form splits into a state-value
  distribution V(s; τ), one sample per noise draw τ ~ U(0, 1), and a
  deterministic advantage A(s, a):
  Z(s, a; τ) = V(s; τ) + A(s, a) − mean_a' A(s, a').
- A **discriminator** tells the generator's samples from the target
  distribution's samples, r + γ Z'(s', a*; τ'). It is trained as a WGAN
  with gradient penalty. In the dueling form it judges state-value samples:
  the target's, with the advantage A(s, a) taken off, against V(s; τ).
- **Double-Q action selection**: a* = argmax_a E[Z(s', a)] by the online
  generator, valued by the target generator.
- Q(s, a) = E[Z(s, a)] chooses actions, ε-greedy while exploring.

Where the description leaves room, these are the choices:

- τ enters as an IQN cosine embedding multiplied into the state features.
- The discriminator scores one sample at a time, together with its state.
  A transition carries a single draw of the return, so the target's spread
  at a state only shows across transitions. A discriminator that saw a
  transition's N target samples as a set would see no spread, and would
  push the generator to a point.
- The generator's loss adds the squared TD error of the sample mean,
  (E[Z(s, a)] − E[target])². It trains the advantage stream, which the
  adversarial term alone cannot pin down, and keeps Q(s, a) (what acts)
  anchored. This is the role Hua et al. give the advantage function's
  loss.
- One discriminator step per generator step. Greedy actions use a fixed
  grid of N mid-point τ's, so they are deterministic.
- No reward clipping: zhang_digital_twin's shaped rewards already lie in
  [0, ~1.5].
"""
from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.networks import mlp


class DuelingGenerator(nn.Module):
    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int], n_samples: int = 32,
                 n_cos: int = 64):
        super().__init__()
        self.n_samples, self.n_cos = n_samples, n_cos
        width = hidden[-1]
        self.body = mlp(obs_dim, hidden)
        self.tau_embed = nn.Sequential(nn.Linear(n_cos, width), nn.ReLU())
        self.value = nn.Linear(width, 1)
        self.advantage = nn.Linear(width, n_actions)
        self.register_buffer("grid", (torch.arange(n_samples) + 0.5) / n_samples)
        self.register_buffer("freqs", math.pi * torch.arange(n_cos, dtype=torch.float32))

    def parts(self, obs: torch.Tensor, taus: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """State-value samples V(s; τ) (B, N) for taus (B, N), and the
        mean-centred advantage A(s, ·) (B, |A|)."""
        h = self.body(obs)
        emb = self.tau_embed(torch.cos(taus.unsqueeze(-1) * self.freqs))  # (B, N, width)
        v = self.value(h.unsqueeze(1) * emb).squeeze(-1)
        a = self.advantage(h)
        return v, a - a.mean(dim=-1, keepdim=True)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Q(s, ·) = E[Z(s, ·)] on the fixed τ grid."""
        v, a = self.parts(obs, self.grid.expand(len(obs), -1))
        return v.mean(dim=-1, keepdim=True) + a

    def q_at(self, obs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Q(s, a) for one action per row (the interface of ``QNetwork``)."""
        return self.forward(obs).gather(1, actions.long().view(-1, 1)).squeeze(1)


class Discriminator(nn.Module):
    """Scores each value sample given its state: (B, S), (B, N) -> (B, N)."""

    def __init__(self, obs_dim: int, hidden: Sequence[int]):
        super().__init__()
        self.net = mlp(obs_dim + 1, hidden, 1)

    def forward(self, obs: torch.Tensor, samples: torch.Tensor) -> torch.Tensor:
        s = obs.unsqueeze(1).expand(-1, samples.shape[1], -1)
        return self.net(torch.cat([s, samples.unsqueeze(-1)], dim=-1)).squeeze(-1)


class GANDDQNAgent(DQNAgent):
    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int] = (256, 256, 128, 128),
                 n_samples: int = 32, n_cos: int = 64, disc_hidden: Sequence[int] = (256, 256),
                 disc_lr: float = 1e-4, gp_weight: float = 10.0, mean_weight: float = 1.0,
                 **kwargs):
        self.n_samples, self.n_cos = n_samples, n_cos
        kwargs.update(double=True, dueling=True)
        super().__init__(obs_dim, n_actions, hidden, **kwargs)
        self.disc = Discriminator(obs_dim, disc_hidden).to(self.device)
        self.disc_opt = torch.optim.Adam(self.disc.parameters(), lr=disc_lr, betas=(0.5, 0.9))
        self.gp_weight, self.mean_weight = gp_weight, mean_weight

    def network(self, obs_dim, n_actions, hidden, dueling) -> nn.Module:
        return DuelingGenerator(obs_dim, n_actions, hidden, self.n_samples, self.n_cos)

    def networks(self) -> dict[str, nn.Module]:
        return {**super().networks(), "disc": self.disc}

    def update(self) -> dict[str, float]:
        batch = self.replay.sample(self.batch_size, self.gen)
        obs, actions, rewards, next_obs, dones = batch
        B, N = len(obs), self.n_samples
        rows = torch.arange(B)
        with torch.no_grad():
            best = self.q(next_obs).argmax(dim=-1)  # double Q: online picks, target values
            v_next, a_next = self.q_target.parts(next_obs, torch.rand(B, N, generator=self.gen))
            z_next = v_next + a_next[rows, best].unsqueeze(-1)
            target = rewards.unsqueeze(-1) + self.gamma * (1.0 - dones).unsqueeze(-1) * z_next
        v, a = self.q.parts(obs, torch.rand(B, N, generator=self.gen))
        adv = a[rows, actions].unsqueeze(-1)
        z = v + adv

        # discriminator: WGAN-GP between the target's state-value samples (real) and V's (fake)
        real, fake = target - adv.detach(), v.detach()
        mix = torch.rand(B, N, generator=self.gen)
        inter = (mix * real + (1.0 - mix) * fake).requires_grad_(True)
        grad = torch.autograd.grad(self.disc(obs, inter).sum(), inter, create_graph=True)[0]
        penalty = ((grad.abs() - 1.0) ** 2).mean()  # per scalar sample: |∂D/∂x| = 1
        d_loss = self.disc(obs, fake).mean() - self.disc(obs, real).mean() + self.gp_weight * penalty
        self.disc_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.disc_opt.step()

        # generator: fool the discriminator, and match the target's mean
        g_loss = -self.disc(obs, v).mean() + self.mean_weight * F.mse_loss(z.mean(-1), target.mean(-1))
        self._step(g_loss, batch)
        return {"loss": g_loss.item(), "disc_loss": d_loss.item()}

    def td_loss(self, batch: tuple) -> torch.Tensor:
        """The squared TD error of Q = E[Z] on the fixed τ grid against the
        double-Q target: deterministic, so it is what eq. (11)'s landscape
        measures for this agent (its own update adds the adversarial term)."""
        return F.mse_loss(self.q.q_at(batch[0], batch[1]), self.td_target(batch))

    def state_dict(self) -> dict:
        return {**super().state_dict(), "disc": self.disc.state_dict(),
                "disc_opt": self.disc_opt.state_dict()}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        super().load_state_dict(state, weights_only)
        self.disc.load_state_dict(state["disc"])
        if not weights_only:
            self.disc_opt.load_state_dict(copy.deepcopy(state["disc_opt"]))
