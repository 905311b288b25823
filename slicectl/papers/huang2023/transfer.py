"""huang2023 stage II: a user-level TD3/DDPG agent pretrained on a slice of
K users initialises the agent of a slice with K' users (see
slicectl.papers.huang2023.remap for the rule)."""
from __future__ import annotations

import torch

from slicectl.papers.huang2023.remap import Layout, transfer_state


def obs_layout(n_users: int) -> Layout:
    """HuangUserBatchEnv's observation: traffic, utility per user, budget."""
    return [("traffic", n_users), ("utility", n_users), ("budget", 1)]


def action_layout(n_users: int) -> Layout:
    return [("alloc", n_users)]


def _linear_names(state: dict, suffix: str = ".weight") -> list[str]:
    """Names of an MLP's weight matrices, first layer to last."""
    return sorted((k for k in state if k.endswith(suffix)),
                  key=lambda k: [int(p) if p.isdigit() else p for p in k.split(".")])


def transfer_user_agent(src_state: dict, dst_agent, src_users: int, dst_users: int,
                        seed: int = 0) -> dict[str, dict[str, str]]:
    """Load into ``dst_agent`` (a TD3Agent for ``dst_users``) the networks of
    ``src_state`` (a TD3Agent.state_dict for ``src_users``); targets start
    equal to the transferred networks, optimisers fresh. Returns, per network
    and parameter, what was done (copied | remapped | initialised)."""
    gen = torch.Generator().manual_seed(seed)
    o_src, o_dst = obs_layout(src_users), obs_layout(dst_users)
    a_src, a_dst = action_layout(src_users), action_layout(dst_users)

    actor_dst = dst_agent.actor.state_dict()
    weights = _linear_names(actor_dst)
    first, last = weights[0], weights[-1]
    actor_axes = {first: [(1, o_src, o_dst)], last: [(0, a_src, a_dst)],
                  last.replace(".weight", ".bias"): [(0, a_src, a_dst)]}
    actor, how_actor = transfer_state(src_state["actor"], actor_dst, actor_axes, gen)

    critic_dst = dst_agent.critic.state_dict()
    # critic input is [obs, action]; EnsembleLinear weights are (n, in, out)
    critic_axes = {_linear_names(critic_dst)[0]: [(1, [*o_src, *a_src], [*o_dst, *a_dst])]}
    critic, how_critic = transfer_state(src_state["critic"], critic_dst, critic_axes, gen)

    dst_agent.load_state_dict({"actor": actor, "actor_target": actor,
                               "critic": critic, "critic_target": critic}, weights_only=True)
    return {"actor": how_actor, "critic": how_critic}
