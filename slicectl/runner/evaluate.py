"""Evaluation over a fixed set of seeds, one episode per seed, all in one batch."""
from __future__ import annotations

import numpy as np


def evaluate(policy, env, seeds, steps: int) -> dict[str, np.ndarray]:
    """Run ``policy`` greedily for ``steps`` windows in a batch env whose rows
    are the evaluation ``seeds``; return each metric's per-seed mean (and the
    shaped reward, with the threshold restarted so runs compare)."""
    assert env.num_envs == len(seeds), "the evaluation env needs one row per seed"
    env.t = 0
    obs = env.reset(list(seeds))
    sums: dict[str, np.ndarray] = {}
    for _ in range(steps):
        obs, reward, _, info = env.step(policy.act(obs, explore=False))
        if reward.ndim > 1:  # one reward per agent (multi-agent envs): their mean
            reward = reward.mean(axis=1)
        for k in ("reward", *env.metric_names):
            v = reward if k == "reward" else info[k]
            sums[k] = sums.get(k, 0.0) + v
    return {k: v / steps for k, v in sums.items()}


def mean_ci(x, confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t confidence interval."""
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return float(x.mean()), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)
