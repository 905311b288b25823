"""The training loop every learning job uses.

One iteration: act on a batch of cells, step them, hand the transitions to the
agent (which takes its gradient steps), add up the episode's metrics. At an
episode end it logs a ``train`` row and resets the cells with the next
episode's seeds; every ``eval_every`` steps it logs an ``eval`` row on the
fixed evaluation seeds. After every logged row (or, with
``Budget.checkpoint_every``, the first logged row that many steps after the
last save, and the last row) it saves ``last.pt`` with all that a resumed run
needs to continue bit for bit: agent (networks, optimiser, replay, RNGs), env
state, counters, the number of rows logged and the run's id (a checkpoint
copied from another run is refused); a resumed run logs the rows after it
again, identically. ``best.pt`` holds the networks of the best evaluation
(``agent.weights()``). With ``keep_last=False`` last.pt is removed when the
budget is spent. A NaN or an infinity in a logged row or in the state stops
the run before either is written (``MetricsWriter.write``,
``checkpoint.save``): last.pt is always finite.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
import numpy as np

from slicectl.runner import checkpoint
from slicectl.runner.evaluate import evaluate
from slicectl.runner.progress import TrainingProgress
from slicectl.runner.rundir import MetricsWriter, RunDir

log = logging.getLogger(__name__)


@dataclass
class Budget:
    total_steps: int
    eval_every: int
    eval_steps: int
    eval_seeds: list[int]
    eval_first: bool = False  # also evaluate before the first step (a transferred agent's start)
    checkpoint_every: int | None = None  # env steps between saves of last.pt; None: every logged row
    keep_last: bool = True    # False: last.pt is removed once the budget is spent


def episode_seeds(seed: int, episode: int, n: int) -> list[int]:
    """Seeds of the cells of training episode ``episode``: distinct from each
    other and from any evaluation seed drawn the same way with another key."""
    ss = np.random.SeedSequence([seed, episode, 0x5EED])
    return [int(s) for s in ss.generate_state(n, dtype=np.uint32)]


def metric_columns(env) -> list[str]:
    return ["env_steps", "episode", "split", "reward", *env.metric_names, "loss", "wall_s"]


def train(env, agent, eval_env, budget: Budget, run: RunDir, seed: int,
          resume: dict | None = None, label: str | None = None) -> dict:
    """Train ``agent`` on ``env``; returns the per-seed results of the final
    evaluation (empty if a resumed run had no step left). Progress shows as
    ``label`` (default: the run directory's name)."""
    writer = MetricsWriter(run.metrics_path, metric_columns(env))
    objective = getattr(env, "objective", "utility")  # what best.pt maximises
    if resume is None:
        c = {"env_steps": 0, "episode": 0, "next_eval": budget.eval_every, "best": -np.inf,
             "sums": {}, "n": 0, "loss_sum": 0.0, "loss_n": 0, "wall_s": 0.0, "last_eval": {},
             "saved_at": 0}
        obs = env.reset(episode_seeds(seed, 0, env.num_envs))
        if budget.eval_first:
            start = evaluate(agent, eval_env, budget.eval_seeds, budget.eval_steps)
            _log(writer, c, "eval", {k: float(np.mean(v)) for k, v in start.items()}, time.perf_counter())
    else:
        c = resume["counters"]
        checkpoint.restore(agent, resume["agent"], run.checkpoints / "last.pt")
        checkpoint.restore(env, resume["env"], run.checkpoints / "last.pt")
        obs = resume["obs"]
    t0 = time.perf_counter() - c["wall_s"]
    res: dict = {}
    with TrainingProgress(label or run.path.name, budget.total_steps, c["env_steps"], objective) as progress:
        try:
            while c["env_steps"] < budget.total_steps:
                actions = agent.act(obs)
                next_obs, reward, truncated, info = env.step(actions)
                # truncation is not termination: the agent bootstraps through it
                stats = agent.observe(obs, actions, reward, next_obs, np.zeros_like(reward))
                obs = next_obs
                c["env_steps"] += env.num_envs
                c["n"] += 1
                for k in ("reward", *env.metric_names):
                    v = float(np.mean(reward if k == "reward" else info[k]))
                    c["sums"][k] = c["sums"].get(k, 0.0) + v
                if "loss" in stats:
                    c["loss_sum"] += stats["loss"]
                    c["loss_n"] += 1
                logged = False
                if truncated.all():
                    row = {k: v / c["n"] for k, v in c["sums"].items()}
                    row["loss"] = c["loss_sum"] / c["loss_n"] if c["loss_n"] else None
                    _log(writer, c, "train", row, t0)
                    c["episode"] += 1
                    c.update(sums={}, n=0, loss_sum=0.0, loss_n=0)
                    obs = env.reset(episode_seeds(seed, c["episode"], env.num_envs))
                    logged = True
                if c["env_steps"] >= c["next_eval"] or c["env_steps"] >= budget.total_steps:
                    res = evaluate(agent, eval_env, budget.eval_seeds, budget.eval_steps)
                    row = {k: float(np.mean(v)) for k, v in res.items()}
                    _log(writer, c, "eval", row, t0)
                    c["last_eval"] = row
                    c["next_eval"] += budget.eval_every
                    if row[objective] > c["best"]:
                        c["best"] = row[objective]
                        checkpoint.save(run.checkpoints / "best.pt", {"agent": agent.weights()})
                    logged = True
                due = (budget.checkpoint_every is None or c["env_steps"] >= budget.total_steps
                       or c["env_steps"] - c.get("saved_at", 0) >= budget.checkpoint_every)
                if logged and due:
                    c["wall_s"] = time.perf_counter() - t0
                    c["saved_at"] = c["env_steps"]
                    checkpoint.save(run.checkpoints / "last.pt", {
                        "agent": agent.state_dict(), "env": env.state_dict(), "obs": obs,
                        "counters": c, "rows": writer.rows, "run_id": run.run_id})
                progress.update(c["env_steps"], c["last_eval"])
        finally:
            writer.close()
    if not budget.keep_last:
        (run.checkpoints / "last.pt").unlink(missing_ok=True)
    return res


def _log(writer: MetricsWriter, c: dict, split: str, row: dict, t0: float) -> None:
    writer.write({"env_steps": c["env_steps"], "episode": c["episode"], "split": split,
                  "wall_s": round(time.perf_counter() - t0, 3), **row})
    if split == "eval":
        log.info("step %d eval %s", c["env_steps"],
                 " ".join(f"{k}={v:.4f}" for k, v in row.items() if v is not None))
