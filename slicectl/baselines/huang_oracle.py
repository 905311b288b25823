"""Per-step optimum of huang2023's user-level objective (eq. 6) with scipy.

Traffic is exogenous, so the best allocation of each step is also the episode
optimum. The objective is separable across batch rows and concave in x
(α-fair utility of a concave rate, minus a convex penalty of it, minus a
quadratic), so L-BFGS-B over all rows at once, from the equal split, reaches
the optimum up to the tolerance ``ftol`` (its kinks — the leaky ReLU — are
where a smooth method may stop early; ``ftol`` bounds what that can cost)."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


class HuangUserOracle:
    def __init__(self, env, seed: int = 0, ftol: float = 1e-10):
        self.env = env
        self.ftol = ftol

    def allocations(self) -> np.ndarray:
        """The optimal x (B, K) for the env's current traffic and budgets."""
        env, core = self.env, self.env.core
        theta, z = core.traffic(), env.z
        B, K = theta.shape

        def neg_reward(flat: np.ndarray) -> float:
            return -float(core.evaluate(flat.reshape(B, K), z, theta)["reward"].sum())

        x0 = np.repeat(z[:, None] / K, K, axis=1).ravel()
        res = minimize(neg_reward, x0, method="L-BFGS-B", bounds=[(0.0, env.p.resource)] * (B * K),
                       options={"ftol": self.ftol, "maxiter": 2000})
        return res.x.reshape(B, K)

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        x = self.allocations()
        if self.env.action_mode == "shares":
            return x / np.maximum(x.sum(axis=1, keepdims=True), 1e-12)
        return x
