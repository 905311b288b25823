"""chen2022's two tiers, trained and compared.

Algorithm 2 (lower tier) and Algorithm 1 (upper tier) each train M
independent agents, one per MVNO, as phases of the runner. The comparison
then plays every upper-tier decider (the agents' bids, truthful bids, hard
slicing, the oracle) and every lower-tier decider (the agents, Table A, the
per-window oracle) on the same evaluation markets and windows, and keeps
every window's per-MVNO figures.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def _play(env, step: Callable, seeds: list[int], steps: int, policy: str) -> pd.DataFrame:
    """Every window of ``step(obs) -> (obs, reward, truncated, info)`` on the
    env whose rows are ``seeds``: one row per (seed, step) with the info's
    per-MVNO figures."""
    obs = env.reset(list(seeds))
    frames = []
    for t in range(steps):
        obs, _, _, info = step(obs)
        frames.append(pd.DataFrame({"policy": policy, "seed": seeds, "step": t,
                                    **{k: np.asarray(v) for k, v in info.items()}}))
    return pd.concat(frames, ignore_index=True)


def play_upper(env, decide: Callable, seeds: list[int], steps: int, policy: str) -> pd.DataFrame:
    """An upper-tier decider (``decide(env, obs) -> (blocks, lower actions,
    bid levels)``): F and each MVNO's profit, utility, SE, SSRs, bid, blocks."""
    return _play(env, lambda obs: env.step_allocation(*decide(env, obs)), seeds, steps, policy)


def play_lower(env, policy_obj, seeds: list[int], steps: int, policy: str) -> pd.DataFrame:
    """A lower-tier policy (``act(obs, explore=False)``) on the lower-tier env."""
    return _play(env, lambda obs: env.step(policy_obj.act(obs, explore=False)), seeds, steps, policy)


def summary(upper: pd.DataFrame, lower: pd.DataFrame, agent: str = "agent") -> dict[str, float]:
    """Table 4's figures for one run: the agents' upper-tier profit, utility
    and F and lower-tier SE and utility, each baseline's, and the agents' gap
    to the oracle (oracle − agent, relative to the oracle)."""
    row: dict[str, float] = {}
    for pol, g in upper.groupby("policy"):
        pre = "" if pol == agent else f"{pol}_"
        row.update({f"{pre}profit": g["profit"].mean(), f"{pre}utility": g["utility"].mean(),
                    f"{pre}F": g["F"].mean()})
    for pol, g in lower.groupby("policy"):
        pre = "" if pol == agent else f"{pol}_"
        row.update({f"{pre}lower_se": g["se"].mean(), f"{pre}lower_utility": g["utility"].mean()})
    for k in ("F", "profit", "lower_se", "lower_utility"):
        if f"oracle_{k}" in row and k in row:
            row[f"gap_{k}"] = (row[f"oracle_{k}"] - row[k]) / abs(row[f"oracle_{k}"])
    return row
