"""zhang_digital_twin eq. (11): the loss landscape of a trained agent along
its gradient direction, and scalar flatness figures to compare agents.

    L'(λ) = (1/B) Σ_i L_Q(s_i, a_i, r_i, s_{i+1}; θ + λ d)

L_Q is the agent's own TD loss (``agent.td_loss``) with its target network
held fixed, on B held-out transitions. d is the gradient of that loss at θ,
*filter-normalised* (Li et al. 2018, the paper's ref. [28]): each output
unit's slice of d (a weight row, or a bias entry) is rescaled to the norm of
the same slice of θ. Without that, λ would mean different distances for
networks whose weights have different scales (eq. 8's mixing and eq. 13's
penalty both change weight norms), and the comparison would be meaningless.

Flatness figures (both in units of λ):

- ``curvature``: (L(h) − 2 L(0) + L(−h)) / h² at the grid step h nearest 0,
  and ``curvature_rel``, the same divided by L(0) (agents whose TD loss
  differs in level compare by how fast it grows *relative* to its level);
- ``width2x``: the length of the λ interval around 0 on which L ≤ 2 L(0),
  interpolated between grid points; censored at the grid's ends.

Along the gradient the curve is lopsided (downhill on the λ < 0 side, to
first order), so curvature and width can disagree; both are reported.
"""
from __future__ import annotations

import numpy as np
import torch


def direction(agent, batch: tuple) -> list[torch.Tensor]:
    """The filter-normalised gradient of the agent's TD loss at its weights."""
    params = list(agent.q.parameters())
    grads = torch.autograd.grad(agent.td_loss(batch), params, allow_unused=True)
    out = []
    for p, g in zip(params, grads, strict=True):
        g = torch.zeros_like(p) if g is None else g
        if p.dim() >= 2:  # one slice per output unit
            gn = g.flatten(1).norm(dim=1).clamp_min(1e-12)
            pn = p.detach().flatten(1).norm(dim=1)
            out.append(g * (pn / gn).view(-1, *[1] * (p.dim() - 1)))
        else:
            out.append(g * (p.detach().abs() / g.abs().clamp_min(1e-12)))
    return out


@torch.no_grad()
def curve(agent, batch: tuple, lambdas: np.ndarray) -> np.ndarray:
    """L'(λ) at each λ; the agent's weights are restored afterwards."""
    params = list(agent.q.parameters())
    with torch.enable_grad():
        d = direction(agent, batch)
    start = [p.detach().clone() for p in params]
    losses = []
    try:
        for lam in lambdas:
            for p, p0, di in zip(params, start, d, strict=True):
                p.copy_(p0 + float(lam) * di)
            losses.append(float(agent.td_loss(batch)))
    finally:
        for p, p0 in zip(params, start, strict=True):
            p.copy_(p0)
    return np.asarray(losses)


def flatness(lambdas: np.ndarray, losses: np.ndarray) -> dict[str, float]:
    """L(0), curvature at 0 and the width where the loss stays ≤ 2 L(0)."""
    i0 = int(np.argmin(np.abs(lambdas)))
    if not (0 < i0 < len(lambdas) - 1) or abs(lambdas[i0]) > 1e-12:
        raise ValueError("the λ grid must contain 0 with a point on each side")
    h = 0.5 * (lambdas[i0 + 1] - lambdas[i0 - 1])
    curvature = (losses[i0 + 1] - 2 * losses[i0] + losses[i0 - 1]) / h ** 2
    limit = 2.0 * losses[i0]
    return {"loss0": float(losses[i0]), "curvature": float(curvature),
            "curvature_rel": float(curvature / losses[i0]),
            "width2x": _edge(lambdas[i0:], losses[i0:], limit) - _edge(lambdas[i0::-1], losses[i0::-1], limit)}


def _edge(lam: np.ndarray, loss: np.ndarray, limit: float) -> float:
    """Walking out from λ = 0 (``lam[0]``), where the loss first exceeds ``limit``."""
    above = np.nonzero(loss > limit)[0]
    if len(above) == 0:
        return float(lam[-1])
    j = int(above[0])
    frac = (limit - loss[j - 1]) / (loss[j] - loss[j - 1])
    return float(lam[j - 1] + frac * (lam[j] - lam[j - 1]))
