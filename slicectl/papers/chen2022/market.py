"""chen2022's two-tier market as numpy arrays: one BS, M MVNOs, their users.

Everything here is vectorised over a leading axis of candidates, so that the
same call scores one allocation, every lower-tier action (Table A) or every
joint bid vector (the oracle).

How each equation of the paper is read (the text copy lost its layout):

(1) Bid pool. An MVNO's demand bounds are the sums of its users' rate
    demands: D_min,m = Σ_j v̄_j (each user's own SLA rate) and
    D_max,m = Σ_j max_s v̄_s (every user at the most demanding service's
    SLA: "if the service requirement of each user is the service type with
    the maximum rate"). A bid is a claimed rate (the "specific ratio" of
    rate to bid is 1, in Mb/s); the pool is ``bid_levels`` values evenly
    spaced from D_min,m to D_max,m.
(2) c_m = b_m / Σ_n b_n · C, rounded to whole resource blocks by largest
    remainder, so Σ_m c_m = C exactly.
(3) y_m = v_m(c_m) − q_m·b_m: profit is the MVNO's delivered rate (eq. 10,
    Mb/s) less its penalty.
(4) q_m = (1/α)·v_m·(1 − c_m/C), read as the LaTeX \\frac{1}{α} v_m
    (1 − \\frac{c_m(b)}{C}).
(5) α = Σ_m b_m / R. R is not defined in the text. R = M (the number of
    MVNOs) is the reading under which eq. (3) is dimensionally consistent:
    α is then the mean bid and b_m/α the bid relative to it, so
    q_m·b_m = v_m·(1 − x_m)·M·x_m with x_m = c_m/C, and
    y_m = v_m·(1 − M·x_m·(1 − x_m)). For M = 4 this is v_m·(1 − 2x_m)²: an
    MVNO that bids up its share (below one half) pays more than the rate it
    gains. ``penalty_r`` overrides R.
(6) F = Σ_m f_m + ω·Σ_m y_m, with (7) Σ c_m ≤ C and (8) Σ_s c_m,s ≤ c_m.
(9)–(11) v_j = c_j·L·log2(1 + SNR_j): c_j the user's bandwidth, L
    ``mimo_streams`` spatial layers (as in the 3-slice RAN), and
    SNR_j = g_j·P_j/(N0·c_j) with P_j = P·c_j/C, i.e. the BS power spread
    evenly over the band (the shared radio model). With P undivided, every
    user would get the full 46 dBm. log2(1 + SNR) per layer is the
    reference radio; ``radio=realistic`` caps it as an MCS table does
    (LinkParams.efficiency, conf/radio/realistic.yaml).
(12) g_j: TR 36.814 path loss from the user's distance and Rayleigh fading,
    an Exp(1) power gain redrawn every window (Table 2: "Rayleigh").
(10), (13) v_m = Σ_j v_j and SE_m = v_m / c_m (bit/s/Hz), with v_j the rate
    the BS *delivers* to user j: its Shannon rate of eq. (9), but no more
    than the traffic it has to send (per service: min(capacity, offered
    load)). Counting the capacity of an idle link would make SE a property
    of the channel alone: every split of c_m would have the same SE (the
    users of all services sit in the same disc), whereas the paper finds SE
    separating the methods (Dueling DQN 76% above Q-learning) and tracking
    the lower-tier utility (Figs. 5-6, 10-11). The same delivered rate is
    the v_m that earns profit in eq. (3).
(14) SSR_s = Σ_{j∈s} q_j·1[v_j ≥ v̄_s] / Σ_{j∈s} q_j: the share of the
    service's packets sent in the window whose user's rate meets the SLA
    (1 when no packet was sent). v_j here is the rate while the user is
    served (see below); and when the service's offered load (packets ×
    mean size / window) exceeds its capacity, only that fraction of the
    packets can be carried, so SSR_s is multiplied by capacity / load.
(15) f_m = ρ·SE_m + Σ_s φ_s·SSR_m,s, ρ = 0.01, φ = 1.

Model choices where the paper is silent (parameters in conf/env/bidding.yaml):
users are uniform by area in their MVNO's quarter of the 40 m disc (only the
distance matters to a single BS); a window lasts ``window_ms`` and each user's
packets in it are Poisson with the mean of its service's inter-arrival law;
inside a service, the users that have packets in the window take turns on
the service's whole bandwidth (time-domain round robin, as the 3-slice RAN's
scheduler serves packets), so a user's rate while served is c_s·L·log2(1 +
SNR_j) and its mean rate (eq. 9) that divided by the number of active
users; a service with no active user wastes its share. (An equal split of
the band among users instead makes the 100 Mb/s eMBB SLA unreachable for
everyone: 11 users in 3.4 MHz get ~70 Mb/s each.) The service delivers the
smaller of that capacity and its offered load (eqs. 10, 13, 14). The
lower-tier action space is every split of ``lower_units`` equal parts into
the three services with at least one part each, mapped to whole resource
blocks of c_m by largest remainder.
"""
from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

