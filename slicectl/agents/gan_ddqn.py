"""Dueling GAN-DDQN (Hua et al., "GAN-powered deep distributional RL for
resource management in network slicing", IEEE JSAC 2020): zhang_digital_twin's
third agent φ.

What is taken from Hua et al.'s description:

- A **generator** maps a state and noise to samples of the action-value
  distribution Z(s, a). Its **dueling** form splits into a state-value
  distribution V(s; τ), one sample per noise draw τ ~ U(0, 1), and a
  deterministic advantage A(s, a) trained with the TD error:
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
- V(s; τ) = V(s) + U(s; τ): a mean head and a spread U centred over the
  draws of τ, so Q(s, a) = E[Z(s, a)] = V(s) + A(s, a) − mean A exactly.
  The mean (V, A and the shared body) is trained with Dueling DDQN's TD loss
  on Q; the spread (τ embedding and U's head, reading the body's features
  through a stop-gradient) with the adversarial loss. Hua et al. train the
  advantage with the TD error; here the state value's mean is too. The two
  losses touch disjoint parameters, so neither one's scale starves the
  other. Measured before this split, with one shared V(s; τ) and a weighted
  sum of the two losses: at weight 1 on the TD term the agent needed far more
  than 1000 steps on the 3-slice RAN (Dueling DDQN: ~600), and at weight 10
  or more the spread of the learned distribution collapsed to a point
  (std 0.05 where the reward noise is 0.5).
- One discriminator step per generator step. Greedy actions read Q, so
  they are deterministic.
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
    """Z(s, a; τ) = V(s) + U(s; τ) + A(s, a) − mean_a' A(s, a').

    V and A are a dueling Q-network's two heads; U is the spread of the
    state-value distribution around its mean, centred over the τ's drawn
    together, so that the samples' mean is exactly Q(s, a) = V(s) + A(s, a)
    − mean A. (Centring on a fixed grid instead is not enough: U is a
    high-frequency function of τ, and its mean over 16 grid points drifted
    far from its mean over uniform draws.)
    U reads the body's features through a stop-gradient: the adversarial loss
    shapes the distribution without pulling on the features Q is built from.
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int], n_samples: int = 32,
                 n_cos: int = 64):
        super().__init__()
        self.n_samples, self.n_cos = n_samples, n_cos
        width = hidden[-1]
        self.body = mlp(obs_dim, hidden)
        self.value = nn.Linear(width, 1)
        self.advantage = nn.Linear(width, n_actions)
        self.tau_embed = nn.Sequential(nn.Linear(n_cos, width), nn.ReLU())
        self.spread = nn.Linear(width, 1)
        self.register_buffer("freqs", math.pi * torch.arange(n_cos, dtype=torch.float32))

    def _spread(self, h: torch.Tensor, taus: torch.Tensor) -> torch.Tensor:
        emb = self.tau_embed(torch.cos(taus.unsqueeze(-1) * self.freqs))  # (B, N, width)
        return self.spread(h.detach().unsqueeze(1) * emb).squeeze(-1)

    def parts(self, obs: torch.Tensor, taus: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The mean state value V(s) (B, 1), its spread U(s; τ) (B, N) for
        taus (B, N), centred over each row's N draws, and the mean-centred advantage A(s, ·) (B, |A|)."""
        h = self.body(obs)
        u = self._spread(h, taus)
        u = u - u.mean(dim=-1, keepdim=True)
        a = self.advantage(h)
        return self.value(h), u, a - a.mean(dim=-1, keepdim=True)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Q(s, ·) = E[Z(s, ·)] (U averages to zero)."""
        h = self.body(obs)
        a = self.advantage(h)
        return self.value(h) + a - a.mean(dim=-1, keepdim=True)

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
    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int],
                 n_samples: int, n_cos: int, disc_hidden: Sequence[int],
                 disc_lr: float, gp_weight: float,
                 **kwargs):
        self.n_samples, self.n_cos = n_samples, n_cos
        kwargs.update(double=True, dueling=True)
        super().__init__(obs_dim, n_actions, hidden, **kwargs)
        self.disc = Discriminator(obs_dim, disc_hidden).to(self.device)
        self.disc_opt = torch.optim.Adam(self.disc.parameters(), lr=disc_lr, betas=(0.5, 0.9))
        self.gp_weight = gp_weight

    def network(self, obs_dim, n_actions, hidden, dueling) -> nn.Module:
        return DuelingGenerator(obs_dim, n_actions, hidden, self.n_samples, self.n_cos)

    def networks(self) -> dict[str, nn.Module]:
        return {**super().networks(), "disc": self.disc}

    def update(self) -> dict[str, float]:
        batch = self.replay.sample(self.batch_size, self.gen)
        obs, actions, rewards, next_obs, dones = batch
        B, N = len(obs), self.n_samples
        rows = torch.arange(B)
        with torch.no_grad():  # samples of the Bellman target r + γ Z'(s', a*; τ'), a* by double Q
            best = self.q(next_obs).argmax(dim=-1)
            v_next, u_next, a_next = self.q_target.parts(next_obs, torch.rand(B, N, generator=self.gen))
            z_next = v_next + u_next + a_next[rows, best].unsqueeze(-1)
            target = rewards.unsqueeze(-1) + self.gamma * (1.0 - dones).unsqueeze(-1) * z_next
        v, u, a = self.q.parts(obs, torch.rand(B, N, generator=self.gen))
        fake = v.detach() + u  # the state-value samples V(s) + U(s; τ)

        # discriminator: WGAN-GP between the target's state-value samples
        # (the target with the taken action's advantage taken off) and the generator's
        real = target - a[rows, actions].detach().unsqueeze(-1)
        mix = torch.rand(B, N, generator=self.gen)
        inter = (mix * real + (1.0 - mix) * fake.detach()).requires_grad_(True)
        grad = torch.autograd.grad(self.disc(obs, inter).sum(), inter, create_graph=True)[0]
        penalty = ((grad.abs() - 1.0) ** 2).mean()  # per scalar sample: |∂D/∂x| = 1
        d_loss = (self.disc(obs, fake.detach()).mean() - self.disc(obs, real).mean()
                  + self.gp_weight * penalty)
        self.disc_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        self.disc_opt.step()

        # generator: the spread fools the discriminator; the mean (V and A) is
        # Dueling DDQN's TD loss. The two touch disjoint parameters.
        adversarial = -self.disc(obs, fake).mean()
        td = self.td_loss(batch)
        self._step(adversarial + td, batch)
        return {"loss": td.item(), "gen_loss": adversarial.item(), "disc_loss": d_loss.item()}

    def weights(self) -> dict:
        return {**super().weights(), "disc": self.disc.state_dict()}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "disc": self.disc.state_dict(),
                "disc_opt": self.disc_opt.state_dict()}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        super().load_state_dict(state, weights_only)
        self.disc.load_state_dict(state["disc"])
        if not weights_only:
            self.disc_opt.load_state_dict(copy.deepcopy(state["disc_opt"]))
