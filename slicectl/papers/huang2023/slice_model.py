"""huang2023's slice with α-fair users, as a batched core (numpy).

The paper leaves the rate function g(x; θ) of eq. (2) open. The choice here:
user k of a slice has a spectral efficiency ``se_k`` from the shared radio
physics (distance -> TR 36.814 path loss -> mean SNR -> log2(1 + SNR) over
``mimo_streams`` layers), so ``x`` resource units of ``unit_hz`` give a link
capacity ``c = x · unit_hz · se_k``. The user's demand is its traffic
θ_k(t) (bit/s) and the delivered rate

    y = η(ρ) · θ · (1 − exp(−c / θ)),     η(ρ) = 1 / (1 + κ · max(0, ρ − 1))

is increasing and concave in x, saturates at the demand, and degrades by η
when the slice's offered load ρ = Σθ / (capacity of the whole band at the
slice's mean se) exceeds 1 (heavy traffic: queueing and retransmissions).
Rates are reported in Mbit/s.

η stands for what §III-A says congestion does beyond the radio: the slice's
traffic crosses a chain of VNFs whose queueing and processing delays and
packet loss grow "especially in network congestion". It is driven by the
offered traffic, which the radio allocation does not change; the allocation
relieves the radio bottleneck through c. Tying ρ to the slice's own
allocation instead was tried (commit notes of issue 23): every slice is then
overloaded even in ordinary traffic (η 0.15–0.6, 0.02–0.04 in congestion),
y grows like x² at the slice level, and the per-step optimum hands one slice
80% of R — a congestion-collapse model, not the paper's.

Utility (eq. 1): U_k = y^(1−α)/(1−α) (log y at α = 1), weighted by w_k.
Minimum QoS: U_min,k = U(y_min,k). Reward of the user-level MDP (eq. 6):
Σ_k (w_k U_k − H(1.1 U_min,k − U_k)) − β (Σ_k x_k − z)^2 with H a leaky ReLU.

The users of a slice (positions, w, α, U_min, mean demand) are drawn once
from ``population_seed``, as in huang2023's simulation where each UE's
requirements are randomised when the network is created; episodes then differ
in traffic only. ``population_seed: null`` draws new users every episode (a
harder, partially observed problem: the state shows traffic and utility, not
w, α or channel).

Traffic is exogenous: each user's θ follows a mean-reverting log-normal AR(1)
around its mean demand; in a congested episode every mean is multiplied by
``congestion_factor`` from step ``congestion_step`` on (huang2023 Fig. 5).
Scenarios: ``ordinary`` (no episode congested), ``congestion`` (all) and
``mixed`` (each episode with probability ``congestion_prob``: what the slice
level trains on, so that it meets both kinds of traffic before Table III).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slicectl.sim.radio import LinkParams


@dataclass(frozen=True)
class HuangSliceParams(LinkParams):
    """Every number of one slice, as conf/model/huang.yaml gives them (no
    defaults here: the YAML is their one declaration)."""

    n_users: int
    population_seed: int | None        # the users (positions, w, α, U_min, demand); None: new every episode
    alpha: float                     # α-fairness of the slice ...
    alpha_range: tuple[float, float] | None  # ... or one α per user, uniform here
    resource: float                # R: resource units in the whole system
    unit_hz: float                 # one unit = one resource block
    radius_m: float
    min_distance_m: float
    tx_power_dbm: float
    bandwidth_hz: float             # band the BS power is spread over
    noise_dbm_hz: float
    rx_gain_db: float
    path_loss_a_db: float
    path_loss_b_db: float
    mimo_streams: float
    max_se: float                    # bit/s/Hz cap: 256-QAM at code rate 0.93
    weight_range: tuple[float, float]
    demand_mbps: tuple[float, float]    # mean traffic per user
    min_rate_mbps: tuple[float, float]  # y_min behind U_min
    traffic_rho: float               # AR(1) memory of log traffic
    traffic_sigma: float             # AR(1) innovation (log scale)
    congestion_step: int
    congestion_factor: float
    kappa: float                     # heavy-traffic degradation
    beta: float                     # penalty on (Σx − z)^2
    leak: float                     # leaky-ReLU slope below zero
    qos_margin: float


def alpha_utility(y: np.ndarray, alpha) -> np.ndarray:
    """α-fair utility of rates y > 0 (eq. 1 without the weight); α may be
    a scalar or broadcast against y (one α per user)."""
    y = np.maximum(y, 1e-6)
    is_log = np.isclose(alpha, 1.0)
    a = np.where(is_log, 0.0, alpha)
    return np.where(is_log, np.log(y), y ** (1.0 - a) / (1.0 - a))


def marginal_gain(x, w, u_min, alpha, per_unit, theta, eta, leak: float, margin: float):
    """d/dx of w·U(y(x)) − H(margin·U_min − U(y(x))) for each user, elementwise:
    (w + H') · U'(y) · y'(x). Positive and non-increasing in x (the objective
    is concave), with a downward jump where U crosses margin·U_min."""
    c = x * per_unit
    y = np.maximum(eta * theta * -np.expm1(-c / theta), 1e-6)
    u = alpha_utility(y, alpha)
    h_slope = np.where(margin * u_min - u > 0, 1.0, leak)
    return (w + h_slope) * y ** (-alpha) * eta * np.exp(-c / theta) * per_unit


def leaky_relu(v: np.ndarray, leak: float) -> np.ndarray:
    return np.where(v > 0, v, leak * v)


def reallocate(x: np.ndarray, resource: float) -> np.ndarray:
    """Eq. (7): scale every allocation down proportionally when the total
    over all slices and users (last axes) exceeds the resource R."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    total = x.reshape(x.shape[0], -1).sum(axis=1)
    scale = np.where(total > resource, resource / np.maximum(total, 1e-300), 1.0)
    return x * scale.reshape((-1,) + (1,) * (x.ndim - 1))