import numpy as np

from slicectl.sim.actions import split_table
from slicectl.sim.radio import Distribution, LinkAdaptation, LinkParams


@dataclass(frozen=True)
class Service:
    name: str
    size_bits: Distribution  # packet size law
    gap_ms: Distribution     # packet inter-arrival law
    rate_sla_bps: float


@dataclass(frozen=True)
class MarketParams(LinkParams, LinkAdaptation):
    """Every number of the market, as conf/env/bidding.yaml gives them (no
    defaults here: the YAML is their one declaration)."""

    services: tuple[Service, ...]
    mix: tuple[tuple[int, ...], ...]   # users of each service, per MVNO (Table 3)
    _: KW_ONLY
    bandwidth_hz: float
    rb_hz: float
    window_ms: float
    bid_levels: int
    lower_units: int
    rho: float
    phi: tuple[float, ...]
    omega: float
    penalty_r: float | None   # R of eq. (5); None: M
    rate_unit_bps: float       # bids, rates in profit: Mb/s

    @property
    def n_mvnos(self) -> int:
        return len(self.mix)

    @property
    def n_services(self) -> int:
        return len(self.services)

    @property
    def n_rbs(self) -> int:
        return int(round(self.bandwidth_hz / self.rb_hz))


def largest_remainder(weights: np.ndarray, total: np.ndarray | int) -> np.ndarray:
    """Whole parts (..., K) of ``total`` (...) in proportion to ``weights``
    (..., K ≥ 0), summing to ``total`` exactly; all-zero weights split equally."""
    w = np.asarray(weights, dtype=np.float64)
    total = np.broadcast_to(np.asarray(total, dtype=np.int64), w.shape[:-1])
    s = w.sum(axis=-1, keepdims=True)
    w = np.where(s > 0, w / np.where(s > 0, s, 1.0), 1.0 / w.shape[-1])
    exact = w * total[..., None]
    parts = np.floor(exact + 1e-9).astype(np.int64)
    short = total - parts.sum(axis=-1)
    order = np.argsort(-(exact - parts), axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    return parts + (rank < short[..., None])


class Market:
    """One episode's users (``reset``) and the tiers' arithmetic on them.

    Shapes: U users in MVNO order, ``mvno_of`` (U,), ``service_of`` (U,).
    A *window* holds each user's fading gain and packet count; every metric
    is a pure function of (window, allocation)."""

    def __init__(self, params: MarketParams):
        self.p = p = params
        self.lower_table = split_table(p.lower_units, p.n_services)  # (A, S) parts
        self.sla = np.array([s.rate_sla_bps for s in p.services])
        self.mean_packets = np.array([p.window_ms / s.gap_ms.mean() for s in p.services])
        self.packet_bits = np.array([s.size_bits.mean() for s in p.services])
        counts = np.asarray(p.mix, dtype=np.int64)
        self.mvno_of = np.repeat(np.arange(p.n_mvnos), counts.sum(axis=1))
        self.service_of = np.concatenate([np.repeat(np.arange(p.n_services), row) for row in counts])
        self.n_users = len(self.mvno_of)
        self.counts = counts                                   # (M, S)
        self.members = [np.flatnonzero(self.mvno_of == m) for m in range(p.n_mvnos)]
        self.onehot = np.eye(p.n_services)[self.service_of]   # (U, S)
        self.d_min = np.array([(self.sla[self.service_of] * (self.mvno_of == m)).sum()
                               for m in range(p.n_mvnos)]) / p.rate_unit_bps
        self.d_max = counts.sum(axis=1) * self.sla.max() / p.rate_unit_bps
        levels = np.linspace(0.0, 1.0, p.bid_levels)
        self.bid_pool = self.d_min[:, None] + levels * (self.d_max - self.d_min)[:, None]  # (M, K)
        self.r = float(p.n_mvnos if p.penalty_r is None else p.penalty_r)
        self.snr0 = np.ones(self.n_users)

    # --------------------------------------------------------------- episode
    def reset(self, rng: np.random.Generator) -> None:
        """Place the users (the MVNO and service of each are fixed by ``mix``)."""
        p = self.p
        _, self.snr0 = p.place(rng, self.n_users)

    def window(self, rng: np.random.Generator, n: int | None = None) -> dict[str, np.ndarray]:
        """Fading gains and packet counts of one window, or of ``n`` windows
        (leading axis) when ``n`` is given."""
        shape = (self.n_users,) if n is None else (n, self.n_users)
        return {"gain": rng.exponential(1.0, shape),
                "packets": rng.poisson(self.mean_packets[self.service_of], shape)}

    # ------------------------------------------------------------ upper tier
    def allocate(self, bids: np.ndarray) -> np.ndarray:
        """Eq. (2): whole resource blocks (..., M) in proportion to the bids."""
        return largest_remainder(bids, self.p.n_rbs)

    def bids(self, levels: np.ndarray) -> np.ndarray:
        """Pool levels (..., M) -> bids in Mb/s (..., M)."""
        return self.bid_pool[np.arange(self.p.n_mvnos), np.asarray(levels, dtype=np.int64)]

    def profit(self, rate_mbps: np.ndarray, rbs: np.ndarray) -> np.ndarray:
        """Eqs. (3)–(5): y_m = v_m·(1 − R·x_m·(1 − x_m)), x_m = c_m / C."""
        x = rbs / self.p.n_rbs
        return rate_mbps * (1.0 - self.r * x * (1.0 - x))

    # ------------------------------------------------------------ lower tier
    def service_rbs(self, rbs: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """Lower-tier actions (...,) of MVNOs holding ``rbs`` (...,) blocks ->
        whole blocks per service (..., S), summing to ``rbs`` (eq. 8)."""
        return largest_remainder(self.lower_table[np.asarray(actions, dtype=np.int64)], rbs)

    def lower(self, m: int, service_rbs: np.ndarray, win: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """MVNO ``m``'s eqs. (9)–(15) for blocks per service (..., S) in one
        window; every output has the leading shape of ``service_rbs``."""
        p = self.p
        users = self.members[m]
        svc = self.service_of[users]
        onehot = self.onehot[users]                                           # (u, S)
        packets = win["packets"][users]
        active = packets > 0
        n_active = active @ onehot                                            # (S,)
        eff = p.efficiency(self.snr0[users] * win["gain"][users])            # bit/s/Hz
        hz = np.asarray(service_rbs, dtype=np.float64) * p.rb_hz              # (..., S)
        served = hz[..., svc] * eff                                           # rate while served
        share = np.where(active, 1.0 / np.maximum(n_active[svc], 1), 0.0)     # of the service's time
        rate = served * share                                                 # eq. (9), bit/s
        ok = (served >= self.sla[svc]) & active
        load = (packets * self.packet_bits[svc]) @ onehot / (p.window_ms / 1e3)  # offered bit/s
        capacity = rate @ onehot                                              # (..., S)
        delivered = np.minimum(capacity, load)                                # bits actually sent
        carried = np.where(load > 0, delivered / np.maximum(load, 1e-12), 1.0)
        sent = packets @ onehot
        valid = (ok * packets) @ onehot
        ssr = np.where(sent > 0, carried * valid / np.maximum(sent, 1), 1.0)  # eq. (14)
        c_hz = hz.sum(axis=-1)
        total = delivered.sum(axis=-1)                                        # eq. (10)
        se = np.where(c_hz > 0, total / np.maximum(c_hz, 1.0), 0.0)           # eq. (13)
        utility = p.rho * se + ssr @ np.asarray(p.phi)                       # eq. (15)
        return {"rate_mbps": total / p.rate_unit_bps, "se": se, "ssr": ssr, "utility": utility,
                "sent": np.broadcast_to(sent, ssr.shape)}  # packets per service

    def lower_all(self, m: int, rbs_options: np.ndarray, win: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every lower-tier action for every holding in ``rbs_options`` (R,)
        in one window: outputs of shape (R, A, ...). The exhaustive enumeration behind
        Table A and the oracle, as one array computation."""
        rbs = np.asarray(rbs_options, dtype=np.int64)
        A = len(self.lower_table)
        split = self.service_rbs(np.repeat(rbs[:, None], A, axis=1),
                                 np.broadcast_to(np.arange(A), (len(rbs), A)))
        return self.lower(m, split, win)

    def table_a(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Table A (Algorithm 1, lines 4–6): for each MVNO and each number of
        blocks c = 0..C it can receive (every bid's outcome), the lower-tier
        action with the highest mean utility over ``draws`` windows of this
        episode's users. Shape (M, C + 1)."""
        p = self.p
        wins = self.window(rng, draws)
        options = np.arange(p.n_rbs + 1)
        table = np.zeros((p.n_mvnos, p.n_rbs + 1), np.int64)
        for m in range(p.n_mvnos):  # M = 4: the enumeration inside is vectorised
            total = np.zeros((len(options), len(self.lower_table)))
            for d in range(draws):
                win = {k: v[d] for k, v in wins.items()}
                total += self.lower_all(m, options, win)["utility"]
            table[m] = total.argmax(axis=1)
        return table
