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
    return evaluate_together(policy, [env], seeds, steps, record)[0]


def evaluate_together(policy, envs: list, seeds, steps: int,
                      record: list | None = None) -> list[dict[str, np.ndarray]]:
    """``evaluate`` for stacked seeds: ``policy`` acts for every env at once
    (env k's rows are the k-th block of its input), each env being one
    member's copy of the evaluation cells; one result per env. ``record``
    keeps the first env's samples."""
    for env in envs:
        assert env.num_envs == len(seeds), "the evaluation env needs one row per seed"
        if hasattr(env, "restart_clock"):
            env.restart_clock()
    obs = [env.reset(list(seeds)) for env in envs]
    sums: list[dict[str, np.ndarray]] = [{} for _ in envs]
    for _ in range(steps):
        actions = np.split(np.asarray(policy.act(np.concatenate(obs), explore=False)), len(envs))
        for k, (env, a) in enumerate(zip(envs, actions)):
            obs[k], reward, _, info = env.step(a)
            if reward.ndim > 1:  # one reward per agent (multi-agent envs): their mean
                reward = reward.mean(axis=1)
            for key in ("reward", *env.metric_names):
                v = reward if key == "reward" else info[key]
                sums[k][key] = sums[k].get(key, 0.0) + v
            if record is not None and k == 0:
                record.append({key: np.array(info[key]) for key in env.sample_names})
    return [{key: v / steps for key, v in s.items()} for s in sums]


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
