"""zhang2021's end-edge-cloud IIoT inference system as numpy arrays.

G IGWs with K devices each, an ECoS (compute) and ECaS (cache) at the BS, a
CCaS in the cloud holding every model. Every array has the leading shape
(B, G, K): B independent systems, G IGWs, K devices; each device emits one
task per slot, so N = G·K tasks. No Python loop runs over devices or IGWs.

How the paper's equations are read (section III; its text copy lost layout):

(1)-(2) γ = log2(1 + p·|h|²/σ²), R = α·B·γ. |h|² is a path loss (TR 36.814
    small cell, 128.1 + 37.6·log10(d/km)) times Rayleigh fading, an Exp(1)
    power gain redrawn every slot; the paper gives no channel law.
    Devices sit uniformly in a disc of ``device_radius_m`` around their
    IGW, IGWs at a distance uniform in ``igw_distance_m`` from the BS.
(3)-(4) t^l = D/R, t^e = D/R + D/R^e. Every task crosses its device's link
    to the IGW, so the device-IGW band B of an IGW is shared by all its K
    devices (α^l normalised per IGW over every task); the IGW-BS band B^e
    by the tasks sent to the ECoS (α^e normalised over those).
(5) τ^c = S/R^c (CCaS → ECaS), τ^e = S/R^e (ECaS → IGW), τ^l = τ^c + τ^e
    (CCaS → IGW through the BS, store and forward). By default R^c and R^e
    are per transfer, as eq. (5) has them: models sent in the same slot do
    not slow each other. The paper's own figures point this way: its random
    policy keeps 1/1.745 of TD3's accuracy while evicting half the models
    every slot, so refetching must be cheap. ``shared_links=true`` reads R^c
    as one cloud-BS link and R^e as one BS-IGW link per IGW, the transfers
    of a slot queued on them in device order (transfer i ends after
    Σ_{j ≤ i} S_j / R, each hop's queue as if all were ready at the slot's
    start); then caching decides almost everything (Table IV at that
    reading: random 0.01, the greedy 0.55).
(6) c = Q/(β·C); β^l normalised per IGW over its tasks, β^e over the
    ECoS's tasks (C5).
(7) d^l = max(t^l, fetch) + c^l, fetch = 0 if the IGW holds the model, τ^e
    if only the ECaS does, τ^l otherwise.
(8) d^e = max(t^e, fetch) + c^e, fetch = 0 if the ECaS holds the model,
    else τ^c. (The text writes τ^e here; the model comes from the CCaS, so
    the CCaS → ECaS delay τ^c is the one that applies.)
(9) d = m·d^l + (1 − m)·d^e.
(10) U = accuracy of the chosen level for the task's data quality, counted
    only when d ≤ T_max (C1) and the model could be placed (C6).

Caching pools (DCPU, section IV-C). Each IGW has a pool of ``igw_cache_mb``
holding its own devices' models; the ECaS one of ``bs_cache_mb`` for any
device's. Models flow only downward: a request that misses its pool is
served from above (eq. 7-8). Per slot:
  1. free space = capacity − sizes of the models held; a missed model
     that could arrive within T_max alone on its links is sent down if it
     fits in that space, in device order until the pool is full (a
     cumulative sum, not a loop); only those load the links;
  2-3. a model sent is placed if it arrives within T_max (eq. 5 on the
     shared links). A task whose model is neither held nor placed cannot
     run there and fails (C6);
  4. ω decides what stays: device k's level-n model remains in a pool only
     if ω for that pool and level is 1 (held and placed models alike).
So a pool never exceeds its capacity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slicectl.sim.radio import path_loss_db

KB_BITS, MB_BITS = 8 * 1024, 8 * 1024 * 1024


@dataclass(frozen=True)
class IIoTParams:
    """Every number of the system, as conf/env/iiot.yaml gives them (no defaults here:
    the YAML is their one declaration; the paper's are experiment=zhang2021's)."""

    n_igws: int                                  # G
    devices_per_igw: int                         # K
    data_kb: tuple[float, float]       # D
    t_max_s: tuple[float, float]
    noisy_ratio: float                          # P(θ = 1)
    acc_ul: tuple[float, float]      # noiseless, light
    acc_uh: tuple[float, float]      # noiseless, heavy
    acc_dl: tuple[float, float]      # noisy, light
    acc_dh: tuple[float, float]      # noisy, heavy
    size_mb: tuple[tuple[float, float], tuple[float, float]]
    workload_mcycles: tuple[tuple[float, float], tuple[float, float]]
    device_power_dbm: float
    igw_power_dbm: float
    noise_dbm: float
    igw_bandwidth_hz: float                    # B, per IGW
    bs_bandwidth_hz: float                     # B^e
    igw_compute_hz: float                     # C^l, per IGW
    bs_compute_hz: float                        # C^e
    igw_cache_mb: float                       # S^l, per IGW
    bs_cache_mb: float                       # S^e
    rate_bs_igw_bps: float                    # R^e
    rate_cloud_bs_bps: float                  # R^c
    device_radius_m: float
    igw_distance_m: tuple[float, float]
    path_loss_a_db: float
    path_loss_b_db: float
    share_floor: float                         # smallest raw share: no task gets exactly 0
    shared_links: bool                        # True: transfers in a slot queue on R^c, R^e

    @property
    def n_tasks(self) -> int:
        return self.n_igws * self.devices_per_igw


def _path_gain(distance_m: np.ndarray, a_db: float, b_db: float) -> np.ndarray:
    return 10.0 ** (-path_loss_db(distance_m, a_db, b_db) / 10.0)


def _queued(size: np.ndarray, member: np.ndarray) -> np.ndarray:
    """One FIFO link per row of the last axis, members sent in that order:
    the bits through the link when transfer i ends, Σ_{j ≤ i} S_j over the
    members; 0 for non-members."""
    return np.where(member, np.cumsum(np.where(member, size, 0.0), axis=-1), 0.0)


def normalise(raw: np.ndarray, member: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Shares ``raw`` of the tasks in ``member`` summing to 1 over ``axes``
    (0 for non-members): C4-C5."""
    w = np.where(member, raw, 0.0)
    total = w.sum(axis=axes, keepdims=True)
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), 0.0)


