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

from slicectl.errors import UserError
from slicectl.runner import checkpoint
from slicectl.runner.evaluate import evaluate_together
from slicectl.runner.objective import declared
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


@dataclass
class Member:
    """One run trained by ``train_members``: its env, evaluation env, run
    directory, seed and (resuming) its last.pt state."""
    env: object
    eval_env: object
    run: RunDir
    seed: int
    resume: dict | None = None


def train(env, agent, eval_env, budget: Budget, run: RunDir, seed: int,
          resume: dict | None = None, label: str | None = None) -> dict:
    """Train ``agent`` on ``env``; returns the per-seed results of the final
    evaluation (empty if a resumed run had no step left). Progress shows as
    ``label`` (default: the run directory's name)."""
    return train_members([Member(env, eval_env, run, seed, resume)], agent, budget, label)[0]


def train_members(members: list[Member], agent, budget: Budget, label: str | None = None) -> list[dict]:
    """Train one run, or several seeds of one config stacked: ``agent`` is
    then a stack (``slicectl.agents.stacked``) whose ``members[k]`` is member
    k's own agent, acting on the members' rows one after the other. Each
    member logs, evaluates and checkpoints into its own run directory
    exactly as a separate run would; they step together."""
    parts = getattr(agent, "members", [agent])          # each member's own agent
    sync = getattr(agent, "sync", lambda: None)         # a stack writes its tensors into them
    writers = [MetricsWriter(m.run.metrics_path, metric_columns(m.env)) for m in members]
    objective, direction = declared(members[0].env)   # best.pt keeps the best evaluation of it
    better = 1.0 if direction == "maximize" else -1.0
    counters, obs = [], []
    for m, part, writer in zip(members, parts, writers, strict=True):
        if m.resume is None:
            c = {"env_steps": 0, "episode": 0, "next_eval": budget.eval_every, "best": -np.inf,
                 "sums": {}, "n": 0, "loss_sum": 0.0, "loss_n": 0, "wall_s": 0.0, "last_eval": {},
                 "saved_at": 0}
            obs.append(m.env.reset(episode_seeds(m.seed, 0, m.env.num_envs)))
        else:
            c = m.resume["counters"]
            checkpoint.restore(part, m.resume["agent"], m.run.checkpoints / "last.pt")
            checkpoint.restore(m.env, m.resume["env"], m.run.checkpoints / "last.pt")
            obs.append(m.resume["obs"])
        counters.append(c)
    if hasattr(agent, "load_members"):
        agent.load_members()                             # the members' restored states into the stack
    if len({c["env_steps"] for c in counters}) > 1:
        raise UserError("stacked runs resume together from the same step; these stopped at steps "
                        f"{sorted({c['env_steps'] for c in counters})}: resume them one at a time")
    if budget.eval_first and all(m.resume is None for m in members):
        for writer, c, start in zip(writers, counters, _evaluate(agent, members, budget)):
            _log(writer, c, "eval", {k: float(np.mean(v)) for k, v in start.items()}, time.perf_counter())
    t0 = time.perf_counter() - counters[0]["wall_s"]
    res: list[dict] = [{} for _ in members]
    first = counters[0]
    with TrainingProgress(label or members[0].run.path.name, budget.total_steps, first["env_steps"],
                          objective) as progress:
        try:
            while first["env_steps"] < budget.total_steps:
                actions = _split(agent.act(np.concatenate(obs)), members)
                steps = [m.env.step(a) for m, a in zip(members, actions)]
                rewards = np.concatenate([s[1] for s in steps])
                # truncation is not termination: the agent bootstraps through it
                stats = agent.observe(np.concatenate(obs), np.concatenate(actions), rewards,
                                      np.concatenate([s[0] for s in steps]), np.zeros_like(rewards))
                losses = stats.get("losses", [stats["loss"]] * len(members)) if "loss" in stats else None
                logged = due = False
                for k, (m, c, writer, (next_obs, reward, truncated, info)) in enumerate(
                        zip(members, counters, writers, steps)):
                    obs[k] = next_obs
                    c["env_steps"] += m.env.num_envs
                    c["n"] += 1
                    for key in ("reward", *m.env.metric_names):
                        v = float(np.mean(reward if key == "reward" else info[key]))
                        c["sums"][key] = c["sums"].get(key, 0.0) + v
                    if losses is not None:
                        c["loss_sum"] += float(losses[k])
                        c["loss_n"] += 1
                    if truncated.all():
                        row = {key: v / c["n"] for key, v in c["sums"].items()}
                        row["loss"] = c["loss_sum"] / c["loss_n"] if c["loss_n"] else None
                        _log(writer, c, "train", row, t0)
                        c["episode"] += 1
                        c.update(sums={}, n=0, loss_sum=0.0, loss_n=0)
                        obs[k] = m.env.reset(episode_seeds(m.seed, c["episode"], m.env.num_envs))
                        logged = True
                if first["env_steps"] >= first["next_eval"] or first["env_steps"] >= budget.total_steps:
                    evaluated = _evaluate(agent, members, budget)
                    sync()
                    for m, part, c, writer, r in zip(members, parts, counters, writers, evaluated):
                        row = {key: float(np.mean(v)) for key, v in r.items()}
                        _log(writer, c, "eval", row, t0)
                        c["last_eval"] = row
                        c["next_eval"] += budget.eval_every
                        if better * row[objective] > c["best"]:
                            c["best"] = better * row[objective]
                            checkpoint.save(m.run.checkpoints / "best.pt", {"agent": part.weights()})
                    res = evaluated
                    logged = True
                due = (budget.checkpoint_every is None or first["env_steps"] >= budget.total_steps
                       or first["env_steps"] - first.get("saved_at", 0) >= budget.checkpoint_every)
                if logged and due:
                    sync()
                    for m, part, c, writer, o in zip(members, parts, counters, writers, obs):
                        c["wall_s"] = time.perf_counter() - t0
                        c["saved_at"] = c["env_steps"]
                        checkpoint.save(m.run.checkpoints / "last.pt", {
                            "agent": part.state_dict(), "env": m.env.state_dict(), "obs": o,
                            "counters": c, "rows": writer.rows, "run_id": m.run.run_id})
                progress.update(first["env_steps"], first["last_eval"])
        finally:
            for writer in writers:
                writer.close()
    if not budget.keep_last:
        for m in members:
            (m.run.checkpoints / "last.pt").unlink(missing_ok=True)
    return res


def _split(actions: np.ndarray, members: list[Member]) -> list[np.ndarray]:
    """The stacked actions of every member's rows, member by member."""
    return np.split(np.asarray(actions), np.cumsum([m.env.num_envs for m in members])[:-1])


def _evaluate(agent, members: list[Member], budget: Budget) -> list[dict]:
    return evaluate_together(agent, [m.eval_env for m in members], budget.eval_seeds, budget.eval_steps)


def _log(writer: MetricsWriter, c: dict, split: str, row: dict, t0: float) -> None:
    writer.write({"env_steps": c["env_steps"], "episode": c["episode"], "split": split,
                  "wall_s": round(time.perf_counter() - t0, 3), **row})
    if split == "eval":
        log.info("step %d eval %s", c["env_steps"],
                 " ".join(f"{k}={v:.4f}" for k, v in row.items() if v is not None))
