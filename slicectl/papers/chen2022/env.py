"""chen2022's two tiers as batch environments for the runner, and their
Gymnasium views (``slicectl/BiddingUpper-v0``, ``slicectl/BiddingLower-v0``).

A row of a batch is one market (one BS, M MVNOs and their users); every row
carries all M MVNOs, so observations are (B, M, d), actions (B, M) and
rewards (B, M): one agent per MVNO reads its own column
(``slicectl.agents.independent.IndependentAgents``).

Upper tier (``UpperTierBatchEnv``, Algorithm 1)
    Observation, per MVNO: its share c_m/C of the band, its rate over its
    minimum demand v_m/D_min,m ("the ratio of the allocated bandwidth to its
    required minimum rate", Algorithm 1 line 10) and its bid level
    (0..K−1)/(K−1), all of the last window: ``Box(0, inf, (M, 3))``.
    Action, per MVNO: a level of its bid pool, ``MultiDiscrete([K] * M)``.
    The InP splits the band by eq. (2); each MVNO then allocates with Table A
    (lines 4–6, 12), computed at every reset for that episode's users.
    ``upper_action=joint`` is Algorithm 1 as written: one agent, whose action
    "contains the bids of each MVNO" — one of the K^M joint bid vectors,
    ``Discrete(K**M)`` (MVNO 0 the most significant digit) — whose state is
    the MVNOs' rates over their minimum demands, ``Box(0, inf, (M,))``, and
    whose reward is the system's total, the sum over MVNOs (shape (B,)).
Lower tier (``LowerTierBatchEnv``, Algorithm 2)
    Observation, per MVNO: the share c_m/C it holds for the coming window,
    and per service the packets sent in the last window over their mean and
    the SSR it reached: ``Box(0, inf, (M, 7))``. Action, per MVNO: a split of
    its blocks into the three services, ``Discrete(36)`` each. What each MVNO
    holds comes from a bidding policy outside the agents' control:
    ``bidding=random`` (uniform pool levels each window, so the agents see
    every share the upper tier can give) or ``truthful`` (every MVNO bids
    its minimum demand).
Reward
    ``reward=utility`` (default): lower tier f_m (eq. 15); upper tier
    f_m + ω·y_m, MVNO m's own term of F (eq. 6). ``reward=paper``: the
    piecewise rewards of section 4.1 (``paper_reward``), their SE and profit
    thresholds the paper's scaled by this market's reference figures over
    the paper's (``calibrated``).
Episode end
    Never terminates; truncated after ``episode_steps`` windows. A new
    episode places the users afresh from its seed.

The model and how each equation is read: ``slicectl.papers.chen2022.market``.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
from gymnasium import spaces

from slicectl.papers.chen2022.market import Market, MarketParams, Service
from slicectl.papers.chen2022.reward import lower_reward, upper_reward
from slicectl.sim.gym_view import SingleCellEnv
from slicectl.sim.radio import Distribution


def make_market_params(services: list[dict], mix: list[list[int]], **kw: Any) -> MarketParams:
    """MarketParams from plain config values (conf/env/bidding.yaml)."""
    specs = tuple(Service(name=s["name"], size_bits=Distribution.from_config(s["size_bits"]),
                          gap_ms=Distribution.from_config(s["gap_ms"]),
                          rate_sla_bps=float(s["rate_sla_bps"])) for s in services)
    if "phi" in kw:
        kw["phi"] = tuple(float(x) for x in kw["phi"])
    return MarketParams(services=specs, mix=tuple(tuple(int(n) for n in row) for row in mix), **kw)


class _MarketBatch:
    """What both tiers share: B markets, their seeds' RNGs, Table A, and the
    per-MVNO metrics of one window."""

    tier = ""

    def __init__(self, num_envs: int, episode_steps: int, reward: str,
                 table_draws: int, paper_reward: dict | None, **params: Any):
        if reward not in ("utility", "paper"):
            raise ValueError(f"reward must be 'utility' or 'paper', not {reward!r}")
        self.p = make_market_params(**params)
        self.num_envs, self.episode_steps = num_envs, episode_steps
        self.reward_kind = reward
        self.paper_reward = calibrated(paper_reward, params, table_draws) if reward == "paper" else {}
        self.table_draws = table_draws
        self.markets = [Market(self.p) for _ in range(num_envs)]
        self.rngs = [np.random.default_rng(0) for _ in range(num_envs)]
        self.wins = [self.markets[0].window(self.rngs[b]) for b in range(num_envs)]
        M, S = self.p.n_mvnos, self.p.n_services
        self.tables = np.zeros((num_envs, M, self.p.n_rbs + 1), np.int64)
        self.service_names = [s.name for s in self.p.services]
        per_mvno = ["utility", "se", *(f"ssr_{n}" for n in self.service_names)]
        if self.tier == "upper":
            per_mvno = ["profit", *per_mvno, "bid", "rbs"]
        self.per_mvno = per_mvno
        self.metric_names = (*(["F", "profit"] if self.tier == "upper" else []), "utility", "se",
                             *(f"{k}_m{m}" for m in range(M) for k in per_mvno))
        self.episode_t = 0

    # ------------------------------------------------------------ helpers
    def _reset_rows(self, seeds) -> None:
        seeds = np.asarray(seeds, dtype=np.int64).reshape(self.num_envs)
        for b, seed in enumerate(seeds):
            self.rngs[b] = np.random.default_rng(int(seed))
            self.markets[b].reset(self.rngs[b])
            self.tables[b] = self.markets[b].table_a(self.rngs[b], self.table_draws)
            self.wins[b] = self.markets[b].window(self.rngs[b])
        self.episode_t = 0

    def peek(self, b: int) -> dict[str, np.ndarray]:
        """Row ``b``'s coming window (fading and packets): drawn ahead, so an
        oracle can score every allocation under the window it will meet."""
        return self.wins[b]

    def _window(self, b: int, rbs: np.ndarray, lower_actions: np.ndarray) -> dict[str, np.ndarray]:
        """Row ``b``'s window under blocks (M,) and lower actions (M,): every
        MVNO's eq. (9)–(15) metrics, stacked (M, ...), plus the packets sent."""
        mk = self.markets[b]
        win = self.wins[b]
        self.wins[b] = mk.window(self.rngs[b])
        split = mk.service_rbs(rbs, lower_actions)
        outs = [mk.lower(m, split[m], win) for m in range(self.p.n_mvnos)]
        res = {k: np.stack([o[k] for o in outs]) for k in outs[0]}
        res["sent"] = res["sent"] / mk.mean_packets / np.maximum(mk.counts, 1)  # over the mean
        res["split"] = split
        return res

    def _info(self, per: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per-MVNO columns (B,) and their aggregates from arrays (B, M[, S])."""
        info = {"utility": per["utility"].mean(axis=1), "se": per["se"].mean(axis=1)}
        for m in range(self.p.n_mvnos):
            for k in self.per_mvno:
                if k.startswith("ssr_"):
                    info[f"{k}_m{m}"] = per["ssr"][:, m, self.service_names.index(k[4:])]
                else:
                    info[f"{k}_m{m}"] = per[k][:, m]
        return info

    def _truncated(self) -> np.ndarray:
        self.episode_t += 1
        return np.full(self.num_envs, self.episode_t >= self.episode_steps)

    def state_dict(self) -> dict:
        return {"rngs": [json.dumps(r.bit_generator.state) for r in self.rngs], "tables": self.tables.copy(),
                "snr0": np.stack([mk.snr0 for mk in self.markets]), "episode_t": self.episode_t,
                "wins": {k: np.stack([w[k] for w in self.wins]) for k in self.wins[0]},
                **self._extra_state()}

    def load_state_dict(self, state: dict) -> None:
        for r, s in zip(self.rngs, state["rngs"], strict=True):
            r.bit_generator.state = json.loads(s)
        self.tables[...] = state["tables"]
        for mk, snr in zip(self.markets, state["snr0"], strict=True):
            mk.snr0 = np.asarray(snr).copy()
        self.episode_t = int(state["episode_t"])
        self.wins = [{k: np.asarray(v[b]).copy() for k, v in state["wins"].items()}
                     for b in range(self.num_envs)]
        self._load_extra(state)

    def _extra_state(self) -> dict:
        return {}

    def _load_extra(self, state: dict) -> None:
        pass


class UpperTierBatchEnv(_MarketBatch):
    tier = "upper"

    def __init__(self, upper_action: str, **kw: Any):
        if upper_action not in ("independent", "joint"):
            raise ValueError(f"upper_action must be 'independent' or 'joint', not {upper_action!r}")
        super().__init__(**kw)
        M, K = self.p.n_mvnos, self.p.bid_levels
        self.joint = upper_action == "joint"
        if self.joint:
            self.action_space = spaces.Discrete(K ** M)
            self.observation_space = spaces.Box(0.0, np.inf, (M,), np.float32)
        else:
            self.action_space = spaces.MultiDiscrete([K] * M)
            self.observation_space = spaces.Box(0.0, np.inf, (M, 3), np.float32)
        self.last_obs = np.zeros((self.num_envs, M, 3), np.float32)

    def reset(self, seeds) -> np.ndarray:
        self._reset_rows(seeds)
        # Algorithm 1 line 7: a random first bid vector makes the first state
        levels = np.stack([r.integers(0, self.p.bid_levels, self.p.n_mvnos) for r in self.rngs])
        self._step_levels(levels)
        self.episode_t = 0
        return self._obs()

    def levels(self, actions) -> np.ndarray:
        """Bid levels (B, M) of the agents' actions: (B, M) as they are, or
        joint indices (B,) read as M base-K digits."""
        M, K = self.p.n_mvnos, self.p.bid_levels
        actions = np.asarray(actions, dtype=np.int64)
        if self.joint:
            return np.stack(np.unravel_index(actions.reshape(self.num_envs), (K,) * M), axis=1)
        return actions.reshape(self.num_envs, M)

    def step(self, actions):
        return self._step_levels(self.levels(actions))

    def _step_levels(self, levels: np.ndarray):
        outs = [self.outcome(b, levels[b]) for b in range(self.num_envs)]
        return self.step_allocation(np.stack([o["rbs"] for o in outs]),
                                    np.stack([o["lower"] for o in outs]), levels)

    def _obs(self) -> np.ndarray:
        return (self.last_obs[:, :, 1] if self.joint else self.last_obs).copy()

    def step_allocation(self, rbs: np.ndarray, lower: np.ndarray, levels: np.ndarray):
        """``step`` for an allocation decided by anyone (agents, baselines,
        the oracle): blocks (B, M), lower-tier actions (B, M), and the bid
        levels behind them (B, M; zeros when there were none, as in hard
        slicing)."""
        per = self.play(rbs, lower, levels)
        if self.reward_kind == "paper":
            reward = upper_reward(per, self.paper_reward, self.service_names)
        else:
            reward = per["utility"] + self.p.omega * per["profit"]
        info = self._info(per)
        info["profit"] = per["profit"].mean(axis=1)
        info["F"] = per["utility"].sum(axis=1) + self.p.omega * per["profit"].sum(axis=1)
        return self._obs(), reward.sum(axis=1) if self.joint else reward, self._truncated(), info

    def outcome(self, b: int, levels: np.ndarray) -> dict[str, np.ndarray]:
        """Row ``b``'s blocks and Table A actions for bid levels (M,)."""
        mk = self.markets[b]
        rbs = mk.allocate(mk.bids(levels))
        return {"rbs": rbs, "lower": self.tables[b, np.arange(self.p.n_mvnos), rbs]}

    def play(self, rbs: np.ndarray, lower: np.ndarray, levels: np.ndarray) -> dict[str, np.ndarray]:
        """One window of every row under an allocation: per-MVNO arrays (B, M[, S])."""
        rows = []
        for b, mk in enumerate(self.markets):
            res = self._window(b, rbs[b], lower[b])
            res["profit"] = mk.profit(res["rate_mbps"], rbs[b])
            res["bid"] = mk.bids(levels[b])
            res["rbs"] = rbs[b].astype(np.float64)
            rows.append(res)
            self.last_obs[b] = np.stack([rbs[b] / self.p.n_rbs, res["rate_mbps"] / mk.d_min,
                                         levels[b] / max(self.p.bid_levels - 1, 1)], axis=1)
        return {k: np.stack([r[k] for r in rows]) for k in rows[0]}

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.joint:
            return rng.integers(0, self.action_space.n, len(obs))
        return rng.integers(0, self.p.bid_levels, (len(obs), self.p.n_mvnos))

    def _extra_state(self) -> dict:
        return {"last_obs": self.last_obs.copy()}

    def _load_extra(self, state: dict) -> None:
        self.last_obs[...] = state["last_obs"]


class LowerTierBatchEnv(_MarketBatch):
    tier = "lower"

    def __init__(self, bidding: str, upper_action: str, **kw: Any):
        # upper_action: how the upper tier acts (conf/env/bidding.yaml holds
        # both tiers' keys); the lower tier has no use for it
        if bidding not in ("random", "truthful"):
            raise ValueError(f"bidding must be 'random' or 'truthful', not {bidding!r}")
        super().__init__(**kw)
        self.bidding = bidding
        M, S = self.p.n_mvnos, self.p.n_services
        self.n_actions = len(self.markets[0].lower_table)
        self.action_space = spaces.MultiDiscrete([self.n_actions] * M)
        self.observation_space = spaces.Box(0.0, np.inf, (M, 1 + 2 * S), np.float32)
        self.rbs = np.zeros((self.num_envs, M), np.int64)
        self.last_obs = np.zeros((self.num_envs, M, 1 + 2 * S), np.float32)

    def reset(self, seeds) -> np.ndarray:
        self._reset_rows(seeds)
        self._next_holdings()
        # first observation: one window under Table A, so it means what every later one does
        actions = self.tables[np.arange(self.num_envs)[:, None], np.arange(self.p.n_mvnos), self.rbs]
        self._play(actions)
        self.episode_t = 0
        return self.last_obs.copy()

    def step(self, actions):
        per = self._play(np.asarray(actions, dtype=np.int64).reshape(self.num_envs, self.p.n_mvnos))
        if self.reward_kind == "paper":
            reward = lower_reward(per, self.paper_reward, self.service_names)
        else:
            reward = per["utility"]
        return self.last_obs.copy(), reward, self._truncated(), self._info(per)

    def _play(self, actions: np.ndarray) -> dict[str, np.ndarray]:
        rows = [self._window(b, self.rbs[b], actions[b]) for b in range(self.num_envs)]
        per = {k: np.stack([r[k] for r in rows]) for k in rows[0]}
        self._next_holdings()
        self.last_obs[...] = np.concatenate(
            [(self.rbs / self.p.n_rbs)[..., None], per["sent"], per["ssr"]], axis=-1)
        return per

    def _next_holdings(self) -> None:
        """The blocks each MVNO holds in the coming window."""
        for b, mk in enumerate(self.markets):
            if self.bidding == "random":
                levels = self.rngs[b].integers(0, self.p.bid_levels, self.p.n_mvnos)
            else:
                levels = np.zeros(self.p.n_mvnos, np.int64)
            self.rbs[b] = mk.allocate(mk.bids(levels))

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, self.n_actions, (len(obs), self.p.n_mvnos))

    def _extra_state(self) -> dict:
        return {"rbs": self.rbs.copy(), "last_obs": self.last_obs.copy()}

    def _load_extra(self, state: dict) -> None:
        self.rbs[...] = state["rbs"]
        self.last_obs[...] = state["last_obs"]


