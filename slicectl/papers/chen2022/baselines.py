"""chen2022's reference allocations for the two-tier market.

Upper tier: each ``decide(env)`` returns what every row plays in its coming
window: blocks (B, M), lower-tier actions (B, M) and the bid levels behind
them (B, M; zeros where nobody bid).

- ``truthful``: every MVNO bids its minimum demand (pool level 0); Table A.
- ``hard``: hard slicing, the paper's comparison: C/M blocks per MVNO
  whatever it needs (largest remainder); Table A.
- ``oracle``: the joint bid vector and lower-tier actions that maximise F for
  the coming window, by enumeration of all K^M bid vectors, each MVNO's best
  lower action for every holding scored under that window.

Lower tier (``act(obs)`` over a ``LowerTierBatchEnv``):

- ``TableALower``: Table A's action for the blocks each MVNO holds.
- ``LowerOracle``: each MVNO's best action for the coming window.
"""
from __future__ import annotations

import itertools

import numpy as np

from slicectl.papers.chen2022.market import largest_remainder


def agents_decide(upper_agents):
    """Upper-tier agents' bids, then Table A (Algorithm 1, line 12)."""
    def decide(env, obs):
        return _table_a(env, env.levels(upper_agents.act(obs, explore=False)))
    return decide


def truthful(env, obs):
    return _table_a(env, np.zeros((env.num_envs, env.p.n_mvnos), np.int64))


def hard(env, obs):
    M, B = env.p.n_mvnos, env.num_envs
    rbs = np.tile(largest_remainder(np.ones(M), env.p.n_rbs), (B, 1))
    lower = np.stack([env.tables[b, np.arange(M), rbs[b]] for b in range(B)])
    return rbs, lower, np.zeros((B, M), np.int64)


def oracle(env, obs):
    p, M = env.p, env.p.n_mvnos
    joint = np.array(list(itertools.product(range(p.bid_levels), repeat=M)))   # (K^M, M)
    options = np.arange(p.n_rbs + 1)
    out = [], [], []
    for b, mk in enumerate(env.markets):
        win = env.peek(b)
        value = np.zeros((M, p.n_rbs + 1))
        best = np.zeros((M, p.n_rbs + 1), np.int64)
        for m in range(M):
            res = mk.lower_all(m, options, win)                                 # (C+1, A)
            score = res["utility"] + p.omega * mk.profit(res["rate_mbps"], options[:, None])
            best[m] = score.argmax(axis=1)
            value[m] = score.max(axis=1)
        rbs = mk.allocate(mk.bids(joint))                                       # (K^M, M)
        k = int(value[np.arange(M), rbs].sum(axis=1).argmax())
        out[0].append(rbs[k])
        out[1].append(best[np.arange(M), rbs[k]])
        out[2].append(joint[k])
    return tuple(np.stack(x) for x in out)


UPPER = {"truthful": truthful, "hard": hard, "oracle": oracle}


def _table_a(env, levels):
    outs = [env.outcome(b, levels[b]) for b in range(env.num_envs)]
    return np.stack([o["rbs"] for o in outs]), np.stack([o["lower"] for o in outs]), levels


class TableALower:
    def __init__(self, env):
        self.env = env

    def act(self, obs, explore: bool = False) -> np.ndarray:
        e = self.env
        return np.stack([e.tables[b, np.arange(e.p.n_mvnos), e.rbs[b]] for b in range(e.num_envs)])


class LowerOracle:
    def __init__(self, env, seed: int = 0):
        self.env = env

    def act(self, obs, explore: bool = False) -> np.ndarray:
        e = self.env
        acts = np.zeros((e.num_envs, e.p.n_mvnos), np.int64)
        for b, mk in enumerate(e.markets):
            for m in range(e.p.n_mvnos):
                res = mk.lower_all(m, e.rbs[b, m:m + 1], e.peek(b))
                acts[b, m] = int(res["utility"][0].argmax())
        return acts
