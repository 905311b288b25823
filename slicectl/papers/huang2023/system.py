"""huang2023's whole system: N slices sharing R resource units, and the
slice-level MDP (P2, eq. 4) on top of the user-level ones (P4, eq. 6).

``HuangSystem`` holds one user-level env (``HuangUserBatchEnv``) per slice
and steps them together: each slice turns its action into allocations x_i,
the proportional reallocation of eq. (7) scales every x down when their
total exceeds R (``realloc=True``), then each slice is scored and its
traffic moves on. Slices may differ in any model key (users, α, demand...).

``HuangSliceLevelBatchEnv`` (``slicectl/HuangSlice-v0`` for one cell):

Observation
    Per slice, over the last period of ``tau`` user steps: mean traffic
    (as a fraction of the slice's highest mean demand) and mean per-user
    utility: ``Box(-inf, inf, (2N,))``.
Action
    ``action_mode=absolute`` (the paper's): budgets z_i ∈ [0, R] (C4);
    ``Box(0, R, (N,))``. Their sum may exceed R (C5): the users' allocations
    are then reallocated by eq. (7) and the excess is penalised.
    ``action_mode=shares``: weights in [0, 1]^N, z = R · a / Σa.
Reward
    Σ over the period's ``tau`` user steps of Σ_i (slice i's eq.-6 reward)
    − ``realloc_penalty`` · (Σ_{i,k} x_{i,k} − R)⁺ (in resource units).
    The "simplified setting" of stage III is ``realloc=False`` (allocations
    over R are served as they are) with a heavier ``realloc_penalty``.
Episode end
    Never terminates; truncated after ``episode_steps`` user steps, i.e.
    ``episode_steps / tau`` slice decisions.

The user level is driven by ``user_policies`` (one callable obs -> action
per slice: the frozen, greedy user-level agents); without them every slice
splits its budget equally. ``sampler`` draws budgets uniformly from
{z ≥ 0, Σz ≤ R}: the random half of the slice level's hybrid exploration.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from slicectl.sim.gym_view import SingleCellEnv

from slicectl.papers.huang2023.user_env import HuangUserBatchEnv
from slicectl.config.defaults import env_defaults

UserPolicy = Callable[[np.ndarray], np.ndarray]


def slice_seeds(seeds, i: int) -> list[int]:
    """Seeds of slice i's users: independent of the other slices'."""
    return [int(np.random.SeedSequence([int(s), i, 0x511CE]).generate_state(1)[0]) for s in seeds]


def _slice_params(shared: dict, own: dict, i: int) -> dict:
    """Slice i's keys: its own over the shared ones; unless it names its own
    ``population_seed``, slice i's users come from the shared seed + i."""
    params = {**shared, **own, "z_range": None}  # the slice level sets the budgets
    if "population_seed" not in own and params.get("population_seed") is not None:
        params["population_seed"] = int(params["population_seed"]) + i
    return params


class HuangSystem:
    """``num_envs`` cells, each N slices over R units; eq. (7) across slices."""

    def __init__(self, num_envs: int, slices: Sequence[dict], shared: dict, realloc: bool = True):
        if not slices:
            raise ValueError("the system needs at least one slice")
        self.num_envs, self.realloc = num_envs, realloc
        self.slices = [HuangUserBatchEnv(num_envs=num_envs, **_slice_params(shared, s, i))
                       for i, s in enumerate(slices)]
        self.resource = self.slices[0].p.resource
        if any(env.p.resource != self.resource for env in self.slices):
            raise ValueError("every slice must see the same total resource R")
        for env in self.slices:
            env.z_external = True

    @property
    def n_slices(self) -> int:
        return len(self.slices)

    def reset(self, seeds) -> list[np.ndarray]:
        # congestion hits a whole cell: one draw per cell, from the cell's seed
        congested = self.slices[0].congestion(np.asarray(seeds).reshape(self.num_envs))
        return [env.reset(slice_seeds(seeds, i), congested) for i, env in enumerate(self.slices)]

    def set_budgets(self, z: np.ndarray) -> None:
        for i, env in enumerate(self.slices):
            env.set_budget(z[:, i])

    def budgets(self) -> np.ndarray:
        return np.stack([env.z for env in self.slices], axis=1)

    def user_step(self, actions: Sequence[np.ndarray]):
        """One user step with each slice's action; returns per-slice
        observations, rewards (B, N), infos, and the excess over R (B,)
        before reallocation."""
        xs = [env.allocations(a) for env, a in zip(self.slices, actions)]
        return self.step_allocations(xs)

    def step_allocations(self, xs: Sequence[np.ndarray]):
        total = sum(x.sum(axis=1) for x in xs)
        excess = np.maximum(total - self.resource, 0.0)
        if self.realloc:  # eq. (7)
            scale = np.where(total > self.resource, self.resource / np.maximum(total, 1e-300), 1.0)
            xs = [x * scale[:, None] for x in xs]
        outs = [env.apply(x) for env, x in zip(self.slices, xs)]
        obs = [o[0] for o in outs]
        rewards = np.stack([o[1] for o in outs], axis=1)
        infos = [o[3] for o in outs]
        return obs, rewards, infos, excess

    def state_dict(self) -> dict:
        return {f"slice{i}": env.state_dict() for i, env in enumerate(self.slices)}

    def load_state_dict(self, s: dict) -> None:
        for i, env in enumerate(self.slices):
            env.load_state_dict(s[f"slice{i}"])


