"""DQN gradient updates per second: slicectl's agent vs Stable-Baselines3's
DQN with the same network, batch size, target update and 4851 actions."""
from __future__ import annotations


import numpy as np

from benchmarks.timing import calls_per_second
from slicectl.agents.dqn import DQNAgent
from slicectl.config.defaults import agent_defaults

N_ACTIONS, OBS_DIM, BATCH = 4851, 3, 32


def transitions(n: int, rng: np.random.Generator):
    obs = rng.random((n, OBS_DIM), dtype=np.float32)
    return obs, rng.integers(0, N_ACTIONS, n), rng.random(n).astype(np.float32), \
        rng.random((n, OBS_DIM), dtype=np.float32)


def slicectl_updates_per_second(hidden, updates: int) -> float:
    agent = DQNAgent(OBS_DIM, N_ACTIONS, **agent_defaults("dqn", hidden=hidden, batch_size=BATCH,
                                                       learning_starts=10**9))
    obs, act, rew, nxt = transitions(5000, np.random.default_rng(0))
    agent.observe(obs, act, rew, nxt, np.zeros(5000))
    return calls_per_second(agent.update, updates)


def sb3_updates_per_second(hidden, updates: int) -> float | None:
    try:
        from stable_baselines3 import DQN
        from stable_baselines3.common.logger import Logger
    except ImportError:
        return None
    import gymnasium as gym

    import slicectl  # noqa: F401 - registers the Gymnasium ids

    env = gym.make("slicectl/RanSlicing-v0")
    model = DQN("MlpPolicy", env, policy_kwargs={"net_arch": list(hidden)}, batch_size=BATCH,
                buffer_size=50_000, learning_starts=0, learning_rate=1e-3, gamma=0.8, tau=0.01,
                target_update_interval=1, train_freq=1, device="cpu", seed=0)
    model.set_logger(Logger(folder=None, output_formats=[]))
    obs, act, rew, nxt = transitions(5000, np.random.default_rng(0))
    for i in range(5000):
        model.replay_buffer.add(obs[i:i + 1], nxt[i:i + 1], act[i:i + 1], rew[i:i + 1],
                                np.zeros(1), [{}])

    def step():  # what DQN.learn does per environment step with train_freq=1
        model.train(gradient_steps=1, batch_size=BATCH)
        model._on_step()

    return calls_per_second(step, updates)


def run() -> list[tuple[str, str]]:
    rows = []
    for label, hidden in (("default net 128-128", (128, 128)),
                          ("paper net 256-256-128-128", (256, 256, 128, 128))):
        ours = slicectl_updates_per_second(hidden, 1500)
        sb3 = sb3_updates_per_second(hidden, 1500)
        rows.append((f"DQN updates/s, slicectl, {label}", f"{ours:,.0f}"))
        if sb3 is None:
            rows.append((f"DQN updates/s, SB3, {label}", "not installed (pip install .[bench])"))
        else:
            rows.append((f"DQN updates/s, SB3, {label}", f"{sb3:,.0f}  (slicectl = {ours / sb3:.2f}x SB3)"))
    return rows
