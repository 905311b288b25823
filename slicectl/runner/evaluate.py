"""Evaluation over a fixed set of seeds, one episode per seed, all in one batch."""
from __future__ import annotations

import numpy as np
import pandas as pd


def evaluate(policy, env, seeds, steps: int, record: list | None = None) -> dict[str, np.ndarray]:
    """Run ``policy`` greedily for ``steps`` windows in a batch env whose rows
    are the evaluation ``seeds``; return each metric's per-seed mean and the
    reward. An env with a clock that runs across episodes (the RAN's rising
    reward threshold) restarts it first, so evaluations compare. With
    ``record``, append each step's per-agent samples (the env's
    ``sample_names``, arrays (seeds, agents)) to it."""
    assert env.num_envs == len(seeds), "the evaluation env needs one row per seed"
    if hasattr(env, "restart_clock"):
        env.restart_clock()
    obs = env.reset(list(seeds))
    sums: dict[str, np.ndarray] = {}
    for _ in range(steps):
        obs, reward, _, info = env.step(policy.act(obs, explore=False))
        if reward.ndim > 1:  # one reward per agent (multi-agent envs): their mean
            reward = reward.mean(axis=1)
        for k in ("reward", *env.metric_names):
            v = reward if k == "reward" else info[k]
            sums[k] = sums.get(k, 0.0) + v
        if record is not None:
            record.append({k: np.array(info[k]) for k in env.sample_names})
    return {k: v / steps for k, v in sums.items()}


def samples_frame(record: list[dict[str, np.ndarray]], seeds, policy: str) -> pd.DataFrame:
    """``evaluate``'s record as one row per (seed, step, agent)."""
    names = list(record[0])
    stacked = {k: np.stack([r[k] for r in record]) for k in names}     # (steps, seeds, agents)
    T, S, A = stacked[names[0]].shape
    t, s, a = np.meshgrid(np.arange(T), np.asarray(seeds), np.arange(1, A + 1), indexing="ij")
    return pd.DataFrame({"policy": policy, "seed": s.ravel(), "step": t.ravel(), "agent": a.ravel(),
                         **{k: v.ravel() for k, v in stacked.items()}})


def mean_ci(x, confidence: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t confidence interval."""
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return float(x.mean()), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)
