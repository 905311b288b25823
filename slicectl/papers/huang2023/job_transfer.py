"""`slicectl transfer` (`train stage=2`), huang2023 stage II: every slice's
user-level agent starts from the stage-I agent (partial parameter transfer
and semantic-variant weight sampling) and is fine-tuned on its slice; a
scratch agent is trained on the same budget for comparison (Table II)."""
from __future__ import annotations

import numpy as np
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.baselines.simple import RandomPolicy
from slicectl.console import console
from slicectl.papers.huang2023 import stages as hs
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.papers.huang2023.transfer import transfer_user_agent
from slicectl.runner import checkpoint
from slicectl.runner.evaluate import evaluate
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    src = hs.resolve_init(cfg, stage=2)
    run_dir.update(init_from=str(src.path))
    src_cfg = OmegaConf.load(src.path / ".hydra" / "config.yaml")
    agent_cfg = src_cfg.agent
    src_state = checkpoint.load(src.checkpoints / "best.pt")["agent"]
    seeds, seed, device = eval_seeds(cfg), int(cfg.seed), str(cfg.device)
    steps = int(cfg.pipeline.transfer_steps)
    budget = Budget(steps, int(cfg.train.eval_every), int(cfg.eval.steps), seeds)

    rows, agents, env_cfgs = [], [], []
    for i in range(len(cfg.env.slices)):
        env_cfg = hs.user_env_cfg(src_cfg.env, cfg.env, i)
        env = make_env(env_cfg, int(cfg.train.num_envs))
        eval_env = make_env(env_cfg, len(seeds))
        agent = make_agent(agent_cfg, env, seed + i, device)
        transfer_user_agent(src_state, agent, int(src_cfg.env.n_users), env.p.n_users, seed + i)
        hs.warm_start(agent)
        before = evaluate(agent, eval_env, seeds, budget.eval_steps)["reward"]
        after = run_phase(run_dir, f"slice{i}", env, agent, eval_env, budget, seed + i,
                          n_users=env.p.n_users)["reward"]
        direct_agent = make_agent(agent_cfg, env, seed + i, device)
        scratch = evaluate(direct_agent, eval_env, seeds, budget.eval_steps)["reward"]
        direct = run_phase(run_dir, f"slice{i}_direct", env, direct_agent, eval_env, budget,
                           seed + i)["reward"]
        rand = evaluate(RandomPolicy(eval_env, seed), eval_env, seeds, budget.eval_steps)["reward"]
        target = float(np.mean(direct))
        rows.append({"slice": i, "users": env.p.n_users, "before": float(np.mean(before)),
                     "scratch": float(np.mean(scratch)), "after": float(np.mean(after)),
                     "direct": target, "random": float(np.mean(rand)),
                     "steps_transfer": steps_to_reach(run_dir, f"slice{i}", target, np.mean(before)),
                     "steps_direct": steps_to_reach(run_dir, f"slice{i}_direct", target,
                                                    np.mean(scratch))})
        agents.append(agent)
        env_cfgs.append(env_cfg)
    hs.save_user_agents(run_dir, agents, env_cfgs, agent_cfg)
    console.print(table_ii(rows, budget.eval_steps))
    run_dir.update(final={"table_ii": rows})
    return {"table_ii": rows}


def steps_to_reach(run: RunDir, phase: str, target: float, start: float,
                   tol: float = 0.01) -> int | None:
    """Env steps at the first evaluation of ``phase`` within ``tol`` (relative)
    of ``target``: 0 if the agent was there before training (``start``),
    None if never."""
    import pandas as pd

    if start >= target - tol * abs(target):
        return 0
    df = pd.read_csv(run.path / phase / "metrics.csv")
    ev = df[df.split == "eval"]
    hit = ev[ev.reward >= target - tol * abs(target)]
    return int(hit.env_steps.iloc[0]) if len(hit) else None


def table_ii(rows: list[dict], eval_steps: int) -> Table:
    t = Table(title=f"Table II: user-level agents, mean reward per step ({eval_steps}-step "
                    "episodes), before and after training; env steps until within 1% of direct "
                    "training's final reward")
    for col in ("slice", "users", "transferred, step 0", "scratch, step 0", "transferred, final",
                "direct, final", "random", "steps (transfer)", "steps (direct)"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(str(r["slice"]), str(r["users"]), *(f"{r[k]:.3f}" for k in
                  ("before", "scratch", "after", "direct", "random")),
                  *("-" if r[k] is None else str(r[k]) for k in ("steps_transfer", "steps_direct")))
    return t
