"""`slicectl train`: train an agent on an environment, then compare it with
the random baseline and the oracle on the evaluation seeds."""
from __future__ import annotations

import logging

import numpy as np
from omegaconf import DictConfig, OmegaConf

from slicectl.runner.build import baseline_cfg, eval_seeds, make_agent, make_baseline, make_env
from slicectl.runner.final_eval import evaluate_policies
from slicectl.console import console
from slicectl.runner.summary import metrics_table
from slicectl.errors import Unavailable
from slicectl.runner.evaluate import mean_ci
from slicectl.runner.loop import Budget, train
from slicectl.runner.rundir import RunDir

log = logging.getLogger(__name__)


def run(cfg: DictConfig, run_dir: RunDir, resume: dict | None = None) -> dict:
    """Train (or continue, given the ``resume`` checkpoint of ``run_dir``)."""
    seeds = eval_seeds(cfg)
    env = make_env(cfg.env, int(cfg.train.num_envs))
    eval_env = make_env(cfg.env, len(seeds))
    agent = make_agent(cfg.agent, env, int(cfg.seed), str(cfg.device))
    every = cfg.train.checkpoint_every
    budget = Budget(total_steps=int(cfg.train.total_steps), eval_every=int(cfg.train.eval_every),
                    eval_steps=int(cfg.eval.steps), eval_seeds=seeds,
                    checkpoint_every=None if every is None else int(every), keep_last=bool(cfg.train.keep_last))
    if resume is None:
        run_dir.update(init_from=None)

    shown = "utility" if "utility" in env.metric_names else getattr(env, "objective", "reward")
    last = train(env, agent, eval_env, budget, run_dir, int(cfg.seed), resume=resume,
                 label=f"train {_agent_name()}")

    # the loop's last evaluation is of the final agent on these seeds, unless
    # a resumed run had nothing left to do
    policies = {"agent": agent}
    for name in cfg.eval.compare:
        try:
            policies[name] = make_baseline(baseline_cfg(name), eval_env, int(cfg.seed))
        except Unavailable as e:
            console.print(f"{name}: skipped, {e}")
    final = evaluate_policies(policies, eval_env, seeds, budget.eval_steps, run_dir,
                              known={"agent": last} if last else None)
    console.print(metrics_table(f"final evaluation on {len(seeds)} seeds "
                                f"({budget.eval_steps} windows each)", final))
    summary = comparison(final, shown)
    for line in summary["lines"]:
        console.print(line)
        log.info(line)
    run_dir.update(final={k: v for k, v in summary.items() if k != "lines"})
    return summary


def comparison(final: dict[str, dict[str, np.ndarray]], key: str = "utility") -> dict:
    """Paired agent − baseline difference (95% CI) in ``key`` (the env's
    utility, or its objective when it has none) and agent / oracle."""
    out: dict = {key: float(np.mean(final["agent"][key])), "lines": []}
    for name in ("random", "greedy"):
        if name in final:
            diff, half = mean_ci(final["agent"][key] - final[name][key])
            out.update({f"vs_{name}": diff, f"vs_{name}_ci": half})
            out["lines"].append(f"{key} − {name}: {diff:+.3f} ± {half:.3f} (paired, 95% CI)")
    oracle = next((k for k in final if k.endswith("oracle")), None)
    if oracle is not None:
        ratio = float(np.mean(final["agent"][key]) / np.mean(final[oracle][key]))
        out[f"{key}_over_oracle"] = ratio
        out["lines"].append(f"{key} / oracle {key}: {ratio:.3f}")
    return out


def _agent_name() -> str:
    from hydra.core.hydra_config import HydraConfig

    return str(HydraConfig.get().runtime.choices.get("agent", "agent"))
