"""Schema of hu's multi-cell network (conf/env/multicell.yaml)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from slicectl.config.schemas.base import Strict
from typing import Optional


class GroupCfg(Strict):
    throughput_mbps: list[float] = Field(min_length=1)
    delay_ms: list[float] = Field(min_length=1)


class MulticellEnvCfg(Strict):
    """conf/env/multicell.yaml (slicectl.papers.hu.env.MulticellBatchEnv)."""

    target: str = Field(alias="_target_")
    num_envs: int = Field(ge=1)
    episode_steps: int = Field(ge=1)
    coordinated: bool
    neighbours: int = Field(ge=1)
    obs_throughput_mbps: float = Field(gt=0)
    obs_load_cap: float = Field(gt=0)
    sites_m: list[tuple[float, float]] = Field(min_length=1)
    sector_azimuth_deg: list[float] = Field(min_length=1)
    cell_radius_m: float = Field(gt=0)
    min_distance_m: float = Field(gt=0)
    carrier_ghz: float = Field(gt=0)
    bandwidth_hz: float = Field(gt=0)
    tx_power_dbm: float
    antenna_gain_dbi: float
    beamwidth_deg: float = Field(gt=0)
    front_back_db: float = Field(ge=0)
    bs_height_m: float = Field(gt=0)
    noise_dbm_hz: float
    noise_figure_db: float = Field(ge=0)
    shadowing_db: float = Field(ge=0)
    shadow_corr_m: float = Field(gt=0)
    se_alpha: float = Field(gt=0, le=1)
    se_max: float = Field(gt=0)
    sinr_min_db: float
    users_per_slice: int = Field(ge=1, le=1000)
    user_step_m: float = Field(ge=0)
    activity: float = Field(ge=0)
    packet_bits: list[float] = Field(min_length=1)
    base_delay_ms: float = Field(ge=0)
    discard_ms: float = Field(gt=0)
    mask_mean: list[float]
    mask_amp: list[float]
    mask_phase: list[float]
    mask_period: int = Field(ge=1)
    mask_cell_jitter: float = Field(ge=0)
    mask_noise: float = Field(ge=0)
    mask_noise_rho: float = Field(ge=0, lt=1)
    cell_groups: list[int]
    groups: list[GroupCfg] = Field(min_length=1)
    fixed_point_tol: float = Field(gt=0)
    fixed_point_iters: int = Field(ge=1)
    discrete: ClassVar[bool] = False
    stacked_agents: ClassVar[bool] = True   # one agent per cell, stacked (TD3/DDPG only)

    @model_validator(mode="after")
    def _consistent(self):
        n_cells = len(self.sites_m) * len(self.sector_azimuth_deg)
        n = len(self.packet_bits)
        if len(self.cell_groups) != n_cells:
            raise ValueError(f"cell_groups has {len(self.cell_groups)} entries for {n_cells} cells")
        if min(self.cell_groups) < 0 or max(self.cell_groups) >= len(self.groups):
            raise ValueError(f"cell_groups must index groups 0..{len(self.groups) - 1}")
        for name in ("mask_mean", "mask_amp", "mask_phase"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} needs one value per slice ({n}, as packet_bits)")
        for i, g in enumerate(self.groups):
            if len(g.throughput_mbps) != n or len(g.delay_ms) != n:
                raise ValueError(f"groups[{i}] needs {n} throughput_mbps and {n} delay_ms")
            if min(g.throughput_mbps) <= 0 or min(g.delay_ms) <= self.base_delay_ms:
                raise ValueError(f"groups[{i}]: requirements must be > 0 and delays above base_delay_ms")
        if self.discard_ms <= max(max(g.delay_ms) for g in self.groups):
            raise ValueError("discard_ms must be above every delay requirement")
        if min(self.packet_bits) <= 0:
            raise ValueError("packet_bits must be > 0")
        if not self.neighbours < n_cells:
            raise ValueError(f"neighbours must be below the number of cells ({n_cells})")
        if self.min_distance_m >= self.cell_radius_m:
            raise ValueError("min_distance_m must be below cell_radius_m")
        return self


class MulticellJobCfg(Strict):
    finetune_steps: int = Field(ge=1)
    similarity_networks: int = Field(ge=1, le=1000)
    similarity_steps: int = Field(ge=2)
    vae_epochs: int = Field(ge=1)
    vae_alpha: float = Field(ge=0)
    small_var: float = Field(gt=0)
    frozen_layers: int = Field(ge=1)
    instances: Optional[int] = Field(ge=1)


def check_source(cfg: dict, root) -> None:
    """`transfer env=multicell`: ``source`` names a rule or one of the cells."""
    from slicectl.errors import UserError

    n_cells = len(cfg["env"]["sites_m"]) * len(cfg["env"]["sector_azimuth_deg"])
    src = str(root.source)
    if src not in ("auto", "farthest", "self") and not (src.isdigit() and 1 <= int(src) <= n_cells):
        raise UserError(f"source: must be auto, farthest, self or a cell 1..{n_cells}, not {src!r}")
