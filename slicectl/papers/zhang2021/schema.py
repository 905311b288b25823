"""Schema of zhang2021's end-edge-cloud IIoT system (conf/env/iiot.yaml)."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from slicectl.config.schemas.base import Range, Strict


class IIoTEnvCfg(Strict):
    """conf/env/iiot.yaml (slicectl.papers.zhang2021.env)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    reward: Literal["task", "slot"]
    n_igws: int = Field(ge=1, le=100)
    devices_per_igw: int = Field(ge=1, le=1000)
    data_kb: Range
    t_max_s: Range
    noisy_ratio: float = Field(ge=0, le=1)
    acc_ul: Range
    acc_uh: Range
    acc_dl: Range
    acc_dh: Range
    size_mb: tuple[Range, Range]
    workload_mcycles: tuple[Range, Range]
    device_power_dbm: float
    igw_power_dbm: float
    noise_dbm: float
    igw_bandwidth_hz: float = Field(gt=0)
    bs_bandwidth_hz: float = Field(gt=0)
    igw_compute_hz: float = Field(gt=0)
    bs_compute_hz: float = Field(gt=0)
    igw_cache_mb: float = Field(ge=0)
    bs_cache_mb: float = Field(ge=0)
    rate_bs_igw_bps: float = Field(gt=0)
    rate_cloud_bs_bps: float = Field(gt=0)
    device_radius_m: float = Field(gt=0)
    igw_distance_m: Range
    path_loss_a_db: float
    path_loss_b_db: float = Field(gt=0)
    share_floor: float = Field(gt=0, le=1)
    shared_links: bool
    discrete: ClassVar[bool] = False

    @model_validator(mode="after")
    def _ranges(self):
        ranges = {"data_kb": self.data_kb, "t_max_s": self.t_max_s, "igw_distance_m": self.igw_distance_m,
                  "size_mb[0]": self.size_mb[0], "size_mb[1]": self.size_mb[1],
                  "workload_mcycles[0]": self.workload_mcycles[0],
                  "workload_mcycles[1]": self.workload_mcycles[1]}
        ranges.update({k: getattr(self, k) for k in ("acc_ul", "acc_uh", "acc_dl", "acc_dh")})
        for name, (lo, hi) in ranges.items():
            if not 0 < lo <= hi:
                raise ValueError(f"{name} must be [low, high] with 0 < low <= high, not [{lo}, {hi}]")
        for name in ("acc_ul", "acc_uh", "acc_dl", "acc_dh"):
            if getattr(self, name)[1] > 1:
                raise ValueError(f"{name}: an accuracy cannot exceed 1")
        return self
