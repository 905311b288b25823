"""`slicectl distill teacher=<run dir>|latest`: zhang_digital_twin §IV-A / Fig. 8.

The teachers are the trained agents of the teacher run: a `twin-train` run
has two, the DT agent (Agent 1 after its last round) and the plain one, and
a `train` run has one (its final agent: last.pt, which holds the replay).
Each is distilled into students of every ``distill.widths``. The states are the teacher's own replay (the data
acquisition module's record). Every 5th state is held out to measure how often
the student agrees with the teacher.

``metrics.csv`` has one row per policy: reward and utility on the real
env's evaluation seeds, parameter count, seconds per decision (batch of 1),
agreement with its teacher on the held-out states, and its reward as a share
of its teacher's (``reward_share``, see ``reward_share``).
"""
from __future__ import annotations

import numpy as np
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.console import console
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.papers.zhang_dt.runs import agent_checkpoints
from slicectl.runner.finder import job_run
from slicectl.papers.zhang_dt.distill import Student, agreement, fit, n_params, seconds_per_decision
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.evaluate import evaluate
from slicectl.runner.rundir import MetricsWriter, RunDir

COLUMNS = ["env_steps", "episode", "split", "policy", "teacher", "width", "reward", "utility",
           "params", "seconds_per_decision", "agreement", "reward_share"]

def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    src = job_run(cfg.teacher, "teacher", ("twin-train", "train"), seed=int(cfg.seed))
    run_dir.update(init_from=str(src.path))
    src_cfg = OmegaConf.load(src.path / ".hydra" / "config.yaml")
    seeds, seed, device = eval_seeds(cfg), int(cfg.seed), str(cfg.device)
    env = make_env(src_cfg.env, len(seeds))
    if not hasattr(env.action_space, "n"):
        raise UserError("distill: the teacher acts in a continuous action space; students "
                        "(eq. 12) are classifiers over discrete actions")
    d, eval_steps = cfg.distill, int(cfg.eval.steps)
    writer = MetricsWriter(run_dir.metrics_path, COLUMNS)
    rows = []
    for name, path in agent_checkpoints(src, "last").items():   # last.pt: it holds the replay
        state = checkpoint.load(path).get("agent")
        teacher = make_agent(src_cfg.agent, env, seed, device)
        checkpoint.restore(teacher, state, path, weights_only=True)
        if "replay" not in state:
            raise UserError(f"{path} holds no replay buffer: the students learn from the teacher's states")
        states = np.asarray(state["replay"]["obs"], np.float32)
        held = np.arange(len(states)) % 5 == 4
        train_states, held_states = states[~held], states[held]
        labels = teacher.act(train_states, explore=False)
        base = _row(name, name, 0, evaluate(teacher, env, seeds, eval_steps),
                    n_params(teacher.q), seconds_per_decision(teacher, states), 1.0, None)
        rows.append(base)
        for width in d.widths:
            student = Student(states.shape[1], int(env.action_space.n), int(width), seed)
            fit(student, train_states, labels, int(d.steps), float(d.lr), int(d.batch_size), seed)
            rows.append(_row(f"{name}_w{width}", name, int(width),
                             evaluate(student, env, seeds, eval_steps), n_params(student.net),
                             seconds_per_decision(student, states),
                             agreement(student, teacher, held_states), base["reward"]))
    for i, r in enumerate(rows):
        writer.write({"env_steps": int(d.steps), "episode": i, "split": "eval", **r})
    writer.close()
    console.print(distill_table(rows, len(seeds), eval_steps))
    console.print(f"run directory: {run_dir.path}")
    summary = {r["policy"]: {"reward": r["reward"], "reward_share": r["reward_share"]} for r in rows}
    run_dir.update(final=summary)
    return summary

def _row(policy, teacher, width, res, params, spd, agree, teacher_reward) -> dict:
    reward = float(np.mean(res["reward"]))
    return {"policy": policy, "teacher": teacher, "width": width, "reward": reward,
            "utility": float(np.mean(res["utility"])), "params": params, "seconds_per_decision": spd,
            "agreement": agree, "reward_share": reward_share(reward, teacher_reward)}

def reward_share(reward: float, teacher_reward: float | None) -> float:
    """A student's reward as a share of its teacher's (1 for the teacher
    itself). Eq. (6)'s reward is never negative, so a teacher at its floor
    of 0 is kept whole by any student: its share is 1, not a division by 0."""
    if teacher_reward is None or teacher_reward <= 0.0:
        return 1.0
    return reward / teacher_reward

def distill_table(rows: list[dict], n_seeds: int, steps: int) -> Table:
    table = Table(title=f"distillation (eq. 12): real env, {n_seeds} seeds × {steps} windows")
    for col in ("policy", "width", "reward", "of teacher", "utility", "params", "µs/decision",
                "agrees"):
        table.add_column(col, justify="right" if col != "policy" else "left")
    for r in rows:
        table.add_row(r["policy"], "teacher" if r["width"] == 0 else str(r["width"]),
                      f"{r['reward']:.3f}", f"{r['reward_share']:.0%}", f"{r['utility']:.3f}",
                      f"{r['params']:,}", f"{r['seconds_per_decision'] * 1e6:.0f}",
                      f"{r['agreement']:.0%}")
    return table
