"""Seeds stacked: N agents of one config, each with its own seed, trained in
one process as the N members of one ensemble.

A member is a complete agent, built as a separate run would build it: its
seed's initial networks, its replay, its exploration and minibatch random
generators, its step counters. The stack keeps the members' networks and
Adam moments as ensemble tensors with a leading member axis, so that one
batched matmul serves every member where a separate run pays one small
matmul (and its Python and kernel-launch overhead) per layer. Nothing is
shared: member k's loss depends on member k's parameters and minibatch only,
its gradient is clipped by its own norm, and Adam is elementwise, so each
member follows the update its separate run would make, up to the rounding
of a batched matmul. ``sync()`` writes the ensemble back into the member
agents, whose ``state_dict()`` is then a separate run's checkpoint, byte for
byte in layout; a stack built from members that loaded such checkpoints
continues them.

``StackedDQN`` serves the DQN family (DQN, Double DQN, Dueling DQN);
``StackedTD3`` TD3 and DDPG, flat, per item (zhang2021) or stacked over a
cell's agents (hu): the members are then the agents of one ``StackedActor``
whose input rows hold every member's observation side by side.
"""
from __future__ import annotations

from collections.abc import Sequence

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.stacked.dqn import StackedDQN
from slicectl.agents.stacked.td3 import StackedTD3
from slicectl.agents.td3 import TD3Agent

__all__ = ["StackedDQN", "StackedTD3", "stack_agents", "stacked_bytes"]


def stack_agents(agents: Sequence) -> StackedDQN | StackedTD3 | None:
    """The stack of ``agents`` (one config, one agent per seed), or None for
    a kind that is not stacked (they then train one after the other)."""
    if len(agents) < 2:
        return None
    if all(type(a) is DQNAgent for a in agents):
        return StackedDQN(agents)
    if all(type(a) is TD3Agent and not a.frozen for a in agents):
        return StackedTD3(agents)
    return None


def stacked_bytes(agent) -> int:
    """The memory one member like ``agent`` takes in a stack, roughly: its
    replay, and each network twice (the member's own, kept for its
    checkpoint, and its slice of the ensemble), an online network with its
    gradient and two Adam moments (four copies), a target network once."""
    params = {name: sum(p.numel() * p.element_size() for p in net.parameters())
              for name, net in agent.networks().items()}
    nets = sum(b if name.endswith("_target") else 4 * b for name, b in params.items())
    return agent.replay.storage.nbytes + 2 * nets
