"""zhang_digital_twin Algorithm 1: digital-twin-enhanced DRL.

The paper's lines 3–20 run in the following order. Agent 1's real-env
training of round I is also the data collection (line 3) of round I + 1,
because the data acquisition module records what π1 does.

    round I = 0 .. Γ:
        real{I}:  Agent 1 trains T steps in the real env     (lines 13–19 / line 3)
                  every real transition so far → dataset   (data/real{I}.npz)
        if I < Γ:
          fit the twin (LSTM P, MLP R) on the dataset      (line 4, eq. 7)
          Agent 2 ← Agent 1's weights                      (line 20 / line 1)
          twin{I}: Agent 2 trains Φ steps in the twin      (lines 5–11)
          θ1 ← ζ θ1 + (1 − ζ) θ2                           (line 12, eq. 8)

Agent 1 therefore meets the real env (Γ + 1)·T times. Every training is a
phase of the runner (own metrics, checkpoints, exact resume). The twin of
each round is saved as ``checkpoints/twin{I}.pt``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from slicectl.papers.zhang_dt import twin_data
from slicectl.papers.zhang_dt.twin_env import TwinBatchEnv
from slicectl.papers.zhang_dt.twin_model import TwinModel, errors, fit
from slicectl.runner import checkpoint
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir


@dataclass
class TwinSettings:
    rounds: int            # Γ
    real_steps: int        # T: Agent 1's real steps per round
    twin_steps: int        # Φ: Agent 2's steps in the twin per round
    zeta: float            # ζ of eq. (8)
    window: int = 4        # LSTM history (steps)
    hidden: int = 64       # LSTM width
    reward_hidden: tuple[int, ...] = (64, 64)
    epochs: int = 50       # twin fitting passes over the dataset
    lr: float = 1e-3
    batch_size: int = 64
    holdout_every: int = 5  # every n-th real episode is held out to score the twin


def empower(agent1, agent2, zeta: float) -> None:
    """Eq. (8): θ1 ← ζ θ1 + (1 − ζ) θ2 for every network of the agents
    (online and target alike, so the pair stays consistent)."""
    nets2 = agent2.networks()
    with torch.no_grad():
        for name, net1 in agent1.networks().items():
            for p1, p2 in zip(net1.parameters(), nets2[name].parameters(), strict=True):
                p1.mul_(zeta).add_(p2, alpha=1.0 - zeta)


def phase_seed(seed: int, i: int) -> int:
    """Round I's training episodes: round 0 uses the run's seed (so its real
    phase sees the same cells as a plain agent's first steps), later rounds
    fresh cells."""
    return seed if i == 0 else int(np.random.SeedSequence([seed, i, 0x7717]).generate_state(1)[0] >> 1)


def new_twin(data: dict, s: TwinSettings) -> TwinModel:
    """An unfitted twin sized for ``data``."""
    return TwinModel(data["obs"].shape[1], data["features"].shape[1], s.window, s.hidden, s.reward_hidden)


def fit_twin(data: dict, s: TwinSettings, seed: int) -> tuple[TwinModel, dict]:
    """A twin fitted on the non-held-out episodes of ``data``, and its
    one-step errors on the held-out ones."""
    train_part, held = twin_data.split(data, s.holdout_every)
    torch.manual_seed(seed)
    model = new_twin(data, s)
    fit(model, train_part, s.epochs, s.lr, s.batch_size, seed)
    return model, {"twin_transitions": len(train_part["obs"]), **errors(model, held)}


def twin_envs(path: Path, data: dict, s: TwinSettings, seed: int, real, n_eval: int,
              reward_t: int) -> tuple[TwinBatchEnv, TwinBatchEnv, dict]:
    """The twin fitted on ``data`` as a one-cell training env and an
    ``n_eval``-cell evaluation env, and its fit statistics. The fit is saved
    at ``path`` (with the ``reward_t`` its envs pay eq. 6 at) and reloaded
    from there when present, so a resumed run meets the same twin."""
    if path.is_file():
        saved = checkpoint.load(path)
        model = new_twin(data, s)
        model.load_state_dict(saved["model"])
        stats, reward_t = saved["stats"], int(saved["reward_t"])
    else:
        model, stats = fit_twin(data, s, seed)
        checkpoint.save(path, {"model": model.state_dict(), "stats": stats, "reward_t": reward_t})
    starts = data["obs"][data["step"] == 0]
    if len(starts) == 0:  # a dataset cut mid-episode: start from its first state
        starts = data["obs"][:1]
    steps = int(real.episode_steps)
    return (TwinBatchEnv(model, real, starts, 1, steps, reward_t),
            TwinBatchEnv(model, real, starts, n_eval, steps, reward_t), stats)


def algorithm1(run: RunDir, real_env, eval_env, agent1, make_agent2: Callable[[object, int], object],
               s: TwinSettings, eval_steps: int, eval_seeds: list[int], seed: int,
               on_round: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """Run Algorithm 1; return one row per round: real steps so far, Agent 1's
    real evaluation (reward, utility) and the twin's held-out errors."""
    rec = twin_data.RecordingEnv(real_env)
    real_budget = Budget(s.real_steps, s.real_steps, eval_steps, eval_seeds)
    twin_budget = Budget(s.twin_steps, s.twin_steps, eval_steps, eval_seeds)
    rows, parts = [], []
    for i in range(s.rounds + 1):
        rec.clear()
        final = run_phase(run, f"real{i}", rec, agent1, eval_env, real_budget, phase_seed(seed, i),
                          keep="last", round=i)
        # the env as the phase left it (threshold step count, record), also
        # when the phase was already complete and not run again
        rec.load_state_dict(checkpoint.load(run.path / f"real{i}" / "checkpoints" / "last.pt")["env"])
        path = run.path / "data" / f"real{i}.npz"
        if not path.is_file():
            twin_data.save(rec.data(), path)
        parts.append(twin_data.load(path))
        row = {"env_steps": (i + 1) * s.real_steps, "round": i,
               "reward": float(np.mean(final["reward"])), "utility": float(np.mean(final["utility"]))}
        if i < s.rounds:
            row.update(_twin_round(run, i, rec, agent1, make_agent2, twin_data.concat(parts), s,
                                   twin_budget, seed))
        rows.append(row)
        if on_round is not None:
            on_round(rows)
    _score_on_final_holdout(run, rows, twin_data.concat(parts), s)
    if on_round is not None:
        on_round(rows)
    return rows


def _score_on_final_holdout(run: RunDir, rows: list[dict], data: dict, s: TwinSettings) -> None:
    """Every round's twin scored on one test set, so that the errors show
    what more data buys: the final dataset's held-out episodes. No round
    trained on them, since the held-out episodes of each round's dataset
    are among them."""
    _, held = twin_data.split(data, s.holdout_every)
    for row in rows[:-1]:
        model = new_twin(data, s)
        model.load_state_dict(checkpoint.load(run.checkpoints / f"twin{row['round']}.pt")["model"])
        err = errors(model, held)
        row.update(twin_test_state_mse=err["state_mse"], twin_test_utility_mse=err["utility_mse"],
                   twin_test_persistence_mse=err["persistence_mse"])


def _twin_round(run: RunDir, i: int, real_env, agent1, make_agent2, data: dict, s: TwinSettings,
                budget: Budget, seed: int) -> dict:
    """Lines 4–12 of round ``i``: fit the twin, train Agent 2 in it, empower Agent 1."""
    # the twin pays eq. (6) at the threshold where the real env stands now
    twin, twin_eval, stats = twin_envs(run.checkpoints / f"twin{i}.pt", data, s, seed + i, real_env.env,
                                       len(budget.eval_seeds), int(real_env.t))
    agent2 = make_agent2(twin, seed + i)
    agent2.load_state_dict(agent1.state_dict(), weights_only=True)
    twin_final = run_phase(run, f"twin{i}", twin, agent2, twin_eval, budget, phase_seed(seed, i) + 1,
                           keep="last", round=i)
    empower(agent1, agent2, s.zeta)
    return {**{f"twin_{k}" if not k.startswith("twin") else k: v for k, v in stats.items()},
            "twin_reward": float(np.mean(twin_final["reward"]))}
