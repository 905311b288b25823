"""TD3 gradient updates per second (huang2023's nets 256-128, batch 256):
slicectl's agent vs Stable-Baselines3's TD3 with the same nets, batch, policy
delay and target smoothing, timed in the same run."""
from __future__ import annotations

import time

import numpy as np
import torch

from benchmarks.timing import calls_per_second
from slicectl.agents.td3 import TD3Agent
from slicectl.config.defaults import agent_defaults

OBS_DIM, ACTION_DIM, BATCH, HIDDEN, DELAY = 16, 5, 256, (256, 128), 5


def _data(n: int):
    rng = np.random.default_rng(0)
    return (rng.random((n, OBS_DIM), dtype=np.float32), rng.uniform(0, 1, (n, ACTION_DIM)),
            rng.random(n).astype(np.float32), rng.random((n, OBS_DIM), dtype=np.float32))


def slicectl_updates_per_second(updates: int) -> float:
    agent = TD3Agent(OBS_DIM, ACTION_DIM, low=0.0, high=1.0, **agent_defaults(
        "td3", hidden=HIDDEN, batch_size=BATCH, policy_delay=DELAY, learning_starts=10**9, epsilon=0.0))
    obs, act, rew, nxt = _data(10_000)
    agent.observe(obs, act, rew, nxt, np.zeros(len(rew)))
    return calls_per_second(agent.update, updates)


def _gemms():
    """Operand shapes of the matrix products of one TD3 update: those of
    every update (target actor and critics, critic forward and backward) and
    those of the actor step every ``DELAY`` updates."""
    B, n = BATCH, 2
    actor = [OBS_DIM, *HIDDEN, ACTION_DIM]
    critic = [OBS_DIM + ACTION_DIM, *HIDDEN, 1]

    def fwd(dims, lead):  # y = x W per layer
        return [(lead + (B, i), lead + (i, o)) for i, o in zip(dims, dims[1:])]

    def grad_w(dims, lead):  # dW = xᵀ dy per layer
        return [(lead + (i, B), lead + (B, o)) for i, o in zip(dims, dims[1:])]

    def grad_x(dims, lead):  # dx = dy Wᵀ below every layer but the first
        return [(lead + (B, o), lead + (o, i)) for i, o in zip(dims[1:], dims[2:])]

    every = fwd(actor, ()) + 2 * fwd(critic, (n,)) + grad_w(critic, (n,)) + grad_x(critic, (n,))
    delayed = (fwd(actor, ()) + fwd(critic, ()) + grad_x(critic, ())
               + [((B, critic[1]), (critic[1], critic[0]))]  # down to the action input
               + grad_w(actor, ()) + grad_x(actor, ()))
    return every, delayed


def matmul_floor_updates_per_second(updates: int) -> float:
    """Updates per second if an update were nothing but its matrix products
    (same shapes, same threads): a ceiling for any TD3 on this machine."""
    gen = torch.Generator().manual_seed(0)
    every, delayed = ([(torch.rand(a, generator=gen), torch.rand(b, generator=gen)) for a, b in part]
                      for part in _gemms())
    count = [0]

    def update():
        for a, b in every:
            torch.matmul(a, b)
        count[0] += 1
        if count[0] % DELAY == 0:
            for a, b in delayed:
                torch.matmul(a, b)

    return calls_per_second(update, updates)


def sb3_updates_per_second(updates: int) -> float | None:
    try:
        from stable_baselines3 import TD3
        from stable_baselines3.common.logger import Logger
    except ImportError:
        return None
    import gymnasium as gym

    class Box(gym.Env):  # only the spaces matter: the replay buffer is filled directly
        observation_space = gym.spaces.Box(0, 1, (OBS_DIM,), np.float32)
        action_space = gym.spaces.Box(0, 1, (ACTION_DIM,), np.float32)

    model = TD3("MlpPolicy", Box(), policy_kwargs={"net_arch": list(HIDDEN)}, batch_size=BATCH,
                buffer_size=20_000, learning_starts=0, policy_delay=DELAY, tau=0.002,
                learning_rate=3e-4, device="cpu", seed=0)
    model.set_logger(Logger(folder=None, output_formats=[]))
    obs, act, rew, nxt = _data(10_000)
    for i in range(len(rew)):
        model.replay_buffer.add(obs[i:i + 1], nxt[i:i + 1], act[i:i + 1], rew[i:i + 1],
                                np.zeros(1), [{}])
    model.train(gradient_steps=20, batch_size=BATCH)
    t0 = time.perf_counter()
    model.train(gradient_steps=updates, batch_size=BATCH)
    return updates / (time.perf_counter() - t0)


def run() -> list[tuple[str, str]]:
    ours, sb3 = slicectl_updates_per_second(1000), sb3_updates_per_second(1000)
    floor = matmul_floor_updates_per_second(1000)
    rows = [("TD3 updates/s, slicectl, nets 256-128, batch 256", f"{ours:,.0f}"),
            ("TD3 updates/s if an update were only its matrix products",
             f"{floor:,.0f}  (slicectl at {ours / floor:.0%} of it)")]
    if sb3 is None:
        rows.append(("TD3 updates/s, SB3", "not installed (pip install .[bench])"))
    else:
        rows.append(("TD3 updates/s, SB3, same nets and batch",
                     f"{sb3:,.0f}  (slicectl = {ours / sb3:.2f}x SB3; ceiling {floor / sb3:.2f}x)"))
    return rows
