"""zhang_digital_twin's data acquisition module (§III-B): the real
environment's transitions, recorded as the runner steps it and kept as an
``.npz`` dataset in the run directory.

Dataset format (one row per transition, numpy arrays of equal length):

=========== ========= =====================================================
key         shape     meaning
=========== ========= =====================================================
obs         (n, S)    state s_t: packets arrived per slice, scaled
action      (n,)      the action as the agent chose it (index or shares)
features    (n, S)    each slice's share of the band under that action
reward      (n,)      shaped reward r_t (eq. 6) the real env paid
utility     (n,)      utility U_t (eq. 5)
next_obs    (n, S)    s_{t+1}
episode     (n,)      episode id (distinct per recorded episode and cell)
step        (n,)      position of the transition in its episode
=========== ========= =====================================================
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from slicectl.runner.signals import deferred

FIELDS = ("obs", "action", "features", "reward", "utility", "next_obs", "episode", "step")


def empty(obs_dim: int, action_shape: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    return {"obs": np.zeros((0, obs_dim), np.float32), "action": np.zeros((0, *action_shape)),
            "features": np.zeros((0, obs_dim), np.float32), "reward": np.zeros(0),
            "utility": np.zeros(0), "next_obs": np.zeros((0, obs_dim), np.float32),
            "episode": np.zeros(0, np.int64), "step": np.zeros(0, np.int64)}


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Datasets one after the other; episode ids are made distinct."""
    out, offset = [], 0
    for p in parts:
        p = dict(p)
        p["episode"] = p["episode"] + offset
        offset = int(p["episode"].max()) + 1 if len(p["episode"]) else offset
        out.append(p)
    return {k: np.concatenate([p[k] for p in out]) for k in FIELDS}


def save(data: dict[str, np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    with deferred():   # a Ctrl-C or SIGTERM waits for the dataset to be whole
        np.savez_compressed(tmp, **{k: data[k] for k in FIELDS})
        tmp.replace(path)  # never a half-written dataset


def check(data: dict[str, np.ndarray], obs_dim: int, n_actions: int | None) -> None:
    """Raise ValueError unless ``data`` is a dataset of this env: equal lengths,
    at least one transition, observations of ``obs_dim`` values, actions that
    are indices below ``n_actions`` (a discrete env), finite numbers."""
    n = len(data["reward"])
    if n == 0:
        raise ValueError("it holds no transition")
    for k in FIELDS:
        if data[k].dtype.kind not in "biuf":
            raise ValueError(f"{k} holds {data[k].dtype} values, not numbers")
        if len(data[k]) != n:
            raise ValueError(f"{k} has {len(data[k])} rows, reward has {n}")
        if data[k].dtype.kind == "f" and not np.isfinite(data[k]).all():
            raise ValueError(f"{k} holds NaN or infinite values")
    for k in ("obs", "features", "next_obs"):
        if data[k].shape != (n, obs_dim):
            raise ValueError(f"{k} has shape {data[k].shape}; this env's observations are ({n}, {obs_dim})")
    if n_actions is not None:
        a = data["action"]
        if a.ndim != 1 or (a != np.round(a)).any() or a.min() < 0 or a.max() >= n_actions:
            raise ValueError(f"action must hold one index in 0..{n_actions - 1} per transition")


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in FIELDS if k not in f.files]
        if missing:
            raise ValueError(f"{path}: not a slicectl transition dataset (missing {', '.join(missing)})")
        return {k: f[k] for k in FIELDS}


def split(data: dict[str, np.ndarray], holdout_every: int) -> tuple[dict, dict]:
    """(train, held-out): every ``holdout_every``-th episode is held out, so
    held-out transitions come from cells the model never saw."""
    held = (data["episode"] % holdout_every) == holdout_every - 1
    if held.all() or not held.any():
        return data, {k: v[:0] for k, v in data.items()}
    return ({k: v[~held] for k, v in data.items()}, {k: v[held] for k, v in data.items()})


class RecordingEnv:
    """A batch env that records every transition it makes. Everything else
    is the wrapped env's (spaces, metrics, ``sampler``...). The record is
    part of ``state_dict`` so that a resumed run's dataset is exact."""

    def __init__(self, env):
        self.env = env
        self.clear()

    def __getattr__(self, name):  # only called for attributes not found here
        return getattr(self.__dict__["env"], name)

    def clear(self) -> None:
        self._rows: list[dict[str, np.ndarray]] = []
        self._episodes = -1
        self._obs = None

    def reset(self, seeds) -> np.ndarray:
        self._episodes += 1
        self._obs = self.env.reset(seeds)
        return self._obs

    def step(self, actions):
        next_obs, reward, truncated, info = self.env.step(actions)
        n = self.env.num_envs
        self._rows.append({
            "obs": np.asarray(self._obs, np.float32), "action": np.asarray(actions).reshape(n, *self.env.action_space.shape),
            "features": self.env.action_features(actions).astype(np.float32),
            "reward": np.asarray(reward, np.float64), "utility": np.asarray(info["utility"], np.float64),
            "next_obs": np.asarray(next_obs, np.float32),
            "episode": self._episodes * n + np.arange(n), "step": np.full(n, self.env.episode_t - 1)})
        self._obs = next_obs
        return next_obs, reward, truncated, info

    def data(self) -> dict[str, np.ndarray]:
        if not self._rows:
            return empty(self.env.observation_space.shape[0], self.env.action_space.shape)
        return {k: np.concatenate([r[k] for r in self._rows]) for k in FIELDS}

    def state_dict(self) -> dict:
        return {"env": self.env.state_dict(), "record": self.data(), "episodes": self._episodes,
                "obs": self._obs}

    def load_state_dict(self, state: dict) -> None:
        self.env.load_state_dict(state["env"])
        rec = {k: np.asarray(v) for k, v in state["record"].items()}
        self._rows = [rec] if len(rec["reward"]) else []
        self._episodes = int(state["episodes"])
        self._obs = state["obs"]
