"""`slicectl transfer env=multicell method=… source=…` (hu section IV):
every cell's agent starts from the knowledge of a source cell's agent in a
finished `train env=multicell` run (init_from=<run>|latest, or a sweep's
directory: its run with the same seed), picked by the
VAE similarity of eq. (10) (source=auto), the least similar cell
(farthest) or one fixed cell, and is fine-tuned for multicell.finetune_steps
(section V-2: 4000), with evaluations along the way.

Writes beside the usual metrics.csv: distances.csv (the K × K matrix of
eq. 7, row = source, column = target), transfer.json (each target's source,
its distance, what was transferred, which formula gave D) and the VAE's
loss per epoch (vae_loss.csv).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from slicectl.console import console
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.runner.final_eval import evaluate_policies
from slicectl.runner.summary import metrics_table
from slicectl.papers.hu import similarity
from slicectl.papers.hu.transfer import apply_transfer
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.loop import Budget, train
from slicectl.runner.finder import completed, find_run
from slicectl.runner.rundir import RunDir

TARGET = "slicectl.papers.hu.env.MulticellBatchEnv"


def source_run(cfg: DictConfig, outputs: Path = Path("outputs")) -> RunDir:
    """The finished multicell training run whose agents are the sources
    (init_from=<run>|<sweep: its run with this seed>|latest)."""
    def accept(run: RunDir) -> str | None:
        if run.manifest().get("job") != "train":
            return f"it is a {run.manifest().get('job')} run"
        saved = run.path / ".hydra" / "config.yaml"
        env = OmegaConf.load(saved).env if saved.is_file() else {}
        if env.get("_target_") != TARGET:
            return "it was not trained on env=multicell"
        if env.get("coordinated") != cfg.env.coordinated:  # the other half of the observation layout
            return f"it has env.coordinated={env.get('coordinated')}, this run {cfg.env.coordinated}"
        return completed(run)

    if cfg.init_from is None:
        raise UserError("transfer env=multicell starts from a trained run: set init_from=<run dir> "
                        "(of `slicectl train env=multicell`) or init_from=latest")
    return find_run(cfg.init_from, "init_from", "completed `train env=multicell` run", accept, outputs,
                    seed=int(cfg.seed))


def run(cfg: DictConfig, run_dir: RunDir, resume: dict | None = None) -> dict:
    # a resumed run keeps the source run it started from, though `latest` may now be another
    recorded = run_dir.manifest().get("init_from") if cfg.resume is not None else None
    src = RunDir(Path(recorded)) if recorded else source_run(cfg)
    run_dir.update(init_from=str(src.path))
    mc, seed, device = cfg.multicell, int(cfg.seed), str(cfg.device)
    seeds = eval_seeds(cfg)
    env = make_env(cfg.env, int(cfg.train.num_envs))
    eval_env = make_env(cfg.env, len(seeds))
    src_env = OmegaConf.load(src.path / ".hydra" / "config.yaml").env
    # (source_run only accepts runs with this env.coordinated, the other half of the layout)
    if int(len(src_env.sites_m) * len(src_env.sector_azimuth_deg)) != env.n_agents:
        raise UserError(f"init_from: {src.path} was trained on another network (its number of "
                        "cells differs); transfer needs the same observation layout")
    src_state = checkpoint.load(src.checkpoints / "last.pt")["agent"]  # last.pt: it holds the replay

    agent = make_agent(cfg.agent, env, seed, device)
    if resume is None:
        sources, record = _similarity_sources(cfg, run_dir, env.n_agents)
    else:  # the sources this run picked, not a new VAE's
        record = json.loads((run_dir.path / "transfer.json").read_text())
        sources = np.asarray(record["sources"]) - 1
    # on resume the loop then loads the checkpoint's weights and replay over
    # these; apply_transfer still sets what they do not hold (frozen layers, no warm-up)
    done = apply_transfer(agent, src_state, sources, str(cfg.method), int(mc.frozen_layers),
                          None if mc.instances is None else int(mc.instances))
    if resume is None:
        (run_dir.path / "transfer.json").write_text(json.dumps({**done, **record}, indent=1))
    console.print(f"sources ({cfg.source}): " + " ".join(f"{k + 1}←{s + 1}" for k, s in enumerate(sources)))

    budget = Budget(int(mc.finetune_steps), int(cfg.train.eval_every), int(cfg.eval.steps), seeds,
                    eval_first=True)  # Fig. 4: where the transferred agents start
    train(env, agent, eval_env, budget, run_dir, seed, resume=resume)
    # again with every step's samples (evaluation is deterministic: the loop's last one is this one)
    final = evaluate_policies({f"{cfg.method} TL": agent}, eval_env, seeds, budget.eval_steps, run_dir)
    console.print(metrics_table(f"after {budget.total_steps} fine-tuning steps, {len(seeds)} networks "
                                f"x {budget.eval_steps} steps", final))
    return {k: float(np.mean(v)) for k, v in final[f"{cfg.method} TL"].items()}


def _similarity_sources(cfg: DictConfig, run_dir: RunDir, n_cells: int) -> tuple[np.ndarray, dict]:
    """Section IV-B: default-action samples from fresh networks, the VAE, the
    distances of eq. (7) and each target's source (eq. 10); writes
    distances.csv and vae_loss.csv, returns the sources and their record."""
    mc, seed = cfg.multicell, int(cfg.seed)
    sim_env = make_env(cfg.env, int(mc.similarity_networks))
    sim_seeds = [seed * 7919 + 500_000 + i for i in range(int(mc.similarity_networks))]
    samples = similarity.collect_default_samples(sim_env, int(mc.similarity_steps), sim_seeds)
    vae, history = similarity.train_vae(samples, int(mc.vae_epochs), float(mc.vae_alpha), seed=seed)
    dist, formula = similarity.distances(vae, samples, float(mc.small_var))
    try:
        sources = similarity.pick_sources(dist, str(cfg.source))
    except ValueError as exc:
        raise UserError(f"source: {exc}") from None
    cells = [f"c{k + 1}" for k in range(n_cells)]
    pd.DataFrame(dist, index=cells, columns=cells).to_csv(run_dir.path / "distances.csv")
    pd.DataFrame({"epoch": np.arange(1, len(history) + 1), "loss": history}).to_csv(
        run_dir.path / "vae_loss.csv", index=False)
    record = {"sources": [int(s) + 1 for s in sources], "formula": formula, "source_rule": str(cfg.source),
              "distance": [float(dist[s, k]) for k, s in enumerate(sources)]}
    return sources, record
