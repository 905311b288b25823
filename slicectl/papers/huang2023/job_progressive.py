"""`slicectl progressive` (`train stage=3`), huang2023 stage III: the
slice-level agent over the frozen, greedy user-level agents of a stage-II
run. Progressive: first the simplified setting (no reallocation, heavier
penalty ``pipeline.simplified_penalty``), then the same networks in the
realistic one. For Fig. 4 and Table III, direct training in the realistic
setting from scratch, with this agent (H-TD3) and as DDPG (H-DDPG)."""
from __future__ import annotations

from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.console import console
from slicectl.papers.huang2023 import stages as hs
from slicectl.runner.build import eval_seeds, make_agent, make_env
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir, eval_rows


def slice_envs(cfg: DictConfig, user_agents: list, n: int, **changes):
    """Training and evaluation slice-level envs driven by ``user_agents``."""
    env_cfg = OmegaConf.merge(cfg.env, changes)
    envs = [make_env(env_cfg, k) for k in (n, len(eval_seeds(cfg)))]
    for env in envs:
        env.set_user_policies([hs.greedy(a) for a in user_agents])
    return envs


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    src = hs.resolve_init(cfg, stage=3)
    run_dir.update(init_from=str(src.path))
    seed, device, p = int(cfg.seed), str(cfg.device), cfg.pipeline
    seeds = eval_seeds(cfg)
    users, user_cfg, user_envs = hs.load_user_agents(src, cfg.env, seed, device)

    def budget(steps: int) -> Budget:
        return Budget(int(steps), int(cfg.train.eval_every), int(cfg.eval.steps), seeds)

    simple, simple_eval = slice_envs(cfg, users, int(cfg.train.num_envs), realloc=False,
                                     realloc_penalty=float(p.simplified_penalty))
    real, real_eval = slice_envs(cfg, users, int(cfg.train.num_envs))
    agent = make_agent(cfg.agent, simple, seed, device)
    run_phase(run_dir, "simplified", simple, agent, simple_eval, budget(p.simplified_steps), seed)
    agent = hs.continued(cfg.agent, real, agent, seed, device)
    final = {"progressive": run_phase(run_dir, "realistic", real, agent, real_eval,
                                      budget(p.realistic_steps), seed)}
    agents, cfgs = {"progressive": agent}, {"progressive": cfg.agent}
    if int(p.direct_steps) > 0:
        for name, agent_cfg in (("direct", cfg.agent), ("direct_ddpg", hs.ddpg_variant(cfg.agent))):
            direct = make_agent(agent_cfg, real, seed, device)
            final[name] = run_phase(run_dir, name, real, direct, real_eval, budget(p.direct_steps), seed)
            agents[name], cfgs[name] = direct, agent_cfg
    hs.save_user_agents(run_dir, users, user_envs, user_cfg)
    hs.save_slice_agents(run_dir, agents, cfgs)
    console.print(fig4_table(final, run_dir))
    summary = {k: {m: sum(v) / len(v) for m, v in res.items()} for k, res in final.items()}
    run_dir.update(final=summary)
    return summary


def fig4_table(final: dict, run_dir: RunDir) -> Table:
    t = Table(title="Fig. 4: slice-level training, progressive vs direct (realistic setting; "
                    "mean eval reward per decision)")
    for col in ("agent", "first eval", "best eval", "final eval", "env steps"):
        t.add_column(col, justify="right")
    for name in final:
        phase = "realistic" if name == "progressive" else name
        ev = eval_rows(run_dir.path / phase)
        t.add_row(name, f"{ev.reward.iloc[0]:.2f}", f"{ev.reward.max():.2f}",
                  f"{ev.reward.iloc[-1]:.2f}", str(int(ev.env_steps.iloc[-1])))
    return t
