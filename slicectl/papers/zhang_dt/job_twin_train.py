"""`slicectl twin-train`: zhang_digital_twin Algorithm 1 (DQN-DT, DDQN-DT...)
beside the same agent trained plainly on the same real-env budget.

Both arms are evaluated on the real env's evaluation seeds at the same
real-interaction counts. The run's ``metrics.csv`` has one row per round:

- ``env_steps``: real interactions so far.
- ``reward`` / ``utility``: the DT agent.
- ``plain_reward`` / ``plain_utility``: the plain agent.
- ``twin_*``: the twin's fit and its one-step errors on the held-out
  episodes of its own round's data. ``twin_test_*`` score every round's twin
  on one test set, the held-out episodes of the final data.
- ``reach`` / ``plain_reach``: the real steps at which each arm's
  evaluation reward first reached ``twin.reach_reward`` (empty until it has).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from rich.table import Table

from slicectl.console import console
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.papers.zhang_dt.digital_twin import TwinSettings, algorithm1
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir, eval_rows

COLUMNS = ["env_steps", "episode", "split", "reward", "utility", "plain_reward", "plain_utility",
           "reach", "plain_reach", "twin_reward", "twin_transitions", "twin_state_mse",
           "twin_persistence_mse", "twin_utility_mse", "twin_test_state_mse",
           "twin_test_persistence_mse", "twin_test_utility_mse"]


def settings(cfg: DictConfig) -> TwinSettings:
    t = cfg.twin
    return TwinSettings(rounds=int(t.rounds), real_steps=int(t.real_steps), twin_steps=int(t.twin_steps),
                        zeta=float(t.zeta), window=int(t.window), hidden=int(t.hidden),
                        reward_hidden=tuple(int(h) for h in t.reward_hidden), epochs=int(t.epochs),
                        lr=float(t.lr), batch_size=int(t.batch_size), holdout_every=int(t.holdout_every))


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    s = settings(cfg)
    seeds, seed, device = eval_seeds(cfg), int(cfg.seed), str(cfg.device)
    eval_env = make_env(cfg.env, len(seeds))
    steps, eval_steps = (s.rounds + 1) * s.real_steps, int(cfg.eval.steps)
    run_dir.update(init_from=None, real_steps_total=steps)

    plain = {}
    if cfg.twin.plain:
        env = make_env(cfg.env, 1)
        agent = make_agent(cfg.agent, env, seed, device)
        run_phase(run_dir, "plain", env, agent, eval_env, Budget(steps, s.real_steps, eval_steps, seeds),
                  seed, keep="last")
        ev = eval_rows(run_dir.path / "plain")
        plain = {int(r.env_steps): (float(r.reward), float(r.utility)) for r in ev.itertuples()}

    real_env = make_env(cfg.env, 1)
    agent1 = make_agent(cfg.agent, real_env, seed, device)
    reach = float(cfg.twin.reach_reward)

    table: list[dict] = []

    def write(rows: list[dict]) -> None:
        table[:] = [_row(r, plain, rows, reach) for r in rows]
        pd.DataFrame(table, columns=COLUMNS).to_csv(run_dir.metrics_path, index=False)

    algorithm1(run_dir, real_env, eval_env, agent1,
               lambda env, s2: make_agent(cfg.agent, env, s2, device), s, eval_steps, seeds,
               seed, on_round=write)
    console.print(rounds_table(table, reach))
    # NaN in the table (never reached, no plain arm) is null in the manifest
    summary = {k: None if math.isnan(table[-1][k]) else table[-1][k]
               for k in ("reach", "plain_reach", "reward", "plain_reward", "utility", "plain_utility")}
    console.print(f"reward ≥ {reach:g} first reached after {_steps(summary['reach'])} real steps with "
                  f"the twin, {_steps(summary['plain_reach'])} without")
    run_dir.update(final=summary)
    return summary


def _row(r: dict, plain: dict, rows: list[dict], reach: float) -> dict:
    p = plain.get(r["env_steps"], (math.nan, math.nan))
    dt_curve = {x["env_steps"]: x["reward"] for x in rows}
    plain_curve = {k: v[0] for k, v in plain.items()}
    return {"env_steps": r["env_steps"], "episode": r["round"], "split": "eval",
            "reward": r["reward"], "utility": r["utility"], "plain_reward": p[0], "plain_utility": p[1],
            "reach": _first_reach(dt_curve, r["env_steps"], reach),
            "plain_reach": _first_reach(plain_curve, r["env_steps"], reach),
            **{k: r.get(k, math.nan) for k in COLUMNS if k.startswith("twin_")}}


def _first_reach(curve: dict[int, float], upto: int, reach: float) -> float:
    """The first real step (≤ ``upto``) at which ``curve`` (step -> reward) reached ``reach``."""
    return next((k for k, v in sorted(curve.items()) if k <= upto and v >= reach), math.nan)


def _steps(x: float | None) -> str:
    return "never (within the budget)" if x is None or math.isnan(x) else f"{int(x)}"


def rounds_table(rows: list[dict], reach: float) -> Table:
    table = Table(title=f"Algorithm 1 round by round (real evaluation; reach: reward ≥ {reach:g})")
    for col in ("real steps", "DT reward", "plain reward", "DT utility", "plain utility",
                "twin reward", "twin data", "test state MSE", "persistence MSE", "test utility MSE"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["env_steps"]), *(f"{r[k]:.3f}" for k in ("reward", "plain_reward", "utility",
                                                                      "plain_utility", "twin_reward")),
                      "-" if np.isnan(r["twin_transitions"]) else str(int(r["twin_transitions"])),
                      *("-" if r[k] is None or np.isnan(r[k]) else f"{r[k]:.4f}"
                        for k in ("twin_test_state_mse", "twin_test_persistence_mse", "twin_test_utility_mse")))
    return table
