"""Independent learners: one agent per column of a multi-agent env.

chen2022's MVNOs each run their own agent (section 3.2); the envs hand them
observations (B, M, d), take actions (B, M) and pay rewards (B, M). This
wrapper gives agent m column m of each and looks like one agent to the
runner, so the training loop, evaluation and checkpoints serve it unchanged.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class IndependentAgents:
    def __init__(self, agents: Sequence):
        self.agents = list(agents)
        self.device = getattr(self.agents[0], "device", "cpu")

    def act(self, obs: np.ndarray, explore: bool = True) -> np.ndarray:
        return np.stack([a.act(obs[:, m], explore=explore) for m, a in enumerate(self.agents)], axis=1)

    def observe(self, obs, actions, rewards, next_obs, dones) -> dict[str, float]:
        stats = [a.observe(obs[:, m], actions[:, m], rewards[:, m], next_obs[:, m], dones[:, m])
                 for m, a in enumerate(self.agents)]
        losses = [s["loss"] for s in stats if "loss" in s]
        return {"loss": float(np.mean(losses))} if losses else {}

    def networks(self) -> dict:
        return {f"{name}{m}": net for m, a in enumerate(self.agents)
                for name, net in getattr(a, "networks", dict)().items()}

    def weights(self) -> dict:
        return {"agents": [a.weights() for a in self.agents]}

    def state_dict(self) -> dict:
        return {"agents": [a.state_dict() for a in self.agents]}

    def load_state_dict(self, state: dict, weights_only: bool = False) -> None:
        for a, s in zip(self.agents, state["agents"], strict=True):
            a.load_state_dict(s, weights_only)
