"""Per-step optima of huang2023's objectives with scipy: L-BFGS-B with the
analytic gradient ``HuangSliceCore.reward_grad``, or the KKT water filling
of ``water_fill`` where the budget is an equality.

Traffic is exogenous, so the best allocation of each step is also the episode
optimum. The objectives are separable across batch rows and concave in x
(α-fair utility of a concave rate, minus a convex penalty of it, minus a
quadratic); their kinks (the leaky ReLU) are where a smooth method may stop
early, and ``ftol`` bounds what that can cost."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from slicectl.papers.huang2023.slice_model import marginal_gain


def water_fill(terms: dict[str, np.ndarray], total: np.ndarray, leak: float,
               margin: float) -> np.ndarray:
    """max Σ_k g_k(x_k) s.t. Σ_k x_k = total, x ≥ 0, per row, for the concave
    user objectives g_k of ``marginal_gain`` (arrays (B, n) in ``terms``).

    KKT: every user's marginal gain equals one price λ per row, or x_k = 0
    where its gain at 0 is below λ. Both levels are monotone scalar roots:
    x_k(λ) solves g'_k(x) = λ, and λ solves Σ_k x_k(λ) = total; scipy's
    vectorised bracketing root finder (``elementwise.find_root``,
    Chandrupatla) does both. At a jump of g'_k (the QoS kink) it converges to
    the jump, which is where the KKT conditions hold."""
    from scipy.optimize.elementwise import find_root

    B, n = terms["w"].shape
    total = np.asarray(total, dtype=np.float64).reshape(B)

    def gain(x, *arrays):
        return marginal_gain(x, *arrays, leak=leak, margin=margin)

    keys = ("w", "u_min", "alpha", "per_unit", "theta", "eta")

    def allocation(lam, rows):  # x (m, n) at prices lam (m,) of rows (m,)
        rows = rows.astype(np.int64)
        args = tuple(terms[k][rows] for k in keys)
        lam2 = np.broadcast_to(lam[:, None], (len(rows), n))
        hi = np.broadcast_to(total[rows][:, None], (len(rows), n))
        at0, athi = gain(np.zeros_like(hi), *args), gain(hi, *args)
        inner = (at0 > lam2) & (athi < lam2)
        x = np.where(athi >= lam2, hi, 0.0)
        if inner.any():
            sub = tuple(a[inner] for a in args)
            res = find_root(lambda v, l, *a: gain(v, *a) - l, (np.zeros(inner.sum()), hi[inner]),
                            args=(lam2[inner], *sub))
            x[inner] = res.x
        return x

    rows = np.arange(B, dtype=np.float64)
    lo = np.full(B, 1e-12)
    # a price at which every user wants less than total / (1000 n): Σ x < total
    small = np.broadcast_to((total / (1000.0 * n))[:, None], (B, n))
    hi = gain(small, *(terms[k] for k in keys)).max(axis=1)
    spare = allocation(lo, rows).sum(axis=1) <= total   # even at price ~0 the users want less
    res = find_root(lambda lam, r: allocation(lam, r).sum(axis=1) - total[r.astype(np.int64)],
                    (lo, hi), args=(rows,))
    lam = np.where(spare, lo, res.x)
    x = allocation(lam, rows)
    return x * np.minimum(1.0, total / np.maximum(x.sum(axis=1), 1e-300))[:, None]


class HuangUserOracle:
    """One slice (user level). ``action_mode=absolute``: eq. (6) over x ∈ [0, R]^K
    with L-BFGS-B (the β penalty trades Σx against z, as the agents may).
    ``action_mode=shares``: the agents' x always sums to z, so the oracle
    maximises under Σx = z too (``water_fill``; the β term is then zero)."""

    def __init__(self, env, seed: int, ftol: float):
        self.env = env
        self.ftol = ftol

    def allocations(self) -> np.ndarray:
        """The optimal x (B, K) for the env's current traffic and budgets."""
        env, core = self.env, self.env.core
        theta, z = core.traffic(), env.z
        B, K = theta.shape

        def neg(flat: np.ndarray):
            x = flat.reshape(B, K)
            value = float(core.evaluate(x, z, theta)["reward"].sum())
            return -value, -core.reward_grad(x, z, theta).ravel()

        x0 = np.repeat(z[:, None] / K, K, axis=1).ravel()
        bounds = [(0.0, env.p.resource)] * (B * K)
        if env.action_mode == "absolute":
            res = minimize(neg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"ftol": self.ftol, "maxiter": 2000})
            return res.x.reshape(B, K)
        return water_fill(core.user_terms(theta), z, env.p.leak, env.p.qos_margin)

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        x = self.allocations()
        if self.env.action_mode == "shares":
            return x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)
        return x


class SystemOracle:
    """Per-step optimum of the whole system (Table III's ``utility / oracle``):
    every user step, all users' allocations of all slices maximise
    Σ_i Σ_k (w U − H(1.1 U_min − U)) subject to Σ x ≤ R, x ≥ 0 — the
    penalised objective with each slice's budget equal to what its users get
    (so the β term is zero). The slice level's τ-step budgets do not bind it:
    it is an upper bound, not a hierarchical policy. Solved by ``water_fill``
    (every gain is positive, so the optimum uses all of R).

    As a slice-level policy it installs itself as the env's joint user policy
    (``HuangSliceLevelBatchEnv.joint_user_policy``) when it acts."""

    def __init__(self, env, seed: int = 0):
        self.env = env

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        self.env.joint_user_policy = self.allocations
        N, R = self.env.system.n_slices, self.env.system.resource
        z = np.full((len(obs), N), R / N)
        return z if self.env.action_mode == "absolute" else z / R

    def allocations(self, system) -> list[np.ndarray]:
        """The optimal x of every slice, (B, K_i) each, for the current step."""
        slices = system.slices
        if len({(s.p.leak, s.p.qos_margin) for s in slices}) > 1:
            raise ValueError("the system oracle needs one leak and qos_margin for all slices")
        terms = [s.core.user_terms(s.core.traffic()) for s in slices]
        joint = {k: np.concatenate([t[k] for t in terms], axis=1) for k in terms[0]}
        x = water_fill(joint, np.full(system.num_envs, system.resource), slices[0].p.leak,
                       slices[0].p.qos_margin)
        return np.split(x, np.cumsum([s.p.n_users for s in slices])[:-1], axis=1)
