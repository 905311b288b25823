"""hu's multi-cell network (sections II and V-1): K cells of three-sector
macro sites, N slices per cell, coupled by inter-cell interference through
cell load. numpy, batched over B independent networks; no loop over cells
or users.

The paper runs a proprietary system-level simulator. This one keeps its
structure; every choice below is a parameter of conf/env/multicell.yaml.

Layout and radio
    Sites at ``sites_m`` (default: 4 sites on a hexagonal grid, 500 m apart),
    three sectors each (boresights 30°, 150°, 270°): cell k is sector
    k mod 3 of site k div 3, so cells 1-3 are site 1 and so on. Every cell
    transmits 46 dBm over 20 MHz at 2.6 GHz; path loss is WINNER+ C2 (urban
    macro) NLOS; antennas follow TR 36.942's 65° sector pattern (15 dBi,
    20 dB front-to-back); log-normal shadowing (σ = 8 dB) per user and
    site, correlated along the user's path (Gudmundson: ρ = exp(−Δd/50 m)).
    Spectral efficiency is TR 36.942's attenuated Shannon (0.6·log2(1 +
    SINR), at most 4.4 bit/s/Hz).
Users and traffic
    Each cell has one UE group of ``users_per_slice`` (32) per slice. Users
    roam their home cell's 120° wedge (35 m to 289 m from the site), taking
    a Gaussian random-walk step of ``user_step_m`` per step, reflected at
    the wedge's edges; each is served by the cell it receives strongest
    (shadowing included), mostly its home cell. A traffic mask
    τ_{k,n}(t) ∈ [0, 1] (the paper's Fig. 3) sets the active users of
    each home group, round(32·τ): a daily cycle of ``mask_period`` steps (a step is
    one 15-minute partitioning period, so 96 steps a day) per slice, a
    small per-cell phase offset, and AR(1) noise. Each active user offers
    ``activity``·φ*_{k,n} of traffic (on-off sessions that need the slice's
    required rate while on, a fraction ``activity`` of the time), in packets
    of ``packet_bits[n]``; so the two requirement groups also differ in the
    traffic they carry (the paper says no more than that they differ in
    requirements).
Cell-load coupling (Siomina and Yuan; Cavalcante et al., the paper's [15])
    A user's SINR is g_own / (Σ_{j≠k} ρ_j·g_j + 1), g the received power
    over noise per resource, ρ_j the share of cell j's resources in use.
    Slice n of cell k needs the time share T_{k,n} = O_n·Σ_u 1/SE_u / W of
    the band (W = 20 MHz, the sum over its active users) and is given a_{k,n};
    the cell's load is ρ_k = Σ_n min(T_{k,n}, a_{k,n}): a slice uses what
    it needs, at most its share. ρ = F(ρ) is solved by fixed-point
    iteration from ρ = 0, which increases monotonically to the solution
    (F is a standard interference function, bounded by 1), for all cells
    of all B networks at once.
Slice performance (a flow-level processor-sharing model)
    Slice capacity C = a·W·u / Σ_u 1/SE_u (the harmonic mean rate), slice
    load l = T / a. A user's mean throughput is φ = C·max(1 − l, 1/u): the
    processor-sharing flow throughput C(1 − l), floored by the full-buffer
    share C/u, which is also what an overloaded slice (l ≥ 1) gives. A
    packet's delay is d = d_0 + L·(C/φ)/C = d_0 + L/φ: its transmission at
    the user's rate after ``base_delay_ms`` of scheduling and processing,
    at most ``discard_ms`` (the PDCP discard timer, 3GPP TS 36.323: a
    packet not sent by then is dropped), so that a slice starved of
    resources (share 0, which exploration visits) has a finite delay.
    A slice with no active user meets its requirements.
Requirements
    Two groups of cells with the paper's per-slice throughput and delay
    requirements (section V-1): cells 1-3, 7-9 and cells 4-6, 10-12.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slicectl.sim.radio import attenuated_shannon, sector_gain_db, winner_c2_nlos_db


@dataclass(frozen=True)
class SliceGroup:
    """Per-slice requirements of a group of cells: φ* (Mbit/s) and d* (ms)."""

    throughput_mbps: tuple[float, ...]
    delay_ms: tuple[float, ...]


@dataclass(frozen=True)
class MulticellParams:
    """Every number of the network model, as conf/env/multicell.yaml gives them
    (no defaults here: the YAML is their one declaration)."""

    sites_m: tuple[tuple[float, float], ...]
    sector_azimuth_deg: tuple[float, ...]
    cell_radius_m: float
    min_distance_m: float
    carrier_ghz: float
    bandwidth_hz: float
    tx_power_dbm: float
    antenna_gain_dbi: float
    beamwidth_deg: float
    front_back_db: float
    bs_height_m: float
    noise_dbm_hz: float
    noise_figure_db: float
    shadowing_db: float
    shadow_corr_m: float
    se_alpha: float
    se_max: float
    sinr_min_db: float
    users_per_slice: int
    user_step_m: float
    activity: float
    packet_bits: tuple[float, ...]
    base_delay_ms: float
    discard_ms: float
    mask_mean: tuple[float, ...]
    mask_amp: tuple[float, ...]
    mask_phase: tuple[float, ...]
    mask_period: int
    mask_cell_jitter: float
    mask_noise: float
    mask_noise_rho: float
    cell_groups: tuple[int, ...]
    groups: tuple[SliceGroup, ...]
    neighbours: int
    fixed_point_tol: float
    fixed_point_iters: int

    @property
    def n_cells(self) -> int:
        return len(self.sites_m) * len(self.sector_azimuth_deg)

    @property
    def n_slices(self) -> int:
        return len(self.packet_bits)

    def __post_init__(self):
        K, N = self.n_cells, self.n_slices
        if len(self.cell_groups) != K:
            raise ValueError(f"cell_groups has {len(self.cell_groups)} entries for {K} cells")
        if max(self.cell_groups) >= len(self.groups) or min(self.cell_groups) < 0:
            raise ValueError(f"cell_groups must index groups 0..{len(self.groups) - 1}")
        for name in ("mask_mean", "mask_amp", "mask_phase"):
            if len(getattr(self, name)) != N:
                raise ValueError(f"{name} needs one value per slice ({N})")
        for g in self.groups:
            if len(g.throughput_mbps) != N or len(g.delay_ms) != N:
                raise ValueError(f"every group needs {N} throughput and delay requirements")
        if not 1 <= self.neighbours < K:
            raise ValueError(f"neighbours must be in 1..{K - 1}")


class MulticellSystem:
    """State of ``batch`` networks: user positions, shadowing, traffic mask.
    ``outcome(shares)`` evaluates a partition on the current state without
    changing it; ``advance(rngs)`` moves users and traffic one step."""

    def __init__(self, params: MulticellParams, batch: int = 1):
        p = self.p = params
        self.batch = batch
        K, N, M = p.n_cells, p.n_slices, p.users_per_slice
        sites = np.asarray(p.sites_m, dtype=np.float64)
        S, A = len(sites), len(p.sector_azimuth_deg)
        self.site_of = np.repeat(np.arange(S), A)                       # (K,)
        self.cell_xy = sites[self.site_of]                               # (K, 2) antenna positions
        self.azimuth = np.tile(np.asarray(p.sector_azimuth_deg), S)      # (K,)
        group = np.asarray(p.cell_groups)
        self.phi_req = np.array([g.throughput_mbps for g in p.groups])[group] * 1e6   # (K, N) bit/s
        self.d_req = np.array([g.delay_ms for g in p.groups])[group] * 1e-3           # (K, N) s
        self.offered = p.activity * self.phi_req                          # (K, N) bit/s per active user
        self.packet = np.asarray(p.packet_bits, dtype=np.float64)        # (N,)
        # received power over noise per resource at 0 dB gain: PSDs cancel the band
        self.snr_ref_db = p.tx_power_dbm - 10 * np.log10(p.bandwidth_hz) - p.noise_dbm_hz - p.noise_figure_db
        self.neighbour_index = self._neighbours()                        # (K, neighbours)
        B = batch
        self.pos = np.zeros((B, K, N, M, 2))        # user positions (m)
        self.shadow = np.zeros((B, K, N, M, S))     # shadowing toward each site (dB)
        self.noise = np.zeros((B, K, N))            # the mask's AR(1) noise
        self.cell_phase = np.zeros((B, K))          # per-cell offset of the daily cycle
        self.t = np.zeros(B, np.int64)              # step within the day
        self.gain = np.zeros((B, K, N, M, K))       # received power over noise from every cell
        self.active = np.zeros((B, K, N, M), bool)  # the first round(32·τ) users of each home group
        self.serving = np.zeros((B, K, N, M), np.int64)  # each user's serving cell (strongest)
        self.users = np.zeros((B, K, N), np.int64)  # active users u_{k,n} per serving cell

    # --------------------------------------------------------------- geometry
    def _neighbours(self) -> np.ndarray:
        """Each cell's ``neighbours`` strongest interferers: the cells with
        the largest mean received power (antenna and path loss, no
        shadowing) over a grid of points in the cell's wedge."""
        p = self.p
        r = np.linspace(p.min_distance_m, p.cell_radius_m, 8)
        ang = np.linspace(-60.0, 60.0, 9)
        rr, aa = np.meshgrid(r, ang)
        K = p.n_cells
        mean_gain = np.zeros((K, K))
        for k in range(K):  # geometry only, once
            theta = np.deg2rad(self.azimuth[k] + aa.ravel())
            xy = self.cell_xy[k] + rr.ravel()[:, None] * np.stack([np.cos(theta), np.sin(theta)], -1)
            mean_gain[k] = (10 ** (self._gain_db(xy[:, None, :]) / 10)).mean(axis=0)
        np.fill_diagonal(mean_gain, -np.inf)
        return np.argsort(-mean_gain, axis=1, kind="stable")[:, :p.neighbours]

    def _gain_db(self, xy: np.ndarray) -> np.ndarray:
        """Antenna gain minus path loss (dB) from every cell to points
        ``xy`` (..., 1, 2) -> (..., K)."""
        p = self.p
        delta = xy - self.cell_xy
        dist = np.hypot(delta[..., 0], delta[..., 1])
        bearing = np.degrees(np.arctan2(delta[..., 1], delta[..., 0]))
        return (sector_gain_db(bearing - self.azimuth, p.antenna_gain_dbi, p.beamwidth_deg, p.front_back_db)
                - winner_c2_nlos_db(dist, p.carrier_ghz, p.bs_height_m))

    def _refresh_gains(self) -> None:
        shadow = self.shadow[..., self.site_of]                          # (B, K, N, M, K)
        self.gain = 10.0 ** ((self.snr_ref_db + self._gain_db(self.pos[..., None, :]) - shadow) / 10.0)

    # ----------------------------------------------------------------- users
    def reset_rows(self, rows: np.ndarray, rngs: list[np.random.Generator]) -> None:
        """Draw users, shadowing and the traffic state afresh in ``rows``."""
        p = self.p
        K, N, M = p.n_cells, p.n_slices, p.users_per_slice
        for b in rows:  # reset only: not on the hot path
            rng = rngs[b]
            ang = self.azimuth[:, None, None] + rng.uniform(-60.0, 60.0, (K, N, M))
            r = np.sqrt(rng.uniform(p.min_distance_m ** 2, p.cell_radius_m ** 2, (K, N, M)))
            theta = np.deg2rad(ang)
            unit = np.stack([np.cos(theta), np.sin(theta)], -1)
            self.pos[b] = self.cell_xy[:, None, None] + r[..., None] * unit
            self.shadow[b] = rng.normal(0.0, p.shadowing_db, self.shadow.shape[1:])
            self.noise[b] = rng.normal(0.0, p.mask_noise, (K, N))
            self.cell_phase[b] = rng.uniform(-p.mask_cell_jitter, p.mask_cell_jitter, K)
            self.t[b] = rng.integers(0, p.mask_period)
        self._refresh_gains()
        self._refresh_users()

    def mask(self) -> np.ndarray:
        """τ_{k,n}(t) (B, K, N): the daily cycle plus noise, clipped to [0, 1]."""
        p = self.p
        phase = (self.t[:, None, None] / p.mask_period + np.asarray(p.mask_phase)[None, None]
                 + self.cell_phase[..., None])
        cycle = np.asarray(p.mask_mean) + np.asarray(p.mask_amp) * np.sin(2 * np.pi * phase)
        return np.clip(cycle + self.noise, 0.0, 1.0)

    def _refresh_users(self) -> None:
        """Active users per home group from the mask, each served by its
        strongest cell; ``users`` counts them per serving cell and slice."""
        p = self.p
        home = np.rint(self.mask() * p.users_per_slice).astype(np.int64)
        self.active = np.arange(p.users_per_slice) < home[..., None]      # (B, K, N, M)
        self.serving = self.gain.argmax(axis=-1)                           # (B, K, N, M)
        self.users = self._per_cell(self.active.astype(np.float64)).astype(np.int64)

    def _per_cell(self, x: np.ndarray) -> np.ndarray:
        """Sum a per-user quantity (B, K, N, M) over the active users of each
        serving cell and slice -> (B, K, N)."""
        B, K, N, M = x.shape
        slot = (np.arange(B)[:, None, None, None] * K + self.serving) * N + np.arange(N)[None, None, :, None]
        return np.bincount(slot.ravel(), weights=np.where(self.active, x, 0.0).ravel(),
                           minlength=B * K * N).reshape(B, K, N)

    def advance(self, rngs: list[np.random.Generator]) -> None:
        """One step: users walk, shadowing decorrelates along the walk, the
        mask moves on; then gains and active users are recomputed."""
        p = self.p
        step = np.stack([r.normal(0.0, p.user_step_m, self.pos.shape[1:]) for r in rngs])
        z = np.stack([r.standard_normal(self.shadow.shape[1:]) for r in rngs])
        eps = np.stack([r.standard_normal(self.noise.shape[1:]) for r in rngs])
        old = self.pos
        self.pos = self._keep_in_wedge(old + step)
        moved = np.hypot(*(self.pos - old).transpose(4, 0, 1, 2, 3))
        rho = np.exp(-moved / p.shadow_corr_m)[..., None]
        self.shadow = rho * self.shadow + np.sqrt(1.0 - rho ** 2) * p.shadowing_db * z
        a = p.mask_noise_rho
        self.noise = a * self.noise + np.sqrt(1.0 - a * a) * p.mask_noise * eps
        self.t = (self.t + 1) % p.mask_period
        self._refresh_gains()
        self._refresh_users()

    def _keep_in_wedge(self, xy: np.ndarray) -> np.ndarray:
        """Reflect positions back into their cell's wedge (distance and angle)."""
        p = self.p
        rel = xy - self.cell_xy[:, None, None]
        r = _reflect(np.hypot(rel[..., 0], rel[..., 1]), p.min_distance_m, p.cell_radius_m)
        bearing = np.degrees(np.arctan2(rel[..., 1], rel[..., 0]))
        off = (bearing - self.azimuth[:, None, None] + 180) % 360 - 180      # off boresight
        theta = np.deg2rad(self.azimuth[:, None, None] + _reflect(off, -60.0, 60.0))
        return self.cell_xy[:, None, None] + r[..., None] * np.stack([np.cos(theta), np.sin(theta)], -1)

    # ------------------------------------------------------------ the physics
    def inv_se_sum(self, load: np.ndarray) -> np.ndarray:
        """Σ over active users of 1/SE (B, K, N) when the cells' loads are ``load`` (B, K)."""
        p = self.p
        own = np.take_along_axis(self.gain, self.serving[..., None], axis=-1)[..., 0]
        own_load = np.take_along_axis(load[:, None, None, :], self.serving.reshape(len(load), 1, 1, -1),
                                      axis=-1).reshape(own.shape)  # the serving cell's load
        interference = (self.gain @ load[:, None, None, :, None])[..., 0] - own * own_load
        sinr = own / (interference + 1.0)
        return self._per_cell(1.0 / attenuated_shannon(sinr, p.se_alpha, p.se_max, p.sinr_min_db))

    def time_share(self, load: np.ndarray) -> np.ndarray:
        """T_{k,n}: the share of the band each slice needs at loads ``load``."""
        return self.offered * self.inv_se_sum(load) / self.p.bandwidth_hz

    def solve_load(self, shares: np.ndarray) -> tuple[np.ndarray, int, float]:
        """The coupled loads ρ = F(ρ) for partitions ``shares`` (B, K, N):
        (ρ (B, K), iterations used, final max |F(ρ) − ρ|)."""
        p = self.p
        load = np.zeros((self.batch, p.n_cells))
        for it in range(1, p.fixed_point_iters + 1):
            new = np.minimum(self.time_share(load), shares).sum(axis=-1)
            gap = float(np.abs(new - load).max()) if new.size else 0.0
            load = new
            if gap <= p.fixed_point_tol:
                break
        return load, it, gap

    def outcome(self, shares: np.ndarray) -> dict[str, np.ndarray]:
        """Every slice's performance under partitions ``shares`` (B, K, N) on
        the simplex, for the current users; the state is left unchanged."""
        p = self.p
        load, iters, gap = self.solve_load(shares)
        h = self.inv_se_sum(load)                                          # Σ 1/SE
        u = self.users
        need = self.offered * h / p.bandwidth_hz                           # T
        idle = u == 0
        cap = np.where(idle, np.inf, shares * p.bandwidth_hz * u / np.where(idle, 1.0, h))
        slice_load = np.where(idle, 0.0, need / np.maximum(shares, 1e-12))
        frac = np.maximum(1.0 - slice_load, 1.0 / np.maximum(u, 1))
        phi = np.where(idle, np.inf, cap * frac)                           # bit/s per user
        rate = np.where(idle, 1.0, np.maximum(phi, 1e-9))
        delay = np.minimum(p.base_delay_ms * 1e-3 + np.where(idle, 0.0, self.packet / rate),
                           p.discard_ms * 1e-3)
        thr_sat = np.where(idle, 1.0, phi / self.phi_req)
        delay_sat = self.d_req / delay
        reward = np.minimum(np.minimum(thr_sat, delay_sat), 1.0).min(axis=-1)   # eq. (2), (B, K)
        return {"load": load, "slice_load": slice_load, "throughput": np.where(idle, 0.0, phi),
                "delay": np.where(idle, 0.0, delay), "thr_sat": thr_sat, "delay_sat": delay_sat,
                "reward": reward, "iterations": iters, "residual": gap}

    def demand(self) -> np.ndarray:
        """Offered traffic per cell and slice (B, K, N) in bit/s: what the
        traffic-aware baseline knows perfectly."""
        return self.users * self.offered

    # ------------------------------------------------------------ persistence
    _STATE = ("pos", "shadow", "noise", "cell_phase", "t")

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k).copy() for k in self._STATE}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        for k in self._STATE:
            setattr(self, k, np.array(state[k], dtype=getattr(self, k).dtype))
        self._refresh_gains()
        self._refresh_users()


def _reflect(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Fold ``x`` into [lo, hi] by reflection at the ends."""
    w = hi - lo
    y = np.mod(x - lo, 2 * w)
    return lo + w - np.abs(y - w)
