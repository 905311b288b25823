"""Scale section 4.1's SE and profit thresholds to this simulator.

The paper's curves settle at SE ≈ 300 (lower tier, Fig. 5-6) and profit ≈ 200
(upper tier, Fig. 12). Here the reference is what a sensible, untrained
policy reaches: every MVNO bids its minimum demand and allocates by Table A,
over ``episodes`` × ``episode_steps`` windows on fixed seeds. Each paper
threshold is multiplied by (our reference / the paper's settled value).

    python -m slicectl.papers.chen2022.calibrate      # prints the YAML block
"""
from __future__ import annotations

import numpy as np

from slicectl.papers.chen2022.env import UpperTierBatchEnv, default_kwargs

PAPER_SE, PAPER_PROFIT = 300.0, 200.0
PAPER = {"upper_se_min": (220.0, "se"), "upper_se_ref": (230.0, "se"),
         "upper_profit_min": (185.0, "profit"), "upper_profit_low": (170.0, "profit"),
         "lower_se_min": (280.0, "se")}


def reference(episodes: int = 20, seed_base: int = 1000) -> dict[str, float]:
    env = UpperTierBatchEnv(**{**default_kwargs(), "num_envs": 1})
    M = env.p.n_mvnos
    se, profit = [], []
    for ep in range(episodes):
        env.reset([seed_base + ep])
        for _ in range(env.episode_steps):
            _, _, _, info = env.step(np.zeros((1, M), np.int64))
            se += [info[f"se_m{m}"][0] for m in range(M)]
            profit += [info[f"profit_m{m}"][0] for m in range(M)]
    return {"se": float(np.mean(se)), "profit": float(np.mean(profit))}


def thresholds(ref: dict[str, float]) -> dict[str, float]:
    scale = {"se": ref["se"] / PAPER_SE, "profit": ref["profit"] / PAPER_PROFIT}
    return {k: round(v * scale[kind], 1) for k, (v, kind) in PAPER.items()}


if __name__ == "__main__":
    ref = reference()
    print(f"# reference: SE {ref['se']:.1f}, profit {ref['profit']:.1f}")
    for k, v in thresholds(ref).items():
        print(f"  {k}: {v}")
