"""The 3-slice RAN as environments: a batched one for the runner and a
Gymnasium ``Env`` (``slicectl/RanSlicing-v0``) over the same core.

Observation
    Per slice, divided by ``obs_scale`` (the expected arrivals of a mean
    population, so ~1.0), ``Box(0, inf, (S,))``: ``observe=arrivals``, the
    packets arrived in the last window (the reference simulator's state; it
    does not depend on the allocation); ``observe=demand``, those plus the
    packets the window's allocation left waiting at its end, the demand the
    next decision faces, which depends on the previous allocation
    (zhang_digital_twin §III, as Hua et al.).
Action
    ``action_mode=discrete``: an index into every split of the band into
    ``unit_hz`` units with at least one unit per slice (4851 at 20 MHz in
    200 kHz units, ``Discrete(4851)``). ``action_mode=continuous``: shares on the
    simplex, ``Box(0, 1, (S,))``, turned into units by largest remainder.
Reward
    zhang_digital_twin eq. (6): 0 below the threshold γ_t = min(γ_min + σ·t,
    γ_max), 1 up to γ_max, 1 + (U − γ_max)/2 above, where U = α·SE + Σ β·SSR
    (eq. 5) and t counts the environment's steps since construction.
Episode end
    Never terminates; truncated after ``episode_steps`` windows. A new episode
    redraws users (positions, slice membership) from its seed.

Model choices where the papers are silent (all in conf/env/ran.yaml):
users uniform by area in a 40 m disc (≥ 1 m); 3GPP TR 36.814 path loss;
transmit power spread evenly over the band; Rayleigh fading and 8 dB
log-normal shadowing redrawn per slot; Shannon rate with log2 over
``mimo_streams`` = 8 spatial layers (the reference simulator's radio;
``radio=realistic`` links each of 2 layers to TR 36.942's attenuated Shannon,
at most 4.4 bit/s/Hz, with a pico cell's power and a UE's noise figure:
conf/radio/); frequency-domain round robin over 180 kHz
RBs inside each slice; FIFO buffers of 5 packets (arrivals into a full buffer
fail); a packet succeeds if its mean PHY rate while served meets the rate SLA
and it leaves the buffer within the latency SLA, and is discarded (failed) as
soon as it no longer can; SSR counts packets resolved in the window (1 if none
was); SE is delivered bits / (W · window).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from slicectl.sim.gym_view import SingleCellEnv

from slicectl.sim.actions import shares_to_units, split_table
from slicectl.sim.ran_core import RanCore, RanParams, SliceSpec
from slicectl.sim.radio import Distribution


def make_params(slices: list[dict], **kwargs: Any) -> RanParams:
    """RanParams from plain config values (as written in conf/env/ran.yaml)."""
    specs = tuple(
        SliceSpec(name=s["name"], share=float(s["share"]),
                  size_bits=Distribution.from_config(s["size_bits"]),
                  gap_ms=Distribution.from_config(s["gap_ms"]),
                  rate_sla_bps=float(s["rate_sla_bps"]), latency_ms=float(s["latency_ms"]))
        for s in slices)
    kwargs["beta"] = tuple(float(b) for b in kwargs.get("beta", [1.0] * len(specs)))
    return RanParams(slices=specs, **kwargs)


class RanBatchEnv:
    """``num_envs`` cells stepped together; episodes of all rows start and end
    together. ``reset(seeds)`` -> obs (B, S); ``step(actions)`` -> obs, reward,
    truncated (B,), info (per-row metrics)."""

    metric_names = ("utility", "se", "ssr_volte", "ssr_video", "ssr_urllc")

    def __init__(self, num_envs: int, action_mode: str, episode_steps: int, observe: str,
                 obs_scale: list[float] | None, reward: dict | None,
                 **params: Any):
        if observe not in ("arrivals", "demand"):
            raise ValueError(f"observe must be 'arrivals' or 'demand', not {observe!r}")
        self.observe = observe
        self.params = make_params(**params)
        self.num_envs = num_envs
        self.action_mode = action_mode
        self.episode_steps = episode_steps
        self.core = RanCore(self.params, num_envs)
        S = self.params.n_slices
        self.slice_names = [s.name for s in self.params.slices]
        self.metric_names = ("utility", "se", *(f"ssr_{n}" for n in self.slice_names))
        self.table = split_table(self.params.n_units, S)
        scale = self.params.expected_arrivals() if obs_scale is None else obs_scale
        self.obs_scale = np.asarray(scale, dtype=np.float64)
        self.gamma_min = float(reward["gamma_min"])
        self.gamma_max = float(reward["gamma_max"])
        self.sigma = float(reward["sigma"])
        self.t = 0  # steps since construction: drives the rising reward threshold
        self.episode_t = 0
        self.last_arrived = np.zeros((num_envs, S))
        if action_mode == "discrete":
            self.action_space = spaces.Discrete(len(self.table))
        elif action_mode == "continuous":
            self.action_space = spaces.Box(0.0, 1.0, (S,), np.float32)
        else:
            raise ValueError(f"action_mode must be 'discrete' or 'continuous', not {action_mode!r}")
        self.observation_space = spaces.Box(0.0, np.inf, (S,), np.float32)

    # ------------------------------------------------------------------ API
    def restart_clock(self) -> None:
        """Start eq. (6)'s threshold over (evaluations do, so that they compare)."""
        self.t = 0

    def reset(self, seeds) -> np.ndarray:
        self.core.reset(seeds)
        self.episode_t = 0
        # first observation: one window under an equal split, so it has the
        # same meaning as every later one (packets arrived in the last window)
        return self._window(np.tile(self.table[self._equal_index()], (self.num_envs, 1)))[0]

    def to_units(self, actions) -> np.ndarray:
        """Bandwidth units per slice (n, S) for any number n of actions."""
        if self.action_mode == "discrete":
            return self.table[np.asarray(actions, dtype=np.int64).reshape(-1)]
        shares = np.asarray(actions, dtype=np.float64).reshape(-1, self.params.n_slices)
        return shares_to_units(shares, self.params.n_units)

    def step(self, actions):
        obs, out = self._window(self.to_units(actions))
        reward = self.shaped_reward(out["utility"])
        self.t += 1
        self.episode_t += 1
        truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
        return obs, reward, truncated, self._info(out)

    def _window(self, units: np.ndarray) -> tuple[np.ndarray, dict]:
        """One window under ``units``: its observation and the core's counts."""
        out = self.core.step(units)
        waiting = self.core.backlog() if self.observe == "demand" else 0.0   # what ``units`` left unserved
        return self._obs(out["arrived"] + waiting), out

    def sampler(self, obs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Uniformly random feasible actions: a split index, or simplex shares."""
        if self.action_mode == "discrete":
            return rng.integers(0, len(self.table), len(obs))
        return rng.dirichlet(np.ones(self.params.n_slices), len(obs))

    def shaped_reward(self, utility: np.ndarray, t: int | None = None) -> np.ndarray:
        """Eq. (6) of zhang_digital_twin with the threshold at step ``t``
        (default: this env's own step count)."""
        thr = min(self.gamma_min + self.sigma * (self.t if t is None else t), self.gamma_max)
        return np.where(utility < thr, 0.0,
                        np.where(utility < self.gamma_max, 1.0,
                                 1.0 + (utility - self.gamma_max) / 2.0))

    def action_features(self, actions) -> np.ndarray:
        """Each slice's share of the band (B, S) for a batch of actions: what an
        action means physically, the digital twin's action input."""
        return self.to_units(actions) / self.params.n_units

    # -------------------------------------------------------------- helpers
    def _equal_index(self) -> int:
        target = self.params.n_units / self.params.n_slices
        return int(np.argmin(np.abs(self.table - target).sum(axis=1)))

    def _obs(self, packets: np.ndarray) -> np.ndarray:
        self.last_arrived = packets   # what the proportional baseline reads: the observed load
        return (packets / self.obs_scale).astype(np.float32)

    def _info(self, out: dict) -> dict[str, np.ndarray]:
        info = {"utility": out["utility"], "se": out["se"], "bandwidth_hz": out["bandwidth_hz"]}
        for i, n in enumerate(self.slice_names):
            info[f"ssr_{n}"] = out["ssr"][:, i]
        return info

    def state_dict(self) -> dict:
        return {"core": self.core.state_dict(), "t": self.t, "episode_t": self.episode_t,
                "last_arrived": self.last_arrived.copy()}

    def load_state_dict(self, state: dict) -> None:
        self.core.load_state_dict(state["core"])
        self.t, self.episode_t = int(state["t"]), int(state["episode_t"])
        self.last_arrived = np.asarray(state["last_arrived"])


def default_kwargs() -> dict:
    """The packaged conf/env/ran.yaml as constructor arguments (discrete actions)."""
    from importlib.resources import files

    from omegaconf import OmegaConf

    cfg = OmegaConf.load(str(files("slicectl.conf") / "env" / "ran.yaml"))
    cfg.action_mode = "discrete"  # the YAML follows the run's agent; alone, the env acts with splits
    cfg = OmegaConf.to_container(cfg)
    cfg.pop("_target_")
    return cfg


class RanSlicingEnv(SingleCellEnv):
    """Gymnasium view of one cell (see the module docstring). Keyword
    arguments override conf/env/ran.yaml: ``gym.make("slicectl/RanSlicing-v0",
    action_mode="continuous")``."""

    def __init__(self, **overrides: Any):
        super().__init__(RanBatchEnv(**{**default_kwargs(), **overrides, "num_envs": 1}))
