"""Batched physics of the single-BS, multi-slice RAN (zhang_digital_twin §II,
chen2022 §4.1, after the simulator of Hua et al., JSAC 2020).

``RanCore`` holds the state of ``B`` independent cells as arrays with a
leading batch axis and advances all of them one decision window with one
compiled call (``kernel.run_window``). It knows bandwidth units, not agents:
actions arrive as integer units per slice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slicectl.sim import kernel
from slicectl.sim.radio import Distribution, LinkAdaptation, LinkParams, uniform_disc


@dataclass(frozen=True)
class SliceSpec:
    """One slice's service: users' share of the population, packet-size law
    (bits), inter-arrival law (ms), and its SLA."""

    name: str
    share: float
    size_bits: Distribution
    gap_ms: Distribution
    rate_sla_bps: float
    latency_ms: float


@dataclass(frozen=True)
class RanParams(LinkParams, LinkAdaptation):
    """Every number of the cell model, as conf/env/ran.yaml gives them (no
    defaults here: the YAML is their one declaration)."""

    slices: tuple[SliceSpec, ...]
    n_users: int
    unit_hz: float
    rb_hz: float
    shadowing_db: float
    slot_ms: float
    slots_per_step: int
    buffer_packets: int
    alpha: float
    beta: tuple[float, ...]

    @property
    def n_slices(self) -> int:
        return len(self.slices)

    @property
    def n_units(self) -> int:
        return int(round(self.bandwidth_hz / self.unit_hz))

    def expected_arrivals(self) -> np.ndarray:
        """Mean packets per slice per window for the mean population."""
        shares = np.array([s.share for s in self.slices])
        users = self.n_users * shares / shares.sum()
        window_ms = self.slots_per_step * self.slot_ms
        return np.array([u * window_ms / s.gap_ms.mean() for u, s in zip(users, self.slices)])


_MUTABLE = ("next_arr", "n_arr", "q_bits", "q_size", "q_arr", "q_rsum", "q_nserv",
            "q_head", "q_len", "rr", "slot")
_EXOGENOUS = ("key", "n_users", "off", "slice_of", "snr0", "distance")


class RanCore:
    """State of ``batch`` cells. ``reset(seeds)`` draws users; ``step(units)``
    runs one decision window and returns per-slice counts and metrics."""

    def __init__(self, params: RanParams, batch: int = 1):
        self.p = params
        self.batch = batch
        S, U, Q = params.n_slices, params.n_users, params.buffer_packets
        scale = 1.0 / params.slot_ms  # ms -> slots
        enc = [s.gap_ms.encoded(scale) for s in params.slices]
        self._gap_code = np.array([c for c, _ in enc], dtype=np.int64)
        self._gap_par = np.stack([p for _, p in enc])
        enc = [s.size_bits.encoded() for s in params.slices]
        self._size_code = np.array([c for c, _ in enc], dtype=np.int64)
        self._size_par = np.stack([p for _, p in enc])
        self._rate_sla = np.array([s.rate_sla_bps for s in params.slices], dtype=np.float64)
        self._lat_slots = np.array([s.latency_ms / params.slot_ms for s in params.slices])
        self._beta = np.asarray(params.beta, dtype=np.float64)
        B = batch
        self.key = np.zeros(B, np.uint64)
        self.n_users = np.full(B, U, np.int64)
        self.off = np.zeros((B, S + 1), np.int64)
        self.slice_of = np.zeros((B, U), np.int64)
        self.snr0 = np.zeros((B, U))
        self.distance = np.zeros((B, U))
        self.next_arr = np.zeros((B, U))
        self.n_arr = np.zeros((B, U), np.int64)
        self.q_bits = np.zeros((B, U, Q))
        self.q_size = np.zeros((B, U, Q))
        self.q_arr = np.zeros((B, U, Q))
        self.q_rsum = np.zeros((B, U, Q))
        self.q_nserv = np.zeros((B, U, Q), np.int64)
        self.q_head = np.zeros((B, U), np.int64)
        self.q_len = np.zeros((B, U), np.int64)
        self.rr = np.zeros((B, S), np.int64)
        self.slot = np.zeros(B, np.int64)

    # ------------------------------------------------------------------ reset
    def reset(self, seeds) -> None:
        """Place users and start traffic afresh in every row; row ``b`` is a
        pure function of ``seeds[b]``."""
        p = self.p
        seeds = np.asarray(seeds, dtype=np.int64).reshape(self.batch)
        shares = np.array([s.share for s in p.slices], dtype=np.float64)
        for b, seed in enumerate(seeds):  # reset only: not on the hot path
            rng = np.random.default_rng(int(seed))
            self.key[b] = rng.integers(0, 2**63, dtype=np.int64)
            slice_of = np.sort(rng.choice(p.n_slices, size=p.n_users, p=shares / shares.sum()))
            self.slice_of[b] = slice_of
            self.off[b] = np.searchsorted(slice_of, np.arange(p.n_slices + 1))
            self.distance[b] = uniform_disc(rng, p.n_users, p.radius_m, p.min_distance_m)
        self.snr0[:] = p.mean_snr(self.distance)
        for name in _MUTABLE:
            getattr(self, name)[...] = 0
        kernel.init_arrivals(self.key, self.slice_of, self.n_users, self._gap_code,
                             self._gap_par, self.next_arr, self.n_arr)

    def backlog(self) -> np.ndarray:
        """Packets waiting in each slice's buffers (B, S): what the windows so
        far left unserved."""
        return np.stack([np.where(self.slice_of == s, self.q_len, 0).sum(axis=1)
                         for s in range(self.p.n_slices)], axis=1).astype(np.float64)

    # ------------------------------------------------------------------- step
    def units_to_rbs(self, units: np.ndarray) -> np.ndarray:
        """Resource blocks a slice can schedule inside its units of bandwidth."""
        return np.floor(units * self.p.unit_hz / self.p.rb_hz + 1e-9).astype(np.int64)

    def step(self, units: np.ndarray) -> dict[str, np.ndarray]:
        """Advance every row one window with ``units`` (B, S) bandwidth units."""
        return self._run(np.arange(self.batch), self, np.asarray(units, dtype=np.int64))

    def score(self, row: int, candidates: np.ndarray) -> dict[str, np.ndarray]:
        """Metrics of every candidate split (K, S) applied to a copy of row
        ``row``, under the same fading and arrivals the real step will see.
        The state itself is left untouched."""
        K = len(candidates)
        state = {n: np.repeat(getattr(self, n)[row:row + 1], K, axis=0) for n in _MUTABLE}
        return self._run(np.full(K, row), _Rows(state), np.asarray(candidates, dtype=np.int64))

    def _run(self, src, mut, units) -> dict[str, np.ndarray]:
        p = self.p
        n = len(units)
        S = p.n_slices
        arrived = np.zeros((n, S), np.int64)
        resolved = np.zeros((n, S), np.int64)
        success = np.zeros((n, S), np.int64)
        bits = np.zeros(n)
        kernel.run_window(
            self.key, src, mut.slot, p.slots_per_step, self.n_users, self.off, self.slice_of,
            self.snr0, self.units_to_rbs(units), p.rb_hz, p.slot_ms / 1000.0, p.mimo_streams,
            *p.link_adaptation, p.shadowing_db, self._size_code, self._size_par, self._gap_code, self._gap_par,
            self._rate_sla, self._lat_slots, mut.next_arr, mut.n_arr, mut.q_bits, mut.q_size,
            mut.q_arr, mut.q_rsum, mut.q_nserv, mut.q_head, mut.q_len, mut.rr,
            arrived, resolved, success, bits)
        mut.slot += p.slots_per_step
        window_s = p.slots_per_step * p.slot_ms / 1000.0
        # a slice with nothing resolved in the window failed nobody: SSR 1
        ssr = np.where(resolved > 0, success / np.maximum(resolved, 1), 1.0)
        se = bits / (p.bandwidth_hz * window_s)
        utility = p.alpha * se + ssr @ self._beta
        return {"arrived": arrived, "resolved": resolved, "success": success, "bits": bits,
                "ssr": ssr, "se": se, "utility": utility, "bandwidth_hz": units * p.unit_hz}

    # ------------------------------------------------------------ persistence
    def state_dict(self) -> dict[str, np.ndarray]:
        return {n: getattr(self, n).copy() for n in _MUTABLE + _EXOGENOUS}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        for n in _MUTABLE + _EXOGENOUS:
            getattr(self, n)[...] = np.asarray(state[n])


class _Rows:
    """Mutable state arrays of candidate rows (see ``RanCore.score``)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.__dict__.update(arrays)