_REFERENCES: dict[str, dict[str, float]] = {}
THRESHOLDS = {"upper_se_min": "se", "upper_se_ref": "se", "upper_profit_min": "profit",
              "upper_profit_low": "profit", "lower_se_min": "se"}


def reference_figures(params: dict, table_draws: int, markets: int = 20, windows: int = 50,
                      seed_base: int = 1000) -> dict[str, float]:
    """The mean per-MVNO SE and profit of a sensible untrained policy on this
    market: every MVNO bids its minimum demand (pool level 0) and allocates
    by Table A, over ``markets`` fixed markets of ``windows`` windows each.
    Cached per market (the envs of one run share it)."""
    key = json.dumps([params, table_draws, markets, windows, seed_base], sort_keys=True, default=str)
    if key not in _REFERENCES:
        env = UpperTierBatchEnv(num_envs=1, episode_steps=windows, reward="utility", upper_action="independent",
                                table_draws=table_draws, paper_reward=None, **params)
        M, se, profit = env.p.n_mvnos, [], []
        for market in range(markets):
            env.reset([seed_base + market])
            for _ in range(windows):
                _, _, _, info = env.step(np.zeros((1, M), np.int64))
                se += [info[f"se_m{m}"][0] for m in range(M)]
                profit += [info[f"profit_m{m}"][0] for m in range(M)]
        _REFERENCES[key] = {"se": float(np.mean(se)), "profit": float(np.mean(profit))}
    return _REFERENCES[key]