@dataclass
class Decisions:
    """Eq. (13) decoded: every array (B, G, K)."""

    m: np.ndarray           # 1: run at the IGW, 0: at the ECoS
    phi: np.ndarray         # 1: heavy model
    alpha_l: np.ndarray
    alpha_e: np.ndarray
    beta_l: np.ndarray
    beta_e: np.ndarray
    omega: np.ndarray       # (B, G, K, 4): keep level 0 / 1 at the IGW, level 0 / 1 at the ECaS


class IIoTSystem:
    """B systems' devices, models and caching pools, and one slot's arithmetic."""

    def __init__(self, params: IIoTParams, batch: int = 1):
        self.p = p = params
        self.batch = batch
        shape = (batch, p.n_igws, p.devices_per_igw)
        self.shape = shape
        self.acc = np.zeros((*shape, 2, 2))           # [θ, n]
        self.size_bits = np.zeros((*shape, 2))        # per level
        self.workload = np.zeros((*shape, 2))         # cycles per level
        self.gain_l = np.zeros(shape)                 # device-IGW path gain
        self.gain_e = np.zeros(shape[:2])             # IGW-BS path gain
        self.cache_l = np.zeros((*shape, 2), bool)    # u^l: IGW i holds device k's level n
        self.cache_e = np.zeros((*shape, 2), bool)    # u^e: the ECaS holds it
        self.task = {k: np.zeros(shape) for k in ("data_bits", "t_max", "noisy")}

    # ---------------------------------------------------------------- episode
    def reset_rows(self, rows: np.ndarray, rngs: list[np.random.Generator]) -> None:
        """New devices, models and empty pools for rows ``rows``."""
        p = self.p
        shape = self.shape[1:]
        for b, rng in zip(rows, rngs, strict=True):
            for j, lo_hi in enumerate((p.acc_ul, p.acc_uh)):
                self.acc[b, ..., 0, j] = rng.uniform(*lo_hi, shape)
            for j, lo_hi in enumerate((p.acc_dl, p.acc_dh)):
                self.acc[b, ..., 1, j] = rng.uniform(*lo_hi, shape)
            for n in range(2):
                self.size_bits[b, ..., n] = rng.uniform(*p.size_mb[n], shape) * MB_BITS
                self.workload[b, ..., n] = rng.uniform(*p.workload_mcycles[n], shape) * 1e6
            r = p.device_radius_m * np.sqrt(rng.uniform(0.01, 1.0, shape))  # ≥ 5 m at the defaults
            self.gain_l[b] = _path_gain(r, p.path_loss_a_db, p.path_loss_b_db)
            self.gain_e[b] = _path_gain(rng.uniform(*p.igw_distance_m, shape[0]),
                                        p.path_loss_a_db, p.path_loss_b_db)
            self.cache_l[b] = False
            self.cache_e[b] = False

    def draw_tasks(self, rngs: list[np.random.Generator]) -> None:
        """Every device's task for the coming slot: W = (D, T_max, θ)."""
        p = self.p
        shape = self.shape[1:]
        for b, rng in enumerate(rngs):
            self.task["data_bits"][b] = rng.uniform(*p.data_kb, shape) * KB_BITS
            self.task["t_max"][b] = rng.uniform(*p.t_max_s, shape)
            self.task["noisy"][b] = rng.random(shape) < p.noisy_ratio

    # ------------------------------------------------------------------ slot
    def decode(self, action: np.ndarray) -> Decisions:
        """Eq. (13): actions (B, G, K, 10) in [-1, 1] -> decisions. m, φ and ω
        by the sign; the four shares from (a + 1)/2, normalised (C4-C5)."""
        a = np.asarray(action, dtype=np.float64).reshape(*self.shape, 10)
        m = a[..., 0] > 0
        raw = np.maximum((a[..., 2:6] + 1.0) / 2.0, self.p.share_floor)
        return Decisions(
            m=m, phi=a[..., 1] > 0,
            alpha_l=normalise(raw[..., 0], np.ones_like(m), (2,)),   # every task crosses its IGW's band
            alpha_e=normalise(raw[..., 1], ~m, (1, 2)),
            beta_l=normalise(raw[..., 2], m, (2,)),
            beta_e=normalise(raw[..., 3], ~m, (1, 2)),
            omega=a[..., 6:10] > 0)

    def link_snr(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean SNR (before fading) of every device-IGW link (B, G, K) and of
        every IGW-BS link, broadcast to its devices (B, G, 1)."""
        p = self.p
        return (10 ** ((p.device_power_dbm - p.noise_dbm) / 10) * self.gain_l,
                10 ** ((p.igw_power_dbm - p.noise_dbm) / 10) * self.gain_e[..., None])

    def transfer_delays(self, size: np.ndarray, to_igw: np.ndarray, to_ecas: np.ndarray,
                        from_cloud: np.ndarray, alone: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Eq. (5) for the models sent this slot (every array (B, G, K)):
        ``to_igw`` / ``to_ecas`` mark the transfers to an IGW's / the ECaS's
        pool, ``from_cloud`` those of them that start at the CCaS. Returns
        (τ^c, τ^e): each transfer's time on the cloud-BS link and on its
        IGW's BS-IGW link (0 where it does not cross that link): S / R, or
        with ``shared_links`` (and not ``alone``) the time to its end in its
        link's FIFO queue."""
        p = self.p
        on_c = (to_igw | to_ecas) & from_cloud
        if p.shared_links and not alone:
            flat = (self.batch, -1)
            tau_c = _queued(size.reshape(flat), on_c.reshape(flat)).reshape(self.shape)
            tau_e = _queued(size, to_igw)
        else:
            tau_c, tau_e = np.where(on_c, size, 0.0), np.where(to_igw, size, 0.0)
        return tau_c / p.rate_cloud_bs_bps, tau_e / p.rate_bs_igw_bps

    def room(self, want_l: np.ndarray, want_e: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """DCPU step 1: which requested models (B, G, K) fit in the space their
        pool has left, taken in device order until it is full (a cumulative
        sum, not a loop)."""
        p = self.p
        used_l, used_e = self.pool_usage()
        cum_l = np.cumsum(np.where(want_l, size, 0.0), axis=2)
        fit_l = want_l & (used_l[..., None] + cum_l <= p.igw_cache_mb * MB_BITS)
        cum_e = np.cumsum(np.where(want_e, size, 0.0).reshape(self.batch, -1), axis=1).reshape(self.shape)
        fit_e = want_e & (used_e[:, None, None] + cum_e <= p.bs_cache_mb * MB_BITS)
        return fit_l, fit_e

    def outcome(self, dec: Decisions, fading_l: np.ndarray, fading_e: np.ndarray) -> dict[str, np.ndarray]:
        """Eqs. (1)-(9) with DCPU steps 1-3: each task's completion delay at
        the node it was assigned to, its model either held there, or sent
        down (if the pool has room) and placed if it arrives within T_max;
        a task whose model is neither held nor placed cannot run (C6)."""
        p, t = self.p, self.task
        n = dec.phi.astype(np.int64)[..., None]
        size, work, have_l, have_e = (np.take_along_axis(x, n, -1)[..., 0] for x in
                                      (self.size_bits, self.workload, self.cache_l, self.cache_e))
        snr_l, snr_e = self.link_snr()
        snr_l, snr_e = snr_l * fading_l, snr_e * fading_e
        rate_l = dec.alpha_l * p.igw_bandwidth_hz * np.log2(1.0 + snr_l)          # eq. (2)
        rate_e = dec.alpha_e * p.bs_bandwidth_hz * np.log2(1.0 + snr_e)
        with np.errstate(divide="ignore"):
            t_l = t["data_bits"] / rate_l                                          # eq. (3)
            t_e = t_l + t["data_bits"] / rate_e                                    # eq. (4)
            c_l = work / (dec.beta_l * p.igw_compute_hz)                           # eq. (6)
            c_e = work / (dec.beta_e * p.bs_compute_hz)
        m = dec.m
        # a model that could not arrive in time even alone on its links is not sent
        in_time = sum(self.transfer_delays(size, m, ~m, ~have_e, alone=True)) <= t["t_max"]
        sent_l, sent_e = self.room(m & ~have_l & in_time, ~m & ~have_e & in_time, size)
        tau_c, tau_e = self.transfer_delays(size, sent_l, sent_e, from_cloud=~have_e)   # eq. (5)
        held = np.where(m, have_l, have_e)
        fetch = np.where(held, 0.0, np.where(sent_l | sent_e, tau_c + tau_e, np.inf))
        arrived = fetch <= t["t_max"]                                              # DCPU steps 2-3
        placed_l, placed_e = sent_l & arrived, sent_e & arrived
        d_l = np.maximum(t_l, fetch) + c_l                                         # eq. (7)
        d_e = np.maximum(t_e, fetch) + c_e                                         # eq. (8)
        runnable = held | placed_l | placed_e
        return {"d": np.where(m, d_l, d_e), "fetch": fetch, "runnable": runnable,  # eq. (9)
                "placed_l": placed_l, "placed_e": placed_e}

    def step(self, action: np.ndarray, rngs: list[np.random.Generator]) -> dict[str, np.ndarray]:
        """One slot under ``action`` (B, G, K, 10): every task's outcome,
        the pools updated (step 4), and the next slot's tasks drawn."""
        dec = self.decode(action)
        fading_l = np.stack([r.exponential(1.0, self.shape[1:]) for r in rngs])
        fading_e = np.stack([r.exponential(1.0, self.shape[1:2])[:, None] for r in rngs])
        out = self.outcome(dec, fading_l, fading_e)
        done = out["runnable"] & (out["d"] <= self.task["t_max"])                  # C1, C6
        n = dec.phi.astype(np.int64)
        theta = self.task["noisy"].astype(np.int64)
        acc = self.acc[np.arange(self.batch)[:, None, None],
                       np.arange(self.shape[1])[None, :, None],
                       np.arange(self.shape[2])[None, None, :], theta, n]
        accuracy = np.where(done, acc, 0.0)                                         # eq. (10)
        # DCPU step 4: placed models join the pool, then ω keeps or deletes
        level = np.arange(2) == n[..., None]                                       # (B, G, K, 2)
        self.cache_l = (self.cache_l | (out["placed_l"][..., None] & level)) & dec.omega[..., 0:2]
        self.cache_e = (self.cache_e | (out["placed_e"][..., None] & level)) & dec.omega[..., 2:4]
        self.draw_tasks(rngs)
        return {"accuracy": accuracy, "done": done, "d": out["d"], "m": dec.m, "phi": dec.phi,
                "placed_l": out["placed_l"], "placed_e": out["placed_e"], "decisions": dec}

    # ------------------------------------------------------------------ views
    def observation(self) -> np.ndarray:
        """Eq. (12) per task: D, T_max (each over its range's top), θ, u^l0,
        u^l1, u^e0, u^e1: (B, G·K·7)."""
        p, t = self.p, self.task
        feats = np.stack([t["data_bits"] / (p.data_kb[1] * KB_BITS), t["t_max"] / p.t_max_s[1],
                          t["noisy"], self.cache_l[..., 0], self.cache_l[..., 1],
                          self.cache_e[..., 0], self.cache_e[..., 1]], axis=-1)
        return feats.reshape(self.batch, -1).astype(np.float32)

    def pool_usage(self) -> tuple[np.ndarray, np.ndarray]:
        """Bits held per IGW pool (B, G) and in the ECaS pool (B,)."""
        return ((self.cache_l * self.size_bits).sum(axis=(-1, -2)),
                (self.cache_e * self.size_bits).sum(axis=(-1, -2, -3)))
