"""What one training step of zhang2021 as written costs at scale=paper (the
paper's flat networks over N = 350 tasks: actor 1800-2400-3000-3500, TD3's
critics 4800-3500-1500-500, batch 64), where that time goes, and what bounds
it on this machine:

- the matmul floor: the same matrix products alone (every update's target
  actor and critics, critic forward and backward; the actor step every
  ``policy_delay`` updates), timed now on the same threads;
- the memory floor: fused Adam reads and writes about 7 floats per
  parameter (parameter, gradient, two moments; the critics every update,
  the actor every ``policy_delay``), at the copy bandwidth timed now.

``python -m benchmarks paper`` (about 2 minutes)."""
from __future__ import annotations

import time

import numpy as np
import torch

from slicectl.config.overrides import resolved
from slicectl.runner.build import make_agent, make_env
from omegaconf import OmegaConf

STEPS = 15_000   # the paper's budget: 300 episodes x 50 slots


def _build():
    cfg = OmegaConf.create(resolved("train", ["experiment=zhang2021", "scale=paper", "agent=td3"]))
    env = make_env(cfg.env, 1)
    agent = make_agent(cfg.agent, env, 0, "cpu")
    return cfg, env, agent


def _shapes(obs: int, act: int, hidden, critic_hidden, n_critics: int, batch: int):
    actor = [obs, *hidden, act]
    critic = [obs + act, *critic_hidden, 1]

    def fwd(dims):
        return [(batch, i, o) for i, o in zip(dims, dims[1:])]

    def bwd(dims):   # dW = xᵀ dy for every layer, dx = dy Wᵀ below every layer but the first
        return [(i, batch, o) for i, o in zip(dims, dims[1:])] + [(batch, o, i) for i, o in zip(dims[1:], dims[2:])]

    every = fwd(actor) + n_critics * (2 * fwd(critic) + bwd(critic))
    delayed = fwd(actor) + fwd(critic) + bwd(critic) + [(batch, critic[1], critic[0])] + bwd(actor)
    return every, delayed


def _matmul_seconds(products) -> float:
    gen = torch.Generator().manual_seed(0)
    pairs = [(torch.rand(m, k, generator=gen), torch.rand(k, n, generator=gen)) for m, k, n in products]
    for a, b in pairs:
        a @ b
    t0 = time.perf_counter()
    reps = 3
    for _ in range(reps):
        for a, b in pairs:
            a @ b
    return (time.perf_counter() - t0) / reps


def _bandwidth_bytes_per_s() -> float:
    x = torch.rand(64 * 2**20)            # 256 MB
    y = torch.empty_like(x)
    y.copy_(x)
    t0 = time.perf_counter()
    for _ in range(5):
        y.copy_(x)
    return 5 * 2 * x.numel() * 4 / (time.perf_counter() - t0)   # read + write


def run() -> list[tuple[str, str]]:
    cfg, env, agent = _build()
    obs = env.reset([0])
    # fill the replay to learning_starts with random actions, then time steps with updates
    t_env, t_obs, n = 0.0, 0.0, 0
    warm = int(cfg.agent.learning_starts)
    for step in range(warm + 30):
        a = agent.act(obs)
        t0 = time.perf_counter()
        nxt, r, trunc, _ = env.step(a)
        t1 = time.perf_counter()
        agent.observe(obs, a, r, nxt, np.zeros(len(r)))
        t2 = time.perf_counter()
        obs = nxt
        if step >= warm + 10:     # after the first updates
            t_env, t_obs, n = t_env + t1 - t0, t_obs + t2 - t1, n + 1
    per_step = (t_env + t_obs) / n
    actor_params, critic_params = agent._actor_flat.numel(), agent._critic_flat.numel()
    cols = agent.replay._cols
    obs_dim = cols["obs"].stop - cols["obs"].start
    action_dim = cols["actions"].stop - cols["actions"].start
    every, delayed = _shapes(obs_dim, action_dim, list(cfg.agent.hidden),
                             list(cfg.agent.critic_hidden), int(cfg.agent.n_critics), int(cfg.agent.batch_size))
    delay = int(cfg.agent.policy_delay)
    matmul = _matmul_seconds(every) + _matmul_seconds(delayed) / delay
    flops = 2 * (sum(m * k * nn for m, k, nn in every) + sum(m * k * nn for m, k, nn in delayed) / delay)
    bandwidth = _bandwidth_bytes_per_s()
    adam = 7 * 4 * (critic_params + actor_params / delay) / bandwidth
    hours = per_step * STEPS / 3600
    return [
        ("zhang2021 as written, scale=paper: seconds per training step",
         f"{per_step:.3f} s (env {t_env / n:.3f}, act + observe + update {t_obs / n:.3f}); "
         f"{STEPS} steps = {hours:.1f} h"),
        ("  its networks", f"actor {actor_params / 1e6:.1f} M parameters, critics {critic_params / 1e6:.1f} M; "
                           f"{flops / 1e9:.1f} GFLOP of matrix products per step"),
        ("  matmul floor (the same products alone)", f"{matmul:.3f} s per step ({flops / matmul / 1e9:.0f} GFLOP/s); "
                                                     f"{matmul / per_step:.0%} of the step"),
        ("  memory floor (fused Adam, 7 floats per parameter)",
         f"{adam:.3f} s per step at {bandwidth / 1e9:.1f} GB/s copy bandwidth; {adam / per_step:.0%} of the step"),
    ]
