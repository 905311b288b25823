"""zhang_digital_twin's digital twin (§III-C, eqs. 7 and 9): an LSTM
state-transition model P(s_{t+1} | s_{t-W+1..t}, a_{t-W+1..t}) and an MLP
reward model R(s_t, a_t), both fitted by least squares on recorded real
transitions.

Choices the paper leaves open:

- **Inputs.** An action enters as each slice's share of the band, not as one
  of 4851 indices: neighbouring splits then have neighbouring inputs.
- **History.** The LSTM reads the last ``window`` (state, action) pairs of
  the episode. Steps before the episode's start repeat its first pair.
- **Normalisation.** States and utilities are z-scored with the training
  data's statistics, which are kept in the model.
- **What R predicts.** R predicts the utility U_t of eq. (5); the twin then
  pays eq. (6)'s shaped reward on it. The threshold γ_t of eq. (6) rises
  with the real env's step count, so the shaped reward is a moving target,
  while U is a fixed function of the system.
- **Generative noise.** The twin samples s_{t+1} = P(·) + ε, with
  ε ~ N(0, σ²) per slice and σ the model's residual standard deviation on
  its training data. Traffic is random, and a twin that only returned the
  mean would show the agent a calmer network than the real one. The fit is
  still eq. (7)'s mean squared error.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from slicectl.agents.networks import mlp


class TwinModel(nn.Module):
    def __init__(self, obs_dim: int, feat_dim: int, window: int = 4, hidden: int = 64,
                 reward_hidden: Sequence[int] = (64, 64)):
        super().__init__()
        self.obs_dim, self.feat_dim, self.window = obs_dim, feat_dim, window
        self.lstm = nn.LSTM(obs_dim + feat_dim, hidden, batch_first=True)
        self.head = nn.Linear(hidden, obs_dim)
        self.reward = mlp(obs_dim + feat_dim, reward_hidden, 1)
        for name, size in (("obs_mean", obs_dim), ("obs_std", obs_dim), ("noise_std", obs_dim)):
            self.register_buffer(name, torch.ones(size) if "std" in name else torch.zeros(size))
        self.register_buffer("u_mean", torch.zeros(()))
        self.register_buffer("u_std", torch.ones(()))

    # inputs and outputs in the env's units; normalisation is internal
    def next_obs(self, obs_seq: torch.Tensor, feat_seq: torch.Tensor) -> torch.Tensor:
        """Mean s_{t+1} for histories (B, W, S) of states and action features."""
        x = torch.cat([(obs_seq - self.obs_mean) / self.obs_std, feat_seq], dim=-1)
        h, _ = self.lstm(x)
        return self.head(h[:, -1]) * self.obs_std + self.obs_mean

    def utility(self, obs: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
        """Predicted U_t for states (B, S) and action features (B, S)."""
        x = torch.cat([(obs - self.obs_mean) / self.obs_std, feat], dim=-1)
        return self.reward(x).squeeze(-1) * self.u_std + self.u_mean


def histories(data: dict[str, np.ndarray], window: int) -> tuple[np.ndarray, np.ndarray]:
    """Each transition's last ``window`` states and action features within its
    episode, oldest first: (n, W, S) each. Rows may come in any order."""
    order = np.lexsort((data["step"], data["episode"]))
    ep = data["episode"][order]
    first = np.zeros(len(ep), np.int64)  # position (in ``order``) of each row's episode start
    if len(ep):
        starts = np.flatnonzero(np.r_[True, ep[1:] != ep[:-1]])
        first = starts[np.searchsorted(starts, np.arange(len(ep)), side="right") - 1]
    pos = np.arange(len(ep))[:, None] + np.arange(-window + 1, 1)[None, :]
    pos = np.maximum(pos, first[:, None])
    rows = order[pos]  # (n, W) row indices, in ``order``'s positions
    out = np.empty(len(order), np.int64)
    out[order] = np.arange(len(order))
    rows = rows[out]  # back to the caller's row order
    return data["obs"][rows], data["features"][rows]


def fit(model: TwinModel, data: dict[str, np.ndarray], epochs: int, lr: float = 1e-3,
        batch_size: int = 128, seed: int = 0) -> dict[str, float]:
    """Fit both models with eq. (7)'s mean squared errors (on normalised
    targets); set the normalisation and the residual noise. Returns the
    final training losses."""
    obs = torch.as_tensor(data["obs"], dtype=torch.float32)
    nxt = torch.as_tensor(data["next_obs"], dtype=torch.float32)
    u = torch.as_tensor(data["utility"], dtype=torch.float32)
    seq_o, seq_f = (torch.as_tensor(a, dtype=torch.float32) for a in histories(data, model.window))
    feat = torch.as_tensor(data["features"], dtype=torch.float32)
    with torch.no_grad():
        model.obs_mean.copy_(obs.mean(0))
        model.obs_std.copy_(obs.std(0).clamp_min(1e-3) if len(obs) > 1 else torch.ones(model.obs_dim))
        model.u_mean.copy_(u.mean())
        model.u_std.copy_(u.std().clamp_min(1e-3) if len(u) > 1 else torch.ones(()))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = {"state_loss": float("nan"), "utility_loss": float("nan")}
    n = len(obs)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            b = perm[i:i + batch_size]
            pred = (model.next_obs(seq_o[b], seq_f[b]) - model.obs_mean) / model.obs_std
            lp = ((pred - (nxt[b] - model.obs_mean) / model.obs_std) ** 2).mean()
            lr_ = (((model.utility(obs[b], feat[b]) - u[b]) / model.u_std) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            (lp + lr_).backward()
            opt.step()
            losses = {"state_loss": lp.item(), "utility_loss": lr_.item()}
    with torch.no_grad():
        resid = model.next_obs(seq_o, seq_f) - nxt
        model.noise_std.copy_(resid.std(0) if n > 1 else torch.zeros(model.obs_dim))
    return losses


@torch.no_grad()
def errors(model: TwinModel, data: dict[str, np.ndarray]) -> dict[str, float | None]:
    """One-step prediction errors on ``data`` (held-out transitions), in the
    env's units: mean squared error of s_{t+1} and of U_t, beside the
    'nothing changes' predictor s_{t+1} = s_t for scale (None: no held-out data)."""
    if len(data["obs"]) == 0:
        return {"state_mse": None, "persistence_mse": None, "utility_mse": None}
    seq_o, seq_f = (torch.as_tensor(a, dtype=torch.float32) for a in histories(data, model.window))
    nxt = torch.as_tensor(data["next_obs"], dtype=torch.float32)
    obs = torch.as_tensor(data["obs"], dtype=torch.float32)
    u_hat = model.utility(obs, torch.as_tensor(data["features"], dtype=torch.float32))
    return {"state_mse": float(((model.next_obs(seq_o, seq_f) - nxt) ** 2).mean()),
            "persistence_mse": float(((obs - nxt) ** 2).mean()),
            "utility_mse": float(((u_hat - torch.as_tensor(data["utility"])) ** 2).mean())}
