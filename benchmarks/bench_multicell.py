"""hu's 12 cells: one stacked TD3 update for all cells vs 12 separate TD3
agents updated in a Python loop (the paper's nets 48-24 / 64-24, batch 32),
and the multi-cell env's steps per second (one network; 8 networks batched),
timed in the same run."""
from __future__ import annotations

import time

import numpy as np

from benchmarks.timing import calls_per_second
from slicectl.agents.td3 import TD3Agent
from slicectl.config.defaults import agent_defaults, env_defaults
from slicectl.papers.hu.env import MulticellBatchEnv

K, OBS, ACT, BATCH = 12, 16, 4, 32
NETS = {"hidden": (48, 24), "critic_hidden": (64, 24), "batch_size": BATCH, "policy_delay": 2,
        "learning_starts": 10**9, "buffer_size": 5000}


def _filled(agent: TD3Agent, agents: int) -> TD3Agent:
    rng = np.random.default_rng(0)
    n = 2000
    obs = rng.random((n, agents * OBS), dtype=np.float32)
    agent.observe(obs, rng.uniform(0, 1, (n, agents * ACT)), rng.random((n, agents)).squeeze(),
                  rng.random((n, agents * OBS), dtype=np.float32), np.zeros((n, agents)).squeeze())
    return agent


def stacked_updates_per_second(updates: int) -> float:
    """Updates of all 12 cells' agents per second, as one stacked agent."""
    agent = _filled(TD3Agent(K * OBS, K * ACT, 0.0, 1.0, agents=K, **agent_defaults("td3", epsilon=0.0, **NETS)), K)
    return calls_per_second(agent.update, updates)


def loop_updates_per_second(updates: int) -> float:
    """Updates of all 12 cells' agents per second, one agent after another."""
    agents = [_filled(TD3Agent(OBS, ACT, 0.0, 1.0, seed=k, **agent_defaults("td3", epsilon=0.0, **NETS)), 1) for k in range(K)]

    def update_all():
        for a in agents:
            a.update()

    return calls_per_second(update_all, updates)


def env_steps_per_second(num_envs: int, seconds: float = 3.0) -> float:
    """Network steps per second (each: 12 cells' load fixed point and metrics)."""
    env = MulticellBatchEnv(**env_defaults("multicell", num_envs=num_envs, episode_steps=10**9))
    obs = env.reset(list(range(num_envs)))
    rng = np.random.default_rng(0)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        obs, *_ = env.step(env.sampler(obs, rng))
        n += 1
    return n * num_envs / (time.perf_counter() - t0)


def run() -> list[tuple[str, str]]:
    stacked = stacked_updates_per_second(300)
    loop = loop_updates_per_second(100)
    one, eight = env_steps_per_second(1), env_steps_per_second(8)
    return [("hu TD3, 12 cells stacked: updates of all cells/s", f"{stacked:,.0f}"),
            ("hu TD3, 12 separate agents in a loop: updates of all cells/s", f"{loop:,.0f}"),
            ("hu TD3 stacked / loop", f"{stacked / loop:.1f}x"),
            ("multicell env, 1 network: steps/s", f"{one:,.0f}"),
            ("multicell env, 8 networks batched: network-steps/s", f"{eight:,.0f} ({eight / one:.1f}x)")]


if __name__ == "__main__":
    for label, value in run():
        print(f"{label}: {value}")
