"""chen2022 section 4.1's piecewise rewards (``reward=paper``).

The text states each tier's reward as a list of cases; this is the order in
which they are checked (the first that holds pays), for per-MVNO arrays:

Upper tier
    1. every QoE threshold met, SE ≥ se_min and profit ≥ profit_min:
       4 + 0.1·(SE − se_ref) + 0.1·(profit − profit_min)
    2. every QoE met and profit ≥ profit_min, SE short: 4
    3. profit ≥ profit_low, URLLC's QoE met (another QoE short): (QoE_urllc − 0.7)·10
    4. profit ≥ profit_low, URLLC's QoE short: (QoE_urllc − 0.7)·6
    5. "just the first condition" (eMBB's QoE) met: 0
    6. otherwise: −5
Lower tier
    1. every QoE met and SE ≥ se_min: 4 + 0.1·(SE − se_min)
    2. every QoE met, SE short: 4
    3. URLLC's QoE short, another QoE met: (QoE_urllc − 0.7)·10
    4. no QoE met: −5
    5. otherwise (URLLC met, another short; the text is silent): 0

QoE is the service's SSR. The SE and profit thresholds are the paper's
scaled to this simulator (conf/env/bidding.yaml says how they were measured).
"""
from __future__ import annotations

import numpy as np


def _qoe(per: dict, th: dict, names: list[str]) -> dict[str, np.ndarray]:
    return {n: per["ssr"][..., names.index(n)] >= float(th[n]) for n in th}


def upper_reward(per: dict, cfg: dict, names: list[str]) -> np.ndarray:
    ok = _qoe(per, cfg["qoe_upper"], names)
    all_ok = np.logical_and.reduce(list(ok.values()))
    se, profit, q_u = per["se"], per["profit"], per["ssr"][..., names.index("urllc")]
    se_ok, profit_ok = se >= cfg["upper_se_min"], profit >= cfg["upper_profit_min"]
    rich = profit >= cfg["upper_profit_low"]
    return np.select(
        [all_ok & se_ok & profit_ok, all_ok & profit_ok, rich & ok["urllc"], rich, ok["embb"]],
        [4 + 0.1 * (se - cfg["upper_se_ref"]) + 0.1 * (profit - cfg["upper_profit_min"]),
         np.full_like(se, 4.0), (q_u - 0.7) * 10, (q_u - 0.7) * 6, np.zeros_like(se)],
        default=-5.0)


def lower_reward(per: dict, cfg: dict, names: list[str]) -> np.ndarray:
    ok = _qoe(per, cfg["qoe_lower"], names)
    all_ok = np.logical_and.reduce(list(ok.values()))
    any_ok = np.logical_or.reduce(list(ok.values()))
    se, q_u = per["se"], per["ssr"][..., names.index("urllc")]
    return np.select(
        [all_ok & (se >= cfg["lower_se_min"]), all_ok, ~ok["urllc"] & any_ok, ~any_ok],
        [4 + 0.1 * (se - cfg["lower_se_min"]), np.full_like(se, 4.0), (q_u - 0.7) * 10,
         np.full_like(se, -5.0)],
        default=0.0)