def equal_user_policy(env: HuangUserBatchEnv) -> UserPolicy:
    """Each user gets z / K: the default when no user-level agent is given."""
    K = env.p.n_users

    def act(obs: np.ndarray) -> np.ndarray:
        if env.action_mode == "shares":
            return np.ones((len(obs), K))
        return np.repeat(env.z[:, None] / K, K, axis=1)

    return act


class HuangSliceLevelBatchEnv:
    metric_names = ("utility", "qos_penalty", "qos_violation", "excess")
    objective = "reward"

    def __init__(self, num_envs: int, episode_steps: int, tau: int,
                 action_mode: str, realloc: bool, realloc_penalty: float,
                 slices: Sequence[dict], user: dict):
        if action_mode not in ("absolute", "shares"):
            raise ValueError(f"action_mode must be 'absolute' or 'shares', not {action_mode!r}")
        if episode_steps % tau:
            raise ValueError(f"episode_steps ({episode_steps}) must be a multiple of tau ({tau})")
        shared = {"episode_steps": episode_steps, "tau": tau, **user}
        self.system = HuangSystem(num_envs, slices, shared, realloc)
        self.num_envs, self.episode_steps, self.tau = num_envs, episode_steps, tau
        self.action_mode, self.realloc_penalty = action_mode, realloc_penalty
        N, R = self.system.n_slices, self.system.resource
        high = R if action_mode == "absolute" else 1.0
        self.action_space = spaces.Box(0.0, high, (N,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (2 * N,), np.float32)
        self.user_policies: list[UserPolicy] = [equal_user_policy(e) for e in self.system.slices]
        self.joint_user_policy: Callable[[HuangSystem], list[np.ndarray]] | None = None
        self.user_obs: list[np.ndarray] = []
        self.t = 0
        self._obs = np.zeros((num_envs, 2 * N), np.float32)
        self._clear_period()

    def set_user_policies(self, policies: Sequence[UserPolicy | None]) -> None:
        """Frozen user-level policies, one per slice (None: equal split); they
        replace a joint user policy an oracle installed."""
        if len(policies) != self.system.n_slices:
            raise ValueError(f"{len(policies)} user policies for {self.system.n_slices} slices")
        self.user_policies = [p or equal_user_policy(e) for p, e in zip(policies, self.system.slices)]
        self.joint_user_policy = None

    def budgets(self, actions) -> np.ndarray:
        a = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        R = self.system.resource
        if self.action_mode == "absolute":
            return np.clip(a, 0.0, R)
        a = np.clip(a, 0.0, 1.0) + 1e-9
        return R * a / a.sum(axis=1, keepdims=True)

    def reset(self, seeds) -> np.ndarray:
        N, R = self.system.n_slices, self.system.resource
        self.system.set_budgets(np.full((self.num_envs, N), R / N))
        self.user_obs = self.system.reset(seeds)
        self.t = 0
        self._obs = np.concatenate([self._traffic(), self._utility()], axis=1).astype(np.float32)
        return self._obs

    def step(self, actions):
        self.begin_period(actions)
        for _ in range(self.tau):
            self.user_step()
        return self.end_period()

    # A period, in pieces: stage IV trains one slice's user agent inside it.
    def begin_period(self, actions) -> None:
        self.system.set_budgets(self.budgets(actions))
        self._clear_period()

    def _clear_period(self) -> None:
        """The sums a period accumulates (reward, metrics, mean state)."""
        B, N = self.num_envs, self.system.n_slices
        self._reward = np.zeros(B)
        self._sums = {k: np.zeros(B) for k in self.metric_names}
        self._theta, self._util = np.zeros((B, N)), np.zeros((B, N))

    def user_step(self, override: dict[int, np.ndarray] | None = None):
        """One user step; slice i acts by its user policy unless ``override``
        gives its action. Returns per-slice observations, rewards (B, N), infos."""
        system = self.system
        self._theta += self._traffic()
        if self.joint_user_policy is not None:
            xs = self.joint_user_policy(system)
            system.set_budgets(np.stack([x.sum(axis=1) for x in xs], axis=1))
            self.user_obs, r, infos, excess = system.step_allocations(xs)
        else:
            override = override or {}
            acts = [override[i] if i in override else pi(o)
                    for i, (pi, o) in enumerate(zip(self.user_policies, self.user_obs))]
            self.user_obs, r, infos, excess = system.user_step(acts)
        self._reward += r.sum(axis=1) - self.realloc_penalty * excess
        for k in ("utility", "qos_penalty", "qos_violation"):
            self._sums[k] += sum(info[k] for info in infos)
        self._sums["excess"] += excess
        self._util += self._utility()
        return self.user_obs, r, infos

    def end_period(self):
        self.t += self.tau
        self._obs = (np.concatenate([self._theta, self._util], axis=1) / self.tau).astype(np.float32)
        truncated = np.full(self.num_envs, self.t >= self.episode_steps)
        return self._obs, self._reward, truncated, self._sums

    def _traffic(self) -> np.ndarray:
        return np.stack([e.core.traffic().mean(axis=1) / e.p.demand_mbps[1]
                         for e in self.system.slices], axis=1)

    def _utility(self) -> np.ndarray:
        return np.stack([e.last_u.mean(axis=1) for e in self.system.slices], axis=1)

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random feasible budgets: uniform over {z ≥ 0, Σz ≤ R} (absolute)
        or uniform shares."""
        N = self.system.n_slices
        if self.action_mode == "shares":
            return rng.dirichlet(np.ones(N), len(obs))
        return self.system.resource * rng.dirichlet(np.ones(N + 1), len(obs))[:, :N]

    def state_dict(self) -> dict:
        return {"system": self.system.state_dict(), "t": self.t, "obs": self._obs,
                "user_obs": list(self.user_obs), "period": {
                    "reward": self._reward, "sums": self._sums, "theta": self._theta,
                    "util": self._util}}

    def load_state_dict(self, s: dict) -> None:
        self.system.load_state_dict(s["system"])
        self.t, self._obs = int(s["t"]), np.asarray(s["obs"])
        self.user_obs = [np.asarray(o) for o in s["user_obs"]]
        p = s["period"]
        self._reward, self._theta, self._util = (np.array(p[k]) for k in ("reward", "theta", "util"))
        self._sums = {k: np.array(v) for k, v in p["sums"].items()}


class HuangUserInSystemBatchEnv:
    """Slice ``learner``'s user level inside the running system (stage IV):
    the slice-level policy sets budgets every ``tau`` steps and the other
    slices act by their frozen user policies. Observation, action and reward
    are those of ``HuangUserBatchEnv``; the other keys build the system."""

    def __init__(self, num_envs: int = 1, learner: int = 0, **system: Any):
        self.outer = HuangSliceLevelBatchEnv(num_envs=num_envs, **system)
        if not 0 <= learner < self.outer.system.n_slices:
            raise ValueError(f"learner {learner} is not a slice index (0..{self.outer.system.n_slices - 1})")
        self.learner, self.num_envs = learner, num_envs
        self.inner = self.outer.system.slices[learner]
        self.action_space, self.observation_space = self.inner.action_space, self.inner.observation_space
        self.metric_names = self.inner.metric_names
        self.objective = "reward"
        self.slice_policy: UserPolicy | None = None  # None: equal budgets R / N
        self.k = 0

    def reset(self, seeds) -> np.ndarray:
        self.outer.reset(seeds)
        self.k = 0
        return self.outer.user_obs[self.learner]

    def step(self, action):
        outer = self.outer
        if self.k % outer.tau == 0:
            z = (self.slice_policy(outer._obs) if self.slice_policy is not None else
                 np.full((self.num_envs, outer.system.n_slices), outer.system.resource / outer.system.n_slices))
            outer.begin_period(z)
        obs, r, infos = outer.user_step({self.learner: action})
        self.k += 1
        if self.k % outer.tau == 0:
            outer.end_period()
        truncated = np.full(self.num_envs, self.k >= outer.episode_steps)
        return obs[self.learner], r[:, self.learner], truncated, infos[self.learner]

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.inner.sampler(obs, rng)

    def state_dict(self) -> dict:
        return {"outer": self.outer.state_dict(), "k": self.k}

    def load_state_dict(self, s: dict) -> None:
        self.outer.load_state_dict(s["outer"])
        self.k = int(s["k"])


class HuangSliceLevelEnv(SingleCellEnv):
    """Gymnasium view of one cell's slice level (see the module docstring)."""

    def __init__(self, **kwargs: Any):
        super().__init__(HuangSliceLevelBatchEnv(**{**env_defaults("huang_slice"), **kwargs, "num_envs": 1}))
