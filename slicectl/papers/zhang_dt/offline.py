"""zhang_digital_twin Algorithm 2: offline training of Agent 1 from a fixed
dataset, and the penalties that tell the offline arms apart.

Every arm runs the agent's own update (``agent.update()``: DQN, DDQN,
Dueling GAN-DDQN...) on minibatches of the dataset, never touching an env.
The arms differ only in the term added to the value network's loss:

- plain offline (the paper's baseline, v = 0): nothing;
- DT, eq. (13): (v/2)‖θ1 − θ2‖², θ2 the agent trained in the twin fitted
  on the same dataset (:func:`twin_penalty`);
- CQL (Kumar et al., 2020, discrete form):
  α · E_s[log Σ_a exp Q(s, a) − Q(s, a_data)] (:func:`cql_penalty`), which
  pushes down the values of actions the dataset never took.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from slicectl.agents.replay import ReplayBuffer
from slicectl.papers.zhang_dt import twin_data
from slicectl.runner.loop import episode_seeds


def collect(env, policy, steps: int, seed: int) -> dict[str, np.ndarray]:
    """A dataset of ``steps`` transitions of ``policy`` (its exploring
    ``act``) in the batch env ``env``, one episode after another."""
    rec = twin_data.RecordingEnv(env)
    episode, obs = 0, rec.reset(episode_seeds(seed, 0, env.num_envs))
    for _ in range(-(-steps // env.num_envs)):
        obs, _, truncated, _ = rec.step(policy.act(obs))
        if truncated.all():
            episode += 1
            obs = rec.reset(episode_seeds(seed, episode, env.num_envs))
    data = rec.data()
    return {k: v[:steps] for k, v in data.items()}


def load_dataset(agent, data: dict[str, np.ndarray]) -> None:
    """Make ``data`` the agent's whole replay: it samples only from it."""
    n = len(data["reward"])
    agent.replay = ReplayBuffer(n, data["obs"].shape[1], device=str(agent.device))
    # the twin's and the real env's episodes are truncated, never terminated
    agent.replay.add(data["obs"], data["action"], data["reward"], data["next_obs"], np.zeros(n))


Regulariser = Callable[[object, tuple], torch.Tensor]


def twin_penalty(theta2: torch.nn.Module, v: float) -> Regulariser:
    """Eq. (13)'s (v/2)‖θ1 − θ2‖² over the value network's parameters."""
    anchor = [p.detach().clone() for p in theta2.parameters()]

    def penalty(agent, batch) -> torch.Tensor:
        return 0.5 * v * sum(((p - a) ** 2).sum() for p, a in zip(agent.q.parameters(), anchor, strict=True))
    return penalty


def cql_penalty(alpha: float) -> Regulariser:
    """Discrete CQL's α · mean(logsumexp_a Q(s, a) − Q(s, a_data))."""
    def penalty(agent, batch) -> torch.Tensor:
        obs, actions = batch[0], batch[1]
        q = agent.q(obs)
        return alpha * (torch.logsumexp(q, dim=-1) - q.gather(1, actions.long().view(-1, 1)).squeeze(1)).mean()
    return penalty


def train_offline(agent, updates: int, every: int, on_eval: Callable[[int, float], None]) -> None:
    """``updates`` of the agent on its (dataset) replay; ``on_eval(updates
    so far, mean loss since the last call)`` every ``every`` updates and at
    the end."""
    losses: list[float] = []
    for u in range(1, updates + 1):
        losses.append(agent.update()["loss"])
        if u % every == 0 or u == updates:
            on_eval(u, float(np.mean(losses)))
            losses = []
