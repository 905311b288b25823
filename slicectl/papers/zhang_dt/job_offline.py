"""`slicectl offline`: zhang_digital_twin Algorithm 2 (§IV-B, Fig. 9) beside
the plain offline baseline and discrete CQL, all on one fixed dataset.

1. The dataset: ``offline.dataset_steps`` transitions of a uniformly random
   policy in the real env, or ``dataset=<path>`` (any slicectl ``.npz``
   dataset, e.g. a twin-train run's ``data/real<I>.npz``). It is kept as
   ``data/dataset.npz``.
2. The twin is fitted on it (the ``twin.*`` fitting settings) and saved as
   ``checkpoints/twin.pt``. θ2, the agent of line 1 (same initial weights as
   every arm), trains ``offline.twin_steps`` steps inside the twin (phase
   ``twin/``).
3. Three arms train from the dataset alone, ``offline.epochs`` passes each,
   with the same minibatch sequence: ``dt``, ``plain`` (v = 0, no twin:
   the paper's baseline) and ``cql`` (α = ``offline.cql_alpha``). ``dt`` is
   Algorithm 2 in the place of Algorithm 1's "train Agent 1" (§IV-B): Agent 1
   is first empowered by θ2 with eq. (8) (ζ = ``twin.zeta``), then trains
   with eq. (13) (v = ``offline.v``). The other arms start from the initial
   weights θ2 started from. Each is saved as ``checkpoints/<arm>.pt``
   when done; an interrupted run resumes at the first unfinished arm.
   ``offline.arms`` picks which run (e.g. only ``[dt]`` to sweep v).

Every policy is evaluated on the real env's evaluation seeds. ``metrics.csv``
has one row per evaluation: ``policy`` (behaviour, twin_agent, dt, plain,
cql), ``updates`` made so far, reward, utility and the mean loss since the
previous row; ``env_steps`` is the real transitions the policy learned from.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from rich.table import Table

from slicectl.baselines.simple import RandomPolicy
from slicectl.console import console
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.papers.zhang_dt.job_twin_train import settings
from slicectl.papers.zhang_dt import offline, twin_data
from slicectl.papers.zhang_dt.digital_twin import empower, twin_envs
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.evaluate import evaluate
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir

COLUMNS = ["env_steps", "episode", "split", "policy", "updates", "reward", "utility", "loss"]


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    o, s = cfg.offline, settings(cfg)
    seeds, seed, device = eval_seeds(cfg), int(cfg.seed), str(cfg.device)
    eval_steps = int(cfg.eval.steps)
    eval_env = make_env(cfg.env, len(seeds))
    if not hasattr(eval_env.action_space, "n"):
        raise UserError("offline: the DQN family and CQL need a discrete action space (env.action_mode=discrete)")

    data = _dataset(cfg, run_dir, seed, eval_env)
    n = len(data["reward"])
    updates = max(1, int(o.epochs) * n // int(cfg.agent.batch_size))
    run_dir.update(dataset_transitions=n, updates_per_arm=updates)

    def score(policy) -> dict:
        res = evaluate(policy, eval_env, seeds, eval_steps)
        return {"reward": float(np.mean(res["reward"])), "utility": float(np.mean(res["utility"]))}

    rows = [{"policy": "behaviour", "updates": 0, **score(RandomPolicy(eval_env, seed))}]
    theta2 = _twin_agent(cfg, run_dir, data, s, seeds, seed, device)
    rows.append({"policy": "twin_agent", "updates": int(o.twin_steps), **score(theta2)})
    penalties = {"dt": offline.twin_penalty(theta2.q, float(o.v)), "plain": None,
                 "cql": offline.cql_penalty(float(o.cql_alpha))}
    every = max(1, -(-updates // int(o.evals)))
    for arm in o.arms:
        path = run_dir.checkpoints / f"{arm}.pt"
        if path.is_file():
            rows += checkpoint.load(path)["rows"]
            continue
        agent = make_agent(cfg.agent, eval_env, seed, device)
        if arm == "dt":  # Algorithm 1 line 12 before Algorithm 2 takes over line 13's training
            empower(agent, theta2, float(cfg.twin.zeta))
        offline.load_dataset(agent, data)
        agent.regulariser = penalties[arm]
        arm_rows: list[dict] = []

        def on_eval(u: int, loss: float, agent=agent, arm=arm, arm_rows=arm_rows) -> None:
            if not np.isfinite(loss):
                raise UserError(f"offline arm {arm}: the loss became {loss} after {u} updates; the run stops here")
            arm_rows.append({"policy": arm, "updates": u, "loss": loss, **score(agent)})
            _write(run_dir, rows + arm_rows, n)

        offline.train_offline(agent, updates, every, on_eval)
        agent.regulariser = None
        checkpoint.save(path, {"agent": {k: v for k, v in agent.state_dict().items() if k != "replay"},
                               "rows": arm_rows})
        rows += arm_rows
    _write(run_dir, rows, n)
    final = {r["policy"]: r for r in rows}  # the last row of each policy
    console.print(offline_table(final, n, updates, len(seeds), eval_steps))
    summary = {p: {"reward": r["reward"], "utility": r["utility"]} for p, r in final.items()}
    run_dir.update(final=summary)
    return summary


def _dataset(cfg: DictConfig, run_dir: RunDir, seed: int, env) -> dict:
    """The run's dataset: kept from an earlier attempt, copied from
    ``dataset=`` (checked against the env first), or collected by the random
    behaviour policy."""
    path = run_dir.path / "data" / "dataset.npz"
    if not path.is_file():
        if cfg.dataset is not None:
            src = Path(str(cfg.dataset)).expanduser()
            if not src.is_file():
                raise UserError(f"dataset: file not found: {cfg.dataset}")
            _read(src, env)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, path)
        else:
            collector = make_env(cfg.env, 1)
            twin_data.save(offline.collect(collector, RandomPolicy(collector, seed),
                                           int(cfg.offline.dataset_steps), seed), path)
    return _read(path, env)


def _read(path: Path, env) -> dict:
    try:
        data = twin_data.load(path)
        twin_data.check(data, int(env.observation_space.shape[-1]), int(env.action_space.n))
    except Exception as exc:  # noqa: BLE001 - numpy raises several types on a bad file
        raise UserError(f"dataset: {path}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from None
    return data


def _twin_agent(cfg: DictConfig, run_dir: RunDir, data: dict, s, seeds: list[int], seed: int, device: str):
    """θ2: the agent trained inside the twin fitted on the dataset (reused
    from ``checkpoints/twin.pt`` and the ``twin/`` phase when present)."""
    # eq. (6)'s threshold rose while the dataset was collected (one cell,
    # one transition per step, in file order): the twin pays it as it stood
    # mid-collection, so that its rewards match the dataset's on average
    twin, twin_eval, stats = twin_envs(run_dir.checkpoints / "twin.pt", data, s, seed, make_env(cfg.env, 1),
                                       len(seeds), len(data["reward"]) // 2)
    run_dir.update(twin=stats)
    agent = make_agent(cfg.agent, twin, seed, device)
    total = int(cfg.offline.twin_steps)
    run_phase(run_dir, "twin", twin, agent, twin_eval, Budget(total, total, int(cfg.eval.steps), seeds),
              seed, keep="last")
    return agent


def _write(run_dir: RunDir, rows: list[dict], n: int) -> None:
    table = [{"env_steps": n if r["policy"] != "behaviour" else 0, "episode": i, "split": "eval", **r}
             for i, r in enumerate(rows)]
    pd.DataFrame(table, columns=COLUMNS).to_csv(run_dir.metrics_path, index=False)


def offline_table(final: dict[str, dict], n: int, updates: int, n_seeds: int, steps: int) -> Table:
    table = Table(title=f"offline RL on {n} random-policy transitions, {updates} updates per arm "
                        f"(real env, {n_seeds} seeds × {steps} windows)")
    for col in ("policy", "reward", "utility"):
        table.add_column(col, justify="left" if col == "policy" else "right")
    names = {"behaviour": "behaviour (random)", "twin_agent": "θ2: trained in the twin",
             "dt": "offline + twin (eq. 13)", "plain": "offline (v = 0)", "cql": "CQL"}
    for p, r in final.items():
        table.add_row(names[p], f"{r['reward']:.3f}", f"{r['utility']:.3f}")
    return table
