"""hu section IV-B: inter-agent similarity from a VAE's latent space.

1. Samples x = [s, r] of every cell under one default action a' (an equal
   split): ``collect_default_samples``.
2. One VAE trained on all cells' samples with eq. (6):
   ||x − x̂||² + α·KL(N(μ, diag σ²) || N(0, I)); encoder 64-24-4, decoder
   4-24-64 (section V-4).
3. The distance of eq. (7): the mean over all sample pairs (n from agent i,
   m from agent k) of KL(N(μ_n, σ_n²) || N(μ_m, σ_m²)). The mean over pairs
   of the closed form (eq. 8) separates into per-agent moments, so the exact
   D is O(samples), not O(samples²) (``closed_form_distance``). When every
   posterior variance is small and alike, Lemma 1 (eq. 9) gives
   (1 / 2σ²)·mean ||μ_n − μ_m||² (``lemma1_distance``); ``distances`` picks
   it under that condition, the closed form otherwise.
4. The source of target k is argmin_{i ≠ k} D_{i,k} (eq. 10).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from slicectl.agents.networks import mlp


class VAE(nn.Module):
    """Gaussian encoder (μ, log σ²) and a deterministic decoder, MLPs."""

    def __init__(self, x_dim: int, hidden: tuple[int, ...] = (64, 24), latent: int = 4):
        super().__init__()
        self.encoder = mlp(x_dim, hidden, 2 * latent)
        self.decoder = mlp(latent, tuple(reversed(hidden)), x_dim)
        self.latent = latent

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar.clamp(-30.0, 20.0)

    def loss(self, x: torch.Tensor, alpha: float, gen: torch.Generator) -> torch.Tensor:
        """Eq. (6), averaged over the batch."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn(mu.shape, generator=gen) * (0.5 * logvar).exp()
        recon = (self.decoder(z) - x).square().sum(-1)
        kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(-1)
        return (recon + alpha * kl).mean()


def collect_default_samples(env, steps: int, seeds: list[int]) -> np.ndarray:
    """x = [s, r] of every cell for ``steps`` steps of the equal split in
    the rows ``seeds``: (steps·rows, K, obs + 1). s is the state the
    action was taken in, r the reward it earned."""
    obs = env.reset(seeds)
    K, N = env.action_space.shape
    default = np.full((env.num_envs, K, N), 1.0 / N)
    xs = []
    for _ in range(steps):
        nxt, reward, _, _ = env.step(default)
        xs.append(np.concatenate([obs, reward[..., None]], axis=-1))
        obs = nxt
    return np.concatenate(xs, axis=0).astype(np.float32)


def train_vae(samples: np.ndarray, epochs: int, alpha: float, lr: float = 1e-3,
              batch_size: int = 256, seed: int = 0) -> tuple[VAE, list[float]]:
    """One VAE on every agent's samples (n, K, d) pooled; returns it and the
    loss per epoch."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(samples.reshape(-1, samples.shape[-1]))
    vae = VAE(x.shape[1])
    opt = torch.optim.Adam(vae.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = x[perm[start:start + batch_size]]
            loss = vae.loss(batch, alpha, gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        history.append(total / len(x))
    return vae, history


@torch.no_grad()
def posteriors(vae: VAE, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per agent the posterior means and variances: (K, n, L) each."""
    n, K, d = samples.shape
    mu, logvar = vae.encode(torch.as_tensor(samples.reshape(-1, d)))
    shape = (n, K, vae.latent)
    return (mu.reshape(shape).transpose(0, 1).double().numpy(),
            logvar.exp().reshape(shape).transpose(0, 1).double().numpy())


def closed_form_distance(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Eq. (7) with eq. (8) for every ordered pair of agents, exactly:
    D[i, k] = mean over n ∈ i, m ∈ k of KL(N(μ_n, σ_n²) || N(μ_m, σ_m²)).

    Per latent dimension, KL = ½[log σ_m² − log σ_n² − 1 + (μ_n − μ_m)²/σ_m²
    + σ_n²/σ_m²], and each term's mean over pairs is a product of one mean
    over i's samples and one over k's."""
    inv = 1.0 / var                                    # (K, n, L)
    e_logvar = np.log(var).mean(1)                     # E log σ²
    e_mu, e_mu2 = mu.mean(1), (mu ** 2).mean(1)        # E μ, E μ²
    e_inv, e_mu_inv, e_mu2_inv = inv.mean(1), (mu * inv).mean(1), (mu ** 2 * inv).mean(1)
    e_var = var.mean(1)
    # [i, k, l]: i the source side (n), k the target side (m)
    quad = (e_mu2[:, None] * e_inv[None] - 2 * e_mu[:, None] * e_mu_inv[None] + e_mu2_inv[None])
    kl = 0.5 * (e_logvar[None] - e_logvar[:, None] - 1.0 + quad + e_var[:, None] * e_inv[None])
    return kl.sum(-1)


def lemma1_distance(mu: np.ndarray, sigma2: float) -> np.ndarray:
    """Eq. (9) in eq. (7): (1 / 2σ²)·mean over pairs of ||μ_n − μ_m||²."""
    e_mu, e_sq = mu.mean(1), (mu ** 2).sum(-1).mean(1)
    pair = e_sq[:, None] + e_sq[None] - 2 * e_mu @ e_mu.T
    return pair / (2.0 * sigma2)


def distances(vae: VAE, samples: np.ndarray, small_var: float = 1e-3,
              spread: float = 2.0) -> tuple[np.ndarray, str]:
    """The K × K matrix of eq. (7) and which formula gave it: Lemma 1 when
    every posterior variance is below ``small_var`` and the largest is at
    most ``spread`` times the smallest, the exact closed form otherwise."""
    mu, var = posteriors(vae, samples)
    if var.max() < small_var and var.max() <= spread * var.min():
        return lemma1_distance(mu, float(var.mean())), "lemma1"
    return closed_form_distance(mu, var), "closed_form"


def pick_sources(dist: np.ndarray, rule: str = "auto") -> np.ndarray:
    """Each target's source cell (eq. 10): the nearest other cell (``auto``),
    the farthest (``farthest``, Fig. 4's least similar source), one fixed
    cell (a 1-based number, as the paper names cells) or the cell itself
    (``self``: the control that fine-tunes each cell's own agent the same
    way, to tell the transfer's gain from that of more training)."""
    K = len(dist)
    if rule == "self":
        return np.arange(K)
    off = dist + np.diag(np.full(K, np.inf))
    if rule == "auto":
        return off.argmin(axis=0)
    if rule == "farthest":
        return np.where(np.eye(K, dtype=bool), -np.inf, dist).argmax(axis=0)
    cell = int(rule) - 1
    if not 0 <= cell < K:
        raise ValueError(f"source must be auto, farthest, self or a cell 1..{K}, not {rule}")
    return np.full(K, cell)
