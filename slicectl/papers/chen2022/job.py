"""`slicectl bidding`: chen2022's two tiers, trained and compared.

Phases (each a sub-folder with its own metrics.csv and checkpoints):

- ``lower/``: one ``agent`` per MVNO allocates its blocks to its services
  (Algorithm 2), holding what random bids give it (``env.bidding``).
- ``upper/``: one ``agent`` per MVNO bids, or with ``env.upper_action=joint``
  one ``agent`` chooses the joint bid vector (Algorithm 1 as written); each
  MVNO then allocates by Table A.

Then every decider plays the evaluation markets (``eval.n_seeds`` of them,
``eval.steps`` windows each): upper tier the agents, truthful bidding, hard
slicing and the oracle; lower tier the agents, Table A and the per-window
oracle. ``metrics.csv`` keeps every window of each (``split=step``: the
window in ``env_steps``, the evaluation market's seed in ``episode``,
``tier`` and ``policy``, and each MVNO's profit, utility, SE and SSRs), then
the run's Table 4 row (``split=eval``: the agents' figures, each
reference's, and the gaps to the oracle).
"""
from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.papers.chen2022 import baselines as ref
from slicectl.console import console
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.papers.chen2022.method import play_lower, play_upper, summary
from slicectl.errors import UserError
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir

LOWER = "slicectl.papers.chen2022.env.LowerTierBatchEnv"
UPPER = "slicectl.papers.chen2022.env.UpperTierBatchEnv"


def tier_envs(env_cfg: DictConfig, n_train: int, n_eval: int) -> dict:
    """The lower- and upper-tier envs (training and evaluation) of one market config."""
    if env_cfg.get("_target_") not in (LOWER, UPPER):
        raise UserError("bidding needs the two-tier market: env=bidding (or experiment=chen2022)")
    lower = OmegaConf.merge(env_cfg, {"_target_": LOWER})
    upper = OmegaConf.create({k: v for k, v in OmegaConf.to_container(env_cfg).items() if k != "bidding"})
    upper._target_ = UPPER
    return {"lower": make_env(lower, n_train), "lower_eval": make_env(lower, n_eval),
            "upper": make_env(upper, n_train), "upper_eval": make_env(upper, n_eval)}


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    seeds, seed, device = eval_seeds(cfg), int(cfg.seed), str(cfg.device)
    b, steps = cfg.bidding, int(cfg.eval.steps)
    envs = tier_envs(cfg.env, int(cfg.train.num_envs), len(seeds))
    every = int(cfg.train.eval_every)

    lower_agents = make_agent(cfg.agent, envs["lower"], seed, device)
    run_phase(run_dir, "lower", envs["lower"], lower_agents, envs["lower_eval"],
              Budget(int(b.lower_steps), every, steps, seeds), seed)
    upper_agents = make_agent(cfg.agent, envs["upper"], seed + 1, device)
    run_phase(run_dir, "upper", envs["upper"], upper_agents, envs["upper_eval"],
              Budget(int(b.upper_steps), every, steps, seeds), seed + 1)

    env_u, env_l = envs["upper_eval"], envs["lower_eval"]
    upper = [play_upper(env_u, ref.agents_decide(upper_agents), seeds, steps, "agent")]
    upper += [play_upper(env_u, f, seeds, steps, name) for name, f in ref.UPPER.items()]
    lower = [play_lower(env_l, lower_agents, seeds, steps, "agent"),
             play_lower(env_l, ref.TableALower(env_l), seeds, steps, "table_a"),
             play_lower(env_l, ref.LowerOracle(env_l), seeds, steps, "oracle")]
    row = summary(pd.concat(upper), pd.concat(lower))
    per_step = pd.concat([pd.concat(upper).assign(tier="upper"), pd.concat(lower).assign(tier="lower")])
    per_step = per_step.rename(columns={"seed": "episode"}).assign(
        split="step", env_steps=per_step["step"] + 1).drop(columns="step")
    final = pd.DataFrame([{"env_steps": int(b.lower_steps) + int(b.upper_steps), "episode": 0,
                           "split": "eval", **row}])
    pd.concat([per_step, final], ignore_index=True).to_csv(run_dir.metrics_path, index=False)
    console.print(table4(row, str(cfg.agent._target_).rsplit(".", 1)[-1]))
    run_dir.update(final=row)
    return row


def table4(row: dict, agent: str) -> Table:
    t = Table(title=f"chen2022 Table 4, this run ({agent}; mean over evaluation markets and windows)")
    for col in ("policy", "profit", "utility", "F", "lower SE", "lower utility"):
        t.add_column(col, justify="right")
    for pol, pre in (("agents", ""), ("truthful bids", "truthful_"), ("hard slicing", "hard_"),
                     ("Table A", "table_a_"), ("oracle", "oracle_")):
        cells = [row.get(f"{pre}{k}") for k in ("profit", "utility", "F", "lower_se", "lower_utility")]
        t.add_row(pol, *("-" if c is None else f"{c:.3f}" for c in cells))
    return t