def calibrated(paper_reward: dict, params: dict, table_draws: int) -> dict:
    """Section 4.1's thresholds for this market: each of the paper's SE and
    profit thresholds times (this market's reference figure / the paper's
    settled one, ``paper_se`` and ``paper_profit``); the QoE thresholds as
    they are (SSRs are on the same scale everywhere)."""
    ref = reference_figures(params, table_draws)
    scale = {"se": ref["se"] / paper_reward["paper_se"], "profit": ref["profit"] / paper_reward["paper_profit"]}
    return {**paper_reward, **{k: float(paper_reward[k]) * scale[kind] for k, kind in THRESHOLDS.items()}}


def default_kwargs(tier: str = "upper") -> dict:
    """conf/env/bidding.yaml as a tier's constructor arguments (the upper tier
    takes no ``bidding``: it makes the bids)."""
    from slicectl.config.defaults import env_defaults

    kw = env_defaults("bidding")
    if tier == "upper":
        kw.pop("bidding")
    return kw


class BiddingUpperEnv(SingleCellEnv):
    """Gymnasium view of one market's upper tier: all M MVNOs bid at once
    (``upper_action="joint"``: as one action of ``Discrete(K**M)``). Gymnasium wants one
    scalar reward: it is the sum of the MVNOs' rewards (F of eq. 6 under
    ``reward=utility``); ``info["rewards"]`` has each (their sum if joint)."""

    def __init__(self, **overrides: Any):
        super().__init__(UpperTierBatchEnv(**{**default_kwargs(), **overrides, "num_envs": 1}))

    def step(self, action):
        obs, reward, truncated, info = self.batch.step(np.asarray(action)[None])
        info = {k: v[0] for k, v in info.items()}
        info["rewards"] = reward[0]
        return obs[0], float(np.sum(reward[0])), False, bool(truncated[0]), info


class BiddingLowerEnv(SingleCellEnv):
    """Gymnasium view of one MVNO's lower tier (``mvno``); the others
    allocate by Table A, which does not change this MVNO's outcome."""

    def __init__(self, mvno: int = 0, **overrides: Any):
        batch = LowerTierBatchEnv(**{**default_kwargs("lower"), **overrides, "num_envs": 1})
        super().__init__(batch)
        self.mvno = mvno
        self.action_space = spaces.Discrete(batch.n_actions)
        self.observation_space = spaces.Box(0.0, np.inf, batch.observation_space.shape[1:], np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        obs, info = super().reset(seed=seed, options=options)
        return obs[self.mvno], info

    def step(self, action):
        b = self.batch
        actions = b.tables[0, np.arange(b.p.n_mvnos), b.rbs[0]].copy()
        actions[self.mvno] = int(action)
        obs, reward, truncated, info = b.step(actions[None])
        keep = {k: v[0] for k, v in info.items() if k.endswith(f"_m{self.mvno}")}
        return obs[0, self.mvno], float(reward[0, self.mvno]), False, bool(truncated[0]), keep
