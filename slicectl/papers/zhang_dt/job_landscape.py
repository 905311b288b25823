"""`slicectl landscape run_dir=<run>|latest`: zhang_digital_twin eq. (11) /
Fig. 7 for every trained agent of a run (twin-train: DT and plain; offline:
its arms; train: the agent), all on the same held-out transitions.

The B = ``landscape.transitions`` held-out transitions are a random policy's
in real cells no agent trained on (the evaluation seed range), kept as
``data/heldout.npz``. Outputs:

- ``landscape.csv``: policy, λ, loss;
- ``landscape.png``: one curve per policy;
- ``metrics.csv``: one row per policy with L(0), the curvature at λ = 0
  (absolute and relative to L(0)) and the λ-width on which the loss stays
  ≤ 2 L(0) (``landscape.py``).

``slicectl report`` over several landscape runs (e.g. one per seed of a
twin-train sweep) gives the flatness of DT vs plain agents as mean ± CI.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.baselines.simple import RandomPolicy
from slicectl.console import console
from slicectl.runner.build import make_agent, make_env
from slicectl.papers.zhang_dt.runs import agent_checkpoints
from slicectl.runner.finder import job_run
from slicectl.papers.zhang_dt import landscape, offline, twin_data
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.rundir import RunDir

COLUMNS = ["env_steps", "episode", "split", "policy", "loss0", "curvature", "curvature_rel", "width2x"]


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    src = job_run(cfg.run_dir, "run_dir", ("twin-train", "offline", "train"), seed=int(cfg.seed))
    run_dir.update(init_from=str(src.path))
    src_cfg = OmegaConf.load(src.path / ".hydra" / "config.yaml")
    env = make_env(src_cfg.env, 1)
    if not hasattr(env.action_space, "n"):
        raise UserError("landscape: eq. (11) is defined here for the DQN family's TD loss; "
                        f"{src.path} trained a continuous-action agent")
    ls = cfg.landscape
    path = run_dir.path / "data" / "heldout.npz"
    if not path.is_file():
        twin_data.save(offline.collect(env, RandomPolicy(env, int(cfg.seed)), int(ls.transitions),
                                       int(cfg.eval.seed_base)), path)
    batch = _batch(twin_data.load(path))
    lambdas = np.linspace(-float(ls.range), float(ls.range), int(ls.points))

    curves, rows = [], []
    for name, ckpt in agent_checkpoints(src, str(cfg.checkpoint)).items():
        agent = make_agent(src_cfg.agent, env, int(cfg.seed), str(cfg.device))
        agent.load_state_dict(checkpoint.load(ckpt)["agent"], weights_only=True)
        losses = landscape.curve(agent, batch, lambdas)
        curves += [{"policy": name, "lambda": lam, "loss": loss} for lam, loss in zip(lambdas, losses)]
        rows.append({"policy": name, **landscape.flatness(lambdas, losses)})
    pd.DataFrame(curves).to_csv(run_dir.path / "landscape.csv", index=False)
    table = [{"env_steps": 0, "episode": i, "split": "eval", **r} for i, r in enumerate(rows)]
    pd.DataFrame(table, columns=COLUMNS).to_csv(run_dir.metrics_path, index=False)
    _plot(pd.DataFrame(curves), run_dir, src.path.name)
    console.print(flatness_table(rows, len(batch[0]), float(ls.range)))
    console.print(f"run directory: {run_dir.path}")
    summary = {r["policy"]: {k: r[k] for k in COLUMNS[4:]} for r in rows}
    run_dir.update(final=summary)
    return summary


def _batch(data: dict) -> tuple:
    f32 = torch.float32
    return (torch.as_tensor(data["obs"], dtype=f32), torch.as_tensor(data["action"], dtype=torch.long),
            torch.as_tensor(data["reward"], dtype=f32), torch.as_tensor(data["next_obs"], dtype=f32),
            torch.zeros(len(data["reward"])))


def _plot(curves: pd.DataFrame, run_dir: RunDir, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, c in curves.groupby("policy", sort=False):
        ax.plot(c["lambda"], c["loss"], label=name)
    ax.set_xlabel("λ (filter-normalised gradient direction)")
    ax.set_ylabel("TD loss on held-out transitions")
    ax.set_yscale("log")
    ax.set_title(f"loss landscape, eq. (11): {title}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(run_dir.path / "landscape.png", dpi=120)
    plt.close(fig)


def flatness_table(rows: list[dict], b: int, lam: float) -> Table:
    table = Table(title=f"loss landscape (eq. 11) on {b} held-out transitions, λ ∈ [−{lam:g}, {lam:g}]")
    for col in ("policy", "L(0)", "curvature at 0", "÷ L(0)", "width (L ≤ 2 L(0))"):
        table.add_column(col, justify="left" if col == "policy" else "right")
    for r in rows:
        table.add_row(r["policy"], f"{r['loss0']:.4f}", f"{r['curvature']:.3f}", f"{r['curvature_rel']:.2f}",
                      f"{r['width2x']:.3f}")
    return table
