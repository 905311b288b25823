"""DeepSlicing's ADMM at huang2023's slice level (the paper's ADMM baseline).

Every period the slice budgets solve

    max Σ_i f_i(z_i)   s.t.  z_i ≥ 0,  Σ_i z_i ≤ R,

where f_i(z) is slice i's eq.-(6) reward *now* (current traffic) when its
user-level policy — the pretrained agent, as the paper evaluates it —
splits budget z. As a sharing problem with copies s of z (scaled form):

    z_i ← argmax f_i(z) − ρ/2 (z − s_i + u_i)²      (one subproblem per slice)
    s   ← projection of z + u onto {s ≥ 0, Σ s ≤ R}  (the consensus on the sum)
    u   ← u + z − s                                  (dual update)

until the primal residual ‖z − s‖ and the dual residual ρ‖s − s_prev‖ are
both below ``tol``. f_i is a black box (it runs a policy), so each slice
scores it on ``grid_points`` budgets in one batched call and the subproblem
is solved exactly on its piecewise-linear interpolation (per segment the
stationary point, clipped to the segment; the best over segments).
"""
from __future__ import annotations

import numpy as np


def project_capped_simplex(v: np.ndarray, total: float) -> np.ndarray:
    """Euclidean projection of each row of v onto {s ≥ 0, Σ s ≤ total}."""
    s = np.maximum(v, 0.0)
    over = s.sum(axis=1) > total
    if over.any():  # on the face Σ s = total: sort-based simplex projection
        w = v[over]
        u = -np.sort(-w, axis=1)
        css = np.cumsum(u, axis=1) - total
        k = np.arange(1, w.shape[1] + 1)
        rho = (u - css / k > 0).sum(axis=1)
        theta = css[np.arange(len(w)), rho - 1] / rho
        s[over] = np.maximum(w - theta[:, None], 0.0)
    return s


def maximise_pwl_minus_quadratic(grid: np.ndarray, f: np.ndarray, v: np.ndarray,
                                 rho: float) -> np.ndarray:
    """argmax_z interp(z; grid, f) − ρ/2 (z − v)² over z ∈ [grid[0], grid[-1]]
    for f (..., G) and v (...): exact on the interpolant."""
    g0, g1 = grid[:-1], grid[1:]
    slope = np.diff(f, axis=-1) / (g1 - g0)
    z = np.clip(v[..., None] + slope / rho, g0, g1)          # (..., G-1) candidates
    value = f[..., :-1] + slope * (z - g0) - 0.5 * rho * (z - v[..., None]) ** 2
    best = np.argmax(value, axis=-1)
    return np.take_along_axis(z, best[..., None], axis=-1)[..., 0]


def admm_share(grid: np.ndarray, f: np.ndarray, total: float, rho: float = 1.0,
               tol: float = 1e-4, max_iter: int = 2000) -> tuple[np.ndarray, dict]:
    """Solve max Σ_i f_i(z_i) s.t. z ≥ 0, Σ z ≤ total for f (B, N, G) sampled
    on ``grid`` (G,); returns z (B, N) and the final residuals."""
    B, N, _ = f.shape
    s = np.full((B, N), total / N)
    u = np.zeros((B, N))
    for it in range(1, max_iter + 1):
        z = maximise_pwl_minus_quadratic(grid, f, s - u, rho)
        s_prev = s
        s = project_capped_simplex(z + u, total)
        u = u + z - s
        primal = float(np.abs(z - s).max())
        dual = float(rho * np.abs(s - s_prev).max())
        if primal < tol and dual < tol:
            break
    return s, {"iterations": it, "primal": primal, "dual": dual}


class AdmmPolicy:
    """Slice-level budgets by ADMM for a ``HuangSliceLevelBatchEnv`` whose
    user policies are set (it reads the env's current state)."""

    def __init__(self, env, seed: int, rho: float, tol: float, grid_points: int, max_iter: int):
        self.env, self.rho, self.tol = env, rho, tol
        self.grid = np.linspace(0.0, env.system.resource, grid_points)
        self.max_iter = max_iter
        self.last_info: dict = {}

    def slice_values(self) -> np.ndarray:
        """f_i(z) on the grid for every cell and slice: (B, N, G)."""
        env, grid = self.env, self.grid
        out = []
        for policy, s in zip(env.user_policies, env.system.slices):
            B, G = s.num_envs, len(grid)
            obs = np.repeat(s._obs()[None], G, axis=0)                 # (G, B, 2K+1)
            obs[..., -1] = (grid / s.p.resource)[:, None]
            a = np.asarray(policy(obs.reshape(G * B, -1)), dtype=np.float64).reshape(G, B, -1)
            z = np.broadcast_to(grid[:, None], (G, B))
            if s.action_mode == "shares":
                a = np.clip(a, 0.0, 1.0) + 1e-9
                x = z[..., None] * a / a.sum(axis=-1, keepdims=True)
            else:
                x = np.clip(a, 0.0, s.p.resource)
            r = s.core.evaluate(x, z, s.core.traffic())["reward"]       # (G, B)
            out.append(r.T)
        return np.stack(out, axis=1)

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        z, self.last_info = admm_share(self.grid, self.slice_values(), self.env.system.resource,
                                       self.rho, self.tol, self.max_iter)
        if self.env.action_mode == "shares":
            return z / np.maximum(z.sum(axis=1, keepdims=True), 1e-12)
        return z
