"""Per-step optima of huang2023's objectives with scipy (analytic gradients
from ``HuangSliceCore.reward_grad``).

Traffic is exogenous, so the best allocation of each step is also the episode
optimum. The objectives are separable across batch rows and concave in x
(α-fair utility of a concave rate, minus a convex penalty of it, minus a
quadratic); their kinks (the leaky ReLU) are where a smooth method may stop
early, and ``ftol`` bounds what that can cost."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


class HuangUserOracle:
    """One slice (user level). ``action_mode=absolute``: eq. (6) over x ∈ [0, R]^K
    with L-BFGS-B (the β penalty trades Σx against z, as the agents may).
    ``action_mode=shares``: the agents' x always sums to z, so the oracle
    maximises under Σx = z too (SLSQP)."""

    def __init__(self, env, seed: int = 0, ftol: float = 1e-10):
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
        block = np.kron(np.eye(B), np.ones(K))
        cons = [{"type": "eq", "fun": lambda v: block @ v - z, "jac": lambda v: block}]
        res = minimize(neg, x0, jac=True, method="SLSQP", bounds=bounds, constraints=cons,
                       options={"ftol": self.ftol, "maxiter": 1000})
        return np.maximum(res.x.reshape(B, K), 0.0)

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
    it is an upper bound, not a hierarchical policy. Solved per cell by
    scipy's SLSQP from the equal split and from the demand-proportional
    split; the better optimum is kept.

    As a slice-level policy it installs itself as the env's joint user policy
    (``HuangSliceLevelBatchEnv.joint_user_policy``) when it acts."""

    def __init__(self, env, seed: int = 0, ftol: float = 1e-9, chunk: int = 8):
        self.env, self.ftol, self.chunk = env, ftol, chunk

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        self.env.joint_user_policy = self.allocations
        N, R = self.env.system.n_slices, self.env.system.resource
        z = np.full((len(obs), N), R / N)
        return z if self.env.action_mode == "absolute" else z / R

    def allocations(self, system) -> list[np.ndarray]:
        """The optimal x of every slice, (B, K_i) each, for the current step."""
        sizes = [s.p.n_users for s in system.slices]
        x = np.concatenate([self._solve(system, rows)
                            for rows in np.array_split(np.arange(system.num_envs),
                                                       max(1, system.num_envs // self.chunk))])
        return np.split(x, np.cumsum(sizes)[:-1], axis=1)

    def _solve(self, system, rows: np.ndarray) -> np.ndarray:
        """SLSQP over a few cells at once (the objective is separable across
        cells; chunks keep SLSQP's dense linear algebra small)."""
        from scipy.optimize import minimize

        slices, R, B = system.slices, system.resource, len(rows)
        sizes = [s.p.n_users for s in slices]
        cuts = np.cumsum(sizes)[:-1]
        thetas = [s.core.traffic()[rows] for s in slices]
        n = sum(sizes)

        def split(flat):
            return np.split(flat.reshape(B, n), cuts, axis=1)

        def neg(flat):
            value, grads = 0.0, []
            for s, x, th in zip(slices, split(flat), thetas):
                z = x.sum(axis=1)
                value += float(s.core.evaluate(x, z, th, rows)["reward"].sum())
                grads.append(s.core.reward_grad(x, z, th, rows))
            return -value, -np.concatenate(grads, axis=1).ravel()

        block = np.kron(np.eye(B), np.ones(n))           # Σ_k x_{b,k} per cell b
        cons = [{"type": "ineq", "fun": lambda v: R - block @ v, "jac": lambda v: -block}]
        demand = np.concatenate(thetas, axis=1)
        best, best_value = None, None
        for x0 in (np.full((B, n), R / n), R * demand / demand.sum(axis=1, keepdims=True)):
            res = minimize(neg, x0.ravel(), jac=True, method="SLSQP", bounds=[(0.0, R)] * (B * n),
                           constraints=cons, options={"ftol": self.ftol, "maxiter": 1000})
            x = np.maximum(res.x.reshape(B, n), 0.0)
            x *= np.minimum(1.0, R / np.maximum(x.sum(axis=1, keepdims=True), 1e-300))
            value = sum(s.core.evaluate(p, p.sum(axis=1), th, rows)["reward"]
                        for s, p, th in zip(slices, split(x.ravel()), thetas))
            if best is None:
                best, best_value = x, value
            else:  # the better start, cell by cell
                better = value > best_value
                best[better], best_value = x[better], np.maximum(value, best_value)
        return best
