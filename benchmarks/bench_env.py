"""Environment throughput: batched compiled core vs the plain-Python loop."""
from __future__ import annotations

import time

import numpy as np

from benchmarks.reference_loop import run_window
from slicectl.baselines.oracle import OraclePolicy
from slicectl.sim.ran_env import RanBatchEnv, default_kwargs
from slicectl.runner.build import baseline_cfg


def make(num_envs: int) -> RanBatchEnv:
    return RanBatchEnv(**{**default_kwargs(), "num_envs": num_envs, "episode_steps": 10**9})


def steps_per_second(num_envs: int, seconds: float = 3.0) -> float:
    env = make(num_envs)
    env.reset(list(range(num_envs)))
    rng = np.random.default_rng(0)
    env.step(rng.integers(0, env.action_space.n, num_envs))  # warm-up / JIT
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        env.step(rng.integers(0, env.action_space.n, num_envs))
        n += 1
    return n * num_envs / (time.perf_counter() - t0)


def loop_steps_per_second(windows: int = 3) -> float:
    env = make(1)
    env.reset([0])
    t0 = time.perf_counter()
    for i in range(windows):
        run_window(env.core, env.table[(i * 997) % len(env.table)])
    return windows / (time.perf_counter() - t0)


def oracle_seconds(search: str, decisions: int) -> float:
    env = make(1)
    obs = env.reset([0])
    oracle = OraclePolicy(env, 0, search=search, coarse_units=int(baseline_cfg("oracle").coarse_units))
    oracle.act(obs)  # warm-up
    t0 = time.perf_counter()
    for _ in range(decisions):
        obs, *_ = env.step(oracle.act(obs))
    return (time.perf_counter() - t0) / decisions


def run() -> list[tuple[str, str]]:
    loop = loop_steps_per_second()
    rows = [("env steps/s, plain-Python loop (reference)", f"{loop:,.1f}")]
    for n in (1, 64, 1024):
        sps = steps_per_second(n)
        rows.append((f"env steps/s, {n} parallel env(s)", f"{sps:,.0f}  ({sps / loop:,.0f}x loop)"))
    rows.append(("oracle s/decision, exhaustive (4851 splits)", f"{oracle_seconds('exhaustive', 3):.3f}"))
    rows.append(("oracle s/decision, coarse-to-fine", f"{oracle_seconds('coarse', 20):.3f}"))
    return rows
