"""Radio and traffic models shared by every slicectl environment (numpy only).

Path loss follows 3GPP TR 36.814 (macro, urban): ``PL = a + b·log10(d / km)``
with a = 145.4 dB, b = 37.5 dB in the reference RAN. Transmit power is spread
evenly over the whole band, so a user's mean SNR does not depend on how much
bandwidth it gets; small-scale Rayleigh fading and log-normal shadowing are
redrawn every slot inside the kernels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from slicectl.sim import kernel

DIST_CODES = {
    "constant": kernel.DIST_CONSTANT,
    "uniform": kernel.DIST_UNIFORM,
    "exponential": kernel.DIST_EXPONENTIAL,
    "pareto": kernel.DIST_PARETO,
}


def path_loss_db(distance_m: np.ndarray, a_db: float = 145.4, b_db: float = 37.5) -> np.ndarray:
    """TR 36.814 macro path loss in dB for distances in metres."""
    return a_db + b_db * np.log10(np.asarray(distance_m) / 1000.0)


def mean_snr(distance_m: np.ndarray, tx_power_dbm: float, bandwidth_hz: float,
             noise_dbm_hz: float, rx_gain_db: float, a_db: float, b_db: float) -> np.ndarray:
    """Linear SNR before fading: power spectral density over noise density."""
    psd_dbm_hz = tx_power_dbm - 10.0 * np.log10(bandwidth_hz)
    snr_db = psd_dbm_hz - path_loss_db(distance_m, a_db, b_db) + rx_gain_db - noise_dbm_hz
    return 10.0 ** (snr_db / 10.0)


def shannon_rate(bandwidth_hz, snr, streams: float = 1.0):
    """Shannon capacity in bit/s over ``streams`` parallel spatial layers."""
    return np.asarray(bandwidth_hz) * streams * np.log2(1.0 + np.asarray(snr))


@dataclass(frozen=True, kw_only=True)
class LinkParams:
    """The single-BS downlink every cell model shares (values: the model's
    YAML). Keyword-only, so a model's own fields can come first."""

    radius_m: float
    min_distance_m: float
    bandwidth_hz: float          # the band the BS power is spread over
    tx_power_dbm: float
    noise_dbm_hz: float
    rx_gain_db: float
    path_loss_a_db: float
    path_loss_b_db: float
    mimo_streams: float

    def place(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances of ``n`` users uniform in the disc and their mean SNR (linear)."""
        distance = uniform_disc(rng, n, self.radius_m, self.min_distance_m)
        return distance, self.mean_snr(distance)

    def mean_snr(self, distance_m: np.ndarray) -> np.ndarray:
        return mean_snr(distance_m, self.tx_power_dbm, self.bandwidth_hz, self.noise_dbm_hz,
                        self.rx_gain_db, self.path_loss_a_db, self.path_loss_b_db)


@dataclass(frozen=True, kw_only=True)
class LinkAdaptation:
    """What a layer carries at an SNR, for a cell model that is also a
    LinkParams (its ``mimo_streams`` layers): min(se_alpha·log2(1 + SNR),
    se_max) bit/s/Hz, an SNR below sinr_min_db counting as that floor (TR
    36.942 Annex A.2). The reference simulator's radio is plain Shannon:
    se_alpha 1, se_max and sinr_min_db None (no cap, no floor); conf/radio/."""

    se_alpha: float
    se_max: float | None
    sinr_min_db: float | None

    @property
    def link_adaptation(self) -> tuple[float, float, float]:
        """(se_alpha, se_max, floor SNR, linear) with the reference's no-cap
        and no-floor as inf and 0: the kernel's scalar arguments."""
        return (self.se_alpha, math.inf if self.se_max is None else self.se_max,
                0.0 if self.sinr_min_db is None else 10.0 ** (self.sinr_min_db / 10.0))

    def efficiency(self, snr: np.ndarray) -> np.ndarray:
        """Spectral efficiency in bit/s/Hz over all ``mimo_streams`` layers."""
        cap = math.inf if self.se_max is None else self.se_max
        floor_db = -math.inf if self.sinr_min_db is None else self.sinr_min_db
        return self.mimo_streams * attenuated_shannon(snr, self.se_alpha, cap, floor_db)


def uniform_disc(rng: np.random.Generator, n: int, radius_m: float, min_m: float) -> np.ndarray:
    """Distances of ``n`` points uniform (by area) in a disc, at least ``min_m`` from the centre."""
    r2 = rng.uniform(min_m**2, radius_m**2, size=n)
    return np.sqrt(r2)


@dataclass(frozen=True)
class Distribution:
    """A packet-size (bits) or inter-arrival (ms) law: ``dist`` names one of
    DIST_CODES; params a, b, c as documented in ``slicectl.sim.kernel``."""

    dist: str
    a: float
    b: float = 0.0
    c: float = 0.0

    @classmethod
    def from_config(cls, spec: dict) -> "Distribution":
        """From a config mapping such as ``{dist: uniform, a: 0.0, b: 160.0}``."""
        return cls(dist=str(spec["dist"]), **{k: float(v) for k, v in spec.items() if k != "dist"})

    def encoded(self, scale: float = 1.0) -> tuple[int, np.ndarray]:
        """Kernel code and parameters with every length-like parameter × scale
        (Pareto's shape ``a`` is dimensionless and left alone)."""
        code = DIST_CODES[self.dist]
        a, b, c = self.a, self.b, self.c
        if code == kernel.DIST_PARETO:
            return code, np.array([a, b * scale, c * scale])
        return code, np.array([a * scale, b * scale, c * scale])

    def mean(self) -> float:
        """Mean of the law (used for observation scaling and documentation)."""
        code, (a, b, c) = self.encoded()
        if code == kernel.DIST_CONSTANT:
            return a
        if code == kernel.DIST_UNIFORM:
            return 0.5 * (a + b)
        if code == kernel.DIST_EXPONENTIAL:
            return a * (1.0 - np.exp(-b / a)) if b > 0 else a
        # Pareto(shape a, scale b) capped at c: E[min(X, c)] = b + ∫_b^c (b/x)^a dx
        return b + b**a * (c ** (1.0 - a) - b ** (1.0 - a)) / (1.0 - a)


# --------------------------------------------------------- macro-cell models
# hu's multi-cell network (envs/multicell.py): three-sector macro sites.

def winner_c2_nlos_db(distance_m: np.ndarray, carrier_ghz: float, bs_height_m: float) -> np.ndarray:
    """WINNER II / WINNER+ scenario C2 (urban macro) NLOS path loss in dB
    (WINNER II D1.1.2, Table 4-4; valid for 50 m < d < 5 km, h_MS = 1.5 m):
    ``(44.9 − 6.55·log10 h_BS)·log10 d + 34.46 + 5.83·log10 h_BS + 23·log10(f_c / 5 GHz)``."""
    d = np.maximum(np.asarray(distance_m, dtype=np.float64), 1.0)
    h = np.log10(bs_height_m)
    return (44.9 - 6.55 * h) * np.log10(d) + 34.46 + 5.83 * h + 23.0 * np.log10(carrier_ghz / 5.0)


def sector_gain_db(angle_deg: np.ndarray, peak_dbi: float, beamwidth_deg: float,
                   front_back_db: float) -> np.ndarray:
    """3GPP TR 36.942 §4.2.1 sector antenna: ``G − min(12·(θ/θ_3dB)², A_m)``
    with θ the angle off boresight in degrees (any real; wrapped to ±180)."""
    theta = (np.asarray(angle_deg) + 180.0) % 360.0 - 180.0
    return peak_dbi - np.minimum(12.0 * (theta / beamwidth_deg) ** 2, front_back_db)


def attenuated_shannon(sinr: np.ndarray, alpha: float, max_se: float, min_sinr_db: float) -> np.ndarray:
    """Spectral efficiency (bit/s/Hz) of a link-adapted LTE link, TR 36.942
    Annex A.2: ``α·log2(1 + SINR)`` capped at ``max_se``; below ``min_sinr_db``
    the lowest MCS still carries the user (its SE at that SINR) rather than
    nothing, so that every active user has a finite service time."""
    floor = 10.0 ** (min_sinr_db / 10.0)
    return np.minimum(alpha * np.log2(1.0 + np.maximum(sinr, floor)), max_se)
