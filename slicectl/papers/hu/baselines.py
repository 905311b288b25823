"""hu's reference partitions for the multi-cell network (envs/multicell.py).

``proportional``: the paper's traffic-aware baseline (section V): each
cell's band split in proportion to its slices' offered traffic, known
perfectly for the coming step.

``best_response``: an upper reference that uses the simulator's own model.
Given the cells' loads, a cell's reward (eq. 2) is a max-min over its
slices and each slice's satisfaction rises with its share, so the best
partition has a closed form per level t: the least share a_n(t) that lifts
slice n to t, then the largest t with Σ_n a_n(t) ≤ 1 (bisection). A slice's
throughput is φ(a) = max(a·W·u/h − u·O, a·W/h) (h = Σ 1/SE over its users,
see the env), so a_n(t) = min of the two branches' inverses at
φ_need(t) = max(t·φ*, L / (d*/t − d_0)). Every cell answers the others'
loads at once, the loads are solved again, and this repeats ``rounds``
times (simultaneous best responses, a coordinate ascent over cells). It is
a reference, not a proven optimum: a cell never gives up its own
satisfaction to lower its neighbours' interference.
"""
from __future__ import annotations

import numpy as np

from slicectl.sim.actions import normalise_shares
from slicectl.papers.hu.network import MulticellSystem


def proportional(system: MulticellSystem) -> np.ndarray:
    """Shares (B, K, N) proportional to each slice's offered traffic."""
    return normalise_shares(system.demand())


def least_shares(system: MulticellSystem, h: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The least share of every slice (B, K, N) that gives it satisfaction
    ``level`` (B, K) when its users' Σ 1/SE is ``h``; inf where no share can."""
    p = system.p
    W, u, O = p.bandwidth_hz, system.users, system.offered
    t = level[..., None]
    d0 = p.base_delay_ms * 1e-3
    slack = system.d_req / np.maximum(t, 1e-12) - d0
    for_delay = np.where(slack > 0, system.packet / np.maximum(slack, 1e-15), np.inf)
    need = np.maximum(t * system.phi_req, for_delay)
    ps = (need + u * O) * h / (W * np.maximum(u, 1))      # processor-sharing branch
    full = need * h / W                                   # full-buffer branch
    return np.where(u == 0, 0.0, np.minimum(ps, full))


def best_response(system: MulticellSystem, rounds: int = 3, bisections: int = 30) -> np.ndarray:
    """Shares (B, K, N) from ``rounds`` of simultaneous per-cell max-min
    best responses, starting from the proportional split."""
    shares = proportional(system)
    for _ in range(rounds):
        load, _, _ = system.solve_load(shares)
        h = system.inv_se_sum(load)
        lo = np.zeros(load.shape)
        hi = np.ones(load.shape)
        fits_all = least_shares(system, h, hi).sum(axis=-1) <= 1.0
        for _ in range(bisections):  # the largest level whose least shares fit the band
            mid = 0.5 * (lo + hi)
            fits = least_shares(system, h, mid).sum(axis=-1) <= 1.0
            lo, hi = np.where(fits, mid, lo), np.where(fits, hi, mid)
        level = np.where(fits_all, 1.0, lo)
        need = least_shares(system, h, level)
        # what is left goes to the slices in proportion to what they need
        # (all equal where no slice has users)
        spare = np.clip(1.0 - need.sum(axis=-1, keepdims=True), 0.0, None)
        shares = normalise_shares(need + spare * normalise_shares(need))
    return shares


class MulticellPolicy:
    """A reference partition as a policy over a MulticellBatchEnv: it reads
    the network's coming step (perfect knowledge) and returns shares."""

    def __init__(self, env, seed: int = 0, rule: str = "proportional", rounds: int = 3):
        self.env, self.rule, self.rounds = env, rule, rounds

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        system = self.env.system
        if self.rule == "equal":
            return np.full((system.batch, system.p.n_cells, system.p.n_slices), 1.0 / system.p.n_slices)
        if self.rule == "proportional":
            return proportional(system)
        return best_response(system, self.rounds)


def equal_policy(env, seed: int = 0) -> MulticellPolicy:
    """`--baseline equal` on the multi-cell network."""
    return MulticellPolicy(env, seed, "equal")


def proportional_policy(env, seed: int = 0) -> MulticellPolicy:
    """`--baseline proportional`: the traffic-aware split (perfect demand knowledge)."""
    return MulticellPolicy(env, seed, "proportional")


def best_response_policy(env, seed: int = 0) -> MulticellPolicy:
    """`--baseline oracle`: every cell's per-step best response on the model."""
    return MulticellPolicy(env, seed, "best_response")