class HuangSliceCore:
    """``batch`` copies of one slice (independent users per row)."""

    def __init__(self, p: HuangSliceParams, batch: int = 1):
        self.p, self.batch = p, batch
        B, K = batch, p.n_users
        self.se = np.zeros((B, K))
        self.w = np.zeros((B, K))
        self.mean_demand = np.zeros((B, K))
        self.u_min = np.zeros((B, K))
        self.alpha = np.full((B, K), p.alpha)
        self.log_dev = np.zeros((B, K))   # AR(1) state of log traffic
        self.t = np.zeros(B, np.int64)
        self.congestion = np.zeros(batch, bool)  # per row: is this episode congested
        self.rng = np.random.default_rng(0)

    def reset(self, seeds, congestion=False) -> None:
        p = self.p
        self.congestion = np.broadcast_to(np.asarray(congestion, bool), (self.batch,)).copy()
        for b, seed in enumerate(np.asarray(seeds).reshape(self.batch)):
            fixed = p.population_seed is not None
            rng = np.random.default_rng(p.population_seed if fixed else int(seed))
            _, snr = p.place(rng, p.n_users)
            self.se[b] = np.minimum(p.mimo_streams * np.log2(1.0 + snr), p.max_se)
            self.w[b] = rng.uniform(*p.weight_range, p.n_users)
            self.mean_demand[b] = rng.uniform(*p.demand_mbps, p.n_users)
            y_min = rng.uniform(*p.min_rate_mbps, p.n_users)
            if p.alpha_range is not None:
                self.alpha[b] = rng.uniform(*p.alpha_range, p.n_users)
            self.u_min[b] = alpha_utility(y_min, self.alpha[b])
        self.log_dev[:] = 0.0
        self.t[:] = 0
        # traffic innovations: one generator for the batch, seeded by the rows' seeds
        self.rng = np.random.default_rng(np.asarray(seeds, dtype=np.int64).tolist())

    def traffic(self) -> np.ndarray:
        """Current demand θ (Mbit/s), (B, K)."""
        p = self.p
        boost = np.where(self.congestion & (self.t >= p.congestion_step), p.congestion_factor, 1.0)
        return self.mean_demand * np.exp(self.log_dev) * boost[:, None]

    def rates(self, x: np.ndarray, theta: np.ndarray, rows=None) -> np.ndarray:
        """Delivered rate y (Mbit/s) for allocations x (B, K) at demand θ
        (``rows``: x and θ hold only these batch rows)."""
        p = self.p
        se = self.se if rows is None else self.se[rows]
        cap = np.maximum(x, 0.0) * p.unit_hz * se / 1e6
        full_band = p.resource * p.unit_hz * se.mean(axis=1, keepdims=True) / 1e6
        load = theta.sum(axis=1, keepdims=True) / full_band
        eta = 1.0 / (1.0 + p.kappa * np.maximum(load - 1.0, 0.0))
        return eta * theta * -np.expm1(-cap / theta)

    def evaluate(self, x: np.ndarray, z: np.ndarray, theta: np.ndarray,
                 rows=None) -> dict[str, np.ndarray]:
        """Utility terms of allocations x (B, K) under slice budget z (B,);
        leading axes broadcast: x (G, B, K) with z (G, B) scores G candidates.
        ``rows``: x, z and θ hold only these batch rows."""
        p = self.p
        pick = slice(None) if rows is None else rows
        w, u_min, alpha = self.w[pick], self.u_min[pick], self.alpha[pick]
        y = self.rates(x, theta, rows)
        u = alpha_utility(y, alpha)
        qos = leaky_relu(p.qos_margin * u_min - u, p.leak)
        gap = x.sum(axis=-1) - z
        utility = (w * u).sum(axis=-1)
        reward = utility - qos.sum(axis=-1) - p.beta * gap**2
        violation = np.maximum(u_min - u, 0.0).sum(axis=-1)
        return {"reward": reward, "utility": utility, "qos_penalty": -qos.sum(axis=-1),
                "qos_violation": violation, "alloc_gap": gap, "user_utility": u, "rate": y}

    def user_terms(self, theta: np.ndarray, rows=None) -> dict[str, np.ndarray]:
        """Per-user arrays (B, K) that ``marginal_gain`` needs at demand θ."""
        p = self.p
        pick = slice(None) if rows is None else rows
        per_unit = p.unit_hz * self.se[pick] / 1e6
        load = theta.sum(axis=1, keepdims=True) / (p.resource * per_unit.mean(axis=1, keepdims=True))
        eta = 1.0 / (1.0 + p.kappa * np.maximum(load - 1.0, 0.0))
        return {"w": self.w[pick], "u_min": self.u_min[pick], "alpha": self.alpha[pick],
                "per_unit": per_unit, "theta": theta, "eta": np.broadcast_to(eta, theta.shape)}

    def reward_grad(self, x: np.ndarray, z: np.ndarray, theta: np.ndarray,
                    rows=None) -> np.ndarray:
        """d reward / d x of ``evaluate`` (same shapes as x), for the oracles:
        the users' marginal gains − 2β (Σx − z)."""
        p = self.p
        gain = marginal_gain(np.maximum(x, 0.0), **self.user_terms(theta, rows),
                             leak=p.leak, margin=p.qos_margin)
        gap = x.sum(axis=-1, keepdims=True) - z[..., None]
        return gain - 2.0 * p.beta * gap

    def advance(self) -> None:
        """Move the exogenous traffic one step."""
        p = self.p
        noise = self.rng.normal(0.0, p.traffic_sigma, self.log_dev.shape)
        self.log_dev = p.traffic_rho * self.log_dev + noise
        self.t += 1
