"""`slicectl collaborative` (`train stage=4`), huang2023 stage IV: starting
from a stage-III run, ``pipeline.rounds`` alternations of (a) the slice-level
agent trained over the frozen greedy user agents, then (b) each slice's
user-level agent trained inside the running system, the slice agent and the
other user agents frozen and greedy. Ends with Table III."""
from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from slicectl.console import console
from slicectl.papers.huang2023 import stages as hs
from slicectl.runner.build import eval_seeds, make_env
from slicectl.papers.huang2023.table import summary, table_iii
from slicectl.papers.huang2023.job_progressive import slice_envs
from slicectl.runner.loop import Budget
from slicectl.runner.phases import run_phase
from slicectl.runner.rundir import RunDir

IN_SYSTEM = "slicectl.papers.huang2023.system.HuangUserInSystemBatchEnv"


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    src = hs.resolve_init(cfg, stage=4)
    run_dir.update(init_from=str(src.path))
    seed, device, p = int(cfg.seed), str(cfg.device), cfg.pipeline
    seeds, n = eval_seeds(cfg), int(cfg.train.num_envs)
    pre_users, user_cfg, user_envs = hs.load_user_agents(src, cfg.env, seed, device)
    users = list(pre_users)
    env, eval_env = slice_envs(cfg, users, n)
    slice_agents, slice_cfgs = hs.load_slice_agents(src, env, seed, device)
    agent = slice_agents["progressive"]

    def budget(steps: int) -> Budget:
        return Budget(int(steps), int(cfg.train.eval_every), int(cfg.eval.steps), seeds)

    for r in range(int(p.rounds)):
        env, eval_env = slice_envs(cfg, users, n)
        agent = hs.continued(cfg.agent, env, agent, seed + r, device)
        run_phase(run_dir, f"round{r}_slice", env, agent, eval_env, budget(p.slice_steps), seed + r)
        for i in range(len(users)):
            user_env_cfg = OmegaConf.create({**OmegaConf.to_container(cfg.env, resolve=True),
                                             "_target_": IN_SYSTEM, "learner": i})
            u_env, u_eval = make_env(user_env_cfg, n), make_env(user_env_cfg, len(seeds))
            for e in (u_env, u_eval):
                e.outer.set_user_policies([hs.greedy(a) for a in users])
                e.slice_policy = hs.greedy(agent)
            users[i] = hs.continued(user_cfg, u_env, users[i], seed + r, device)
            # user-level evaluations are episodes of user steps
            run_phase(run_dir, f"round{r}_user{i}", u_env, users[i], u_eval,
                      Budget(int(p.user_steps), int(cfg.train.eval_every),
                             int(cfg.env.episode_steps), seeds), seed + r)
    slice_agents["collaborative"] = agent
    slice_cfgs["collaborative"] = cfg.agent
    hs.save_user_agents(run_dir, users, user_envs, user_cfg)
    hs.save_slice_agents(run_dir, slice_agents, slice_cfgs)

    tables, lines, data = summary(table_iii(cfg, pre_users, users, slice_agents, seed))
    for t in tables:
        console.print(t)
    for line in lines:
        console.print(line)
    run_dir.update(final={"table_iii": data})
    return {"table_iii": data}
