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
from slicectl.agents.stacked import stack_agents, stacked_bytes
from slicectl.runner.loop import Budget, Member, train, train_members
from slicectl.runner.rundir import RunDir

log = logging.getLogger(__name__)


def run(cfg: DictConfig, run_dir: RunDir, resume: dict | None = None) -> dict:
    """Train (or continue, given the ``resume`` checkpoint of ``run_dir``)."""
    env, eval_env, agent, budget = _build(cfg)
    if resume is None:
        run_dir.update(init_from=None)
    last = train(env, agent, eval_env, budget, run_dir, int(cfg.seed), resume=resume,
                 label=f"train {_agent_name()}")
    return _finish(cfg, run_dir, agent, eval_env, budget, last)


def run_stacked(cfgs: list[DictConfig], run_dirs: list[RunDir], resumes: list[dict | None],
                agent_name: str = "agent", max_bytes: int | None = None) -> list[dict]:
    """Seeds of one config trained in one process (``hydra/launcher=stacked``):
    one member per config, each writing its own run directory as ``run``
    would. As many members are built and stacked at a time as fit in
    ``max_bytes`` (this process's share of the memory; ``stacked_bytes``
    says what a member takes), the next ones after them. Agents that cannot
    be stacked, and members resumed from different steps (a kill between two
    members' checkpoints), train one after the other."""
    for run_dir, resume in zip(run_dirs, resumes):
        if resume is None:
            run_dir.update(init_from=None)
    first = _build(cfgs[0])
    n, k = len(cfgs), len(cfgs)
    if max_bytes is not None and n > 1:
        need = stacked_bytes(first[2])
        k = max(1, min(n, max_bytes // need))
        if k < n:
            console.print(f"stacking {k} of {n} seeds at a time: a member takes about {need / 2**30:.1f} GiB "
                          f"stacked, and this process has {max_bytes / 2**30:.1f} GiB")
    done: list[dict] = []
    for lo in range(0, n, k):
        built = [first] if lo == 0 else []
        first = None   # the first part owns it now: freed with it
        built += [_build(cfg) for cfg in cfgs[lo + len(built):lo + k]]
        done += _train_part(cfgs[lo:lo + k], run_dirs[lo:lo + k], resumes[lo:lo + k], built, agent_name)
        del built
    return done


def _train_part(cfgs, run_dirs, resumes, built, agent_name: str) -> list[dict]:
    """Built members trained as one stack, or one after the other (see ``run_stacked``)."""
    at = {resume["counters"]["env_steps"] if resume else 0 for resume in resumes}
    stack = stack_agents([agent for _, _, agent, _ in built]) if len(at) == 1 else None
    if stack is None:
        return [_finish(cfg, rd, agent, eval_env, budget,
                        train(env, agent, eval_env, budget, rd, int(cfg.seed), resume=st,
                              label=f"train {agent_name} seed {cfg.seed}"))
                for cfg, rd, st, (env, eval_env, agent, budget) in zip(cfgs, run_dirs, resumes, built)]
    members = [Member(env, eval_env, rd, int(cfg.seed), st)
               for cfg, rd, st, (env, eval_env, _, _) in zip(cfgs, run_dirs, resumes, built)]
    lasts = train_members(members, stack, built[0][3], label=f"train {agent_name} × {len(members)} seeds")
    return [_finish(cfg, m.run, agent, m.eval_env, budget, last)
            for cfg, m, (_, _, agent, budget), last in zip(cfgs, members, built, lasts)]


def _build(cfg: DictConfig):
    seeds = eval_seeds(cfg)
    env = make_env(cfg.env, int(cfg.train.num_envs))
    eval_env = make_env(cfg.env, len(seeds))
    agent = make_agent(cfg.agent, env, int(cfg.seed), str(cfg.device))
    every = cfg.train.checkpoint_every
    budget = Budget(total_steps=int(cfg.train.total_steps), eval_every=int(cfg.train.eval_every),
                    eval_steps=int(cfg.eval.steps), eval_seeds=seeds,
                    checkpoint_every=None if every is None else int(every), keep_last=bool(cfg.train.keep_last))
    return env, eval_env, agent, budget


def _finish(cfg: DictConfig, run_dir: RunDir, agent, eval_env, budget: Budget, last: dict) -> dict:
    """Compare the trained agent with ``eval.compare``'s baselines on the
    evaluation seeds; the loop's last evaluation is of the final agent on
    these seeds, unless a resumed run had nothing left to do."""
    shown = "utility" if "utility" in eval_env.metric_names else getattr(eval_env, "objective", "reward")
    seeds = budget.eval_seeds
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
