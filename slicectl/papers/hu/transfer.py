"""hu section IV-C: knowledge transfer between cells' agents.

The cells' agents are one stacked TD3 (member k = cell k), so giving every
target cell k the knowledge of its source cell s(k) is a gather along the
member axis:

- model: every network's member k ← the source's member s(k) (actor,
  critics and their targets); optimisers start fresh;
- instance: the source's replay with each cell's columns (observation,
  action, reward) taken from its source cell, to be mixed with what the
  target then experiences. The paper's Γ "selects the instances from the
  source agent" without saying how; this keeps the source's newest
  ``instances`` transitions (None: all): those of the policy being
  transferred, not of its random exploration phase, and few enough that
  the target's own experience soon outweighs them (a source's rewards
  follow its own cell's requirements and interference);
- feature: only the lowest ``layers`` of actor and critics from the source,
  frozen; the rest freshly initialised;
- integrated (the paper's): model + instance.
"""
from __future__ import annotations

import numpy as np
import torch

METHODS = ("model", "instance", "feature", "integrated")


def member_index(param_members: int, sources: np.ndarray) -> torch.Tensor:
    """Indices that gather, for a parameter with ``param_members`` members
    (K for the actor, n·K for the critics: member c·K + k), each target
    cell's source member."""
    K = len(sources)
    critics = param_members // K
    return torch.as_tensor(np.concatenate([c * K + sources for c in range(critics)]))


def gather_network(state: dict[str, torch.Tensor], sources: np.ndarray,
                   keys: list[str] | None = None) -> dict[str, torch.Tensor]:
    """A stacked network's state with member k taken from member s(k);
    ``keys`` limits it to those parameters (the rest are left out)."""
    return {k: v.index_select(0, member_index(v.shape[0], sources)).clone()
            for k, v in state.items() if keys is None or k in keys}


def lower_layers(state: dict[str, torch.Tensor], layers: int) -> list[str]:
    """Parameter names of the first ``layers`` layers (``layers.<i>.*``)."""
    return [k for k in state if k.startswith("layers.") and int(k.split(".")[1]) < layers]


def gather_replay(replay: dict, sources: np.ndarray, obs_dim: int, action_dim: int) -> dict:
    """The source replay (ReplayBuffer.state_dict of the stacked agent) with
    cell k's columns taken from cell s(k); ``obs_dim`` and ``action_dim`` are
    per cell."""
    K = len(sources)

    def cols(x: torch.Tensor, width: int) -> torch.Tensor:
        return x.reshape(len(x), K, width)[:, torch.as_tensor(sources)].reshape(len(x), -1)

    return {**replay, "obs": cols(replay["obs"], obs_dim), "next_obs": cols(replay["next_obs"], obs_dim),
            "actions": cols(replay["actions"], action_dim),
            "rewards": cols(replay["rewards"], 1), "dones": cols(replay["dones"], 1)}


def newest(replay: dict, n: int | None) -> dict:
    """The ``n`` most recent transitions of a ReplayBuffer.state_dict (all
    of them if ``n`` is None or not smaller), oldest first."""
    size = int(replay["size"])
    if n is None or n >= size:
        return replay
    # rows are stored in insertion order until the ring wraps; then pos is the oldest
    order = (torch.arange(size) + int(replay["pos"])) % size
    keep = order[size - n:]
    return {**{k: v[keep] for k, v in replay.items() if torch.is_tensor(v)}, "pos": n, "size": n}


def apply_transfer(agent, src_state: dict, sources: np.ndarray, method: str, layers: int = 1,
                   instances: int | None = None) -> dict:
    """Give the fresh stacked ``agent`` its sources' knowledge by ``method``
    (``layers``: feature transfer's frozen layers; ``instances``: how many of
    the source's newest transitions instance transfer takes, None: all);
    returns what was transferred (for the run's record)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    K = len(sources)
    done: dict[str, object] = {"method": method, "sources": [int(s) + 1 for s in sources]}
    if method in ("model", "integrated"):
        nets = {n: gather_network(src_state[n], sources) for n in ("actor", "critic")}
        agent.load_state_dict({"actor": nets["actor"], "actor_target": nets["actor"],
                               "critic": nets["critic"], "critic_target": nets["critic"]}, weights_only=True)
        done["weights"] = "all layers"
    if method == "feature":
        for net in ("actor", "critic"):
            names = lower_layers(src_state[net], layers)
            own = getattr(agent, net).state_dict()
            own.update(gather_network(src_state[net], sources, names))
            getattr(agent, net).load_state_dict(own)
            getattr(agent, f"{net}_target").load_state_dict(own)
            agent.freeze(net, names)
        done["weights"] = f"lowest {layers} layer(s), frozen"
    if method in ("instance", "integrated"):
        obs_dim = src_state["replay"]["obs"].shape[1] // K
        action_dim = agent.action_dim // K
        replay = newest(src_state["replay"], instances)
        agent.replay.load_state_dict(gather_replay(replay, sources, obs_dim, action_dim))
        done["instances"] = int(replay["size"])
    # the transferred knowledge replaces the exploration phase (section V-2)
    agent.random_warmup = False
    agent.learning_starts = min(agent.learning_starts, agent.batch_size)
    return done
