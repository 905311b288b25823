"""`slicectl eval`: a baseline (``--baseline NAME``) or a trained run
(``run_dir=DIR``) on the fixed evaluation seeds; per-seed rows to
metrics.csv, mean ± 95% CI printed."""
from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from slicectl import registry
from slicectl.runner.build import eval_seeds, make_agent, make_baseline, make_env
from slicectl.runner.final_eval import evaluate_policies
from slicectl.console import console
from slicectl.runner.summary import metrics_table
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.loop import metric_columns
from slicectl.runner.finder import completed, find_run
from slicectl.runner.rundir import MetricsWriter, RunDir


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    seeds = eval_seeds(cfg)
    baseline = cfg.get("baseline")
    if (baseline is None) == (cfg.run_dir is None):
        raise UserError("eval needs exactly one of --baseline NAME or run_dir=<training run>")
    if cfg.run_dir is not None:
        src = trained_run(cfg)
        train_cfg = OmegaConf.load(src.path / ".hydra" / "config.yaml")
        env = make_env(train_cfg.env, len(seeds))
        policy = make_agent(train_cfg.agent, env, int(cfg.seed), str(cfg.device))
        state = checkpoint.load(src.checkpoints / f"{cfg.checkpoint}.pt")
        policy.load_state_dict(state["agent"], weights_only=True)
        name = f"{src.path.name} ({cfg.checkpoint}.pt)"
        run_dir.update(init_from=str(src.path))
    else:
        env = make_env(cfg.env, len(seeds))
        setup = registry.load().envs[str(cfg.env._target_)].setup
        if setup is not None:  # a paper's preparation of its env (huang2023: the user-level agents)
            registry.resolve(setup)(env, cfg, run_dir)
        policy = make_baseline(baseline, env, int(cfg.seed))
        name = str(baseline.name)
    res = evaluate_policies({name: policy}, env, seeds, int(cfg.eval.steps), run_dir)[name]
    writer = MetricsWriter(run_dir.metrics_path, metric_columns(env))
    for i, seed in enumerate(seeds):
        writer.write({"env_steps": int(cfg.eval.steps), "episode": seed, "split": "eval",
                      **{k: float(v[i]) for k, v in res.items()}})
    writer.close()
    console.print(metrics_table(f"evaluation on {len(seeds)} seeds ({cfg.eval.steps} windows each)",
                                {name: res}))
    return {k: float(v.mean()) for k, v in res.items()}


def trained_run(cfg: DictConfig) -> RunDir:
    """``run_dir=<dir>|latest``: a run with a saved config and the checkpoint
    asked for (``latest``: the newest completed one)."""
    ckpt = f"{cfg.checkpoint}.pt"

    def accept(run: RunDir) -> str | None:
        if not (run.path / ".hydra" / "config.yaml").is_file():
            return "it has no .hydra/config.yaml"
        if not (run.checkpoints / ckpt).is_file():
            return f"it has no checkpoints/{ckpt}"
        return completed(run) if str(cfg.run_dir) == "latest" else None

    return find_run(cfg.run_dir, "run_dir", f"training run with checkpoints/{ckpt}", accept)
