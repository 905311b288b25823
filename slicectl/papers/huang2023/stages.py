"""What huang2023's stage jobs share: finding the run a stage starts from
(``init_from=<dir>|latest``), the per-slice user-level env configs, the
artefacts a stage hands to the next, and greedy policies of frozen agents.

Artefacts (``checkpoints/`` of a stage's run):
    user_agents.pt   stage II onwards: per slice, the user-level agent's
                     networks, its env config and the agent config
    slice_agents.pt  stage III onwards: the slice-level agents by name
                     (``progressive``, ``direct``, ``direct_ddpg``,
                     ``collaborative``) and the agent configs
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from slicectl.runner.build import make_agent, make_env
from slicectl.runner import checkpoint
from slicectl.console import console
from slicectl.errors import UserError
from slicectl.runner.finder import completed, find_run
from slicectl.runner.rundir import RunDir

USER_ENV = "slicectl.papers.huang2023.user_env.HuangUserBatchEnv"


def resolve_init(cfg: DictConfig, stage: int, outputs: Path = Path("outputs")) -> RunDir:
    """The completed run of stage ``stage - 1`` this stage starts from, whose
    networks mean the same thing here (see incompatible)."""
    want = stage - 1

    def accept(run: RunDir) -> str | None:
        got = run.manifest().get("stage")
        if got != want:
            return f"it is a stage-{got} run; stage {stage} needs a stage-{want} run"
        return incompatible(cfg, run, stage) or completed(run)

    if cfg.init_from is None:
        raise UserError(f"stage {stage} starts from a stage-{want} run: set init_from=<run dir> "
                        "or init_from=latest")
    return find_run(cfg.init_from, "init_from", f"completed stage-{want} run", accept, outputs)


def user_agents_run(cfg: DictConfig, outputs: Path = Path("outputs")) -> RunDir | None:
    """For `eval` on the slice level: the run whose user-level agents drive
    the slices (``init_from``: a stage 2-4 run, or latest); None: equal split."""
    def accept(run: RunDir) -> str | None:
        if not (run.checkpoints / "user_agents.pt").is_file():
            return "it has no user-level agents (a stage 2-4 run has)"
        return completed(run)

    if cfg.init_from is None:
        return None
    return find_run(cfg.init_from, "init_from", "completed stage 2-4 run with user-level agents",
                    accept, outputs)


def incompatible(cfg: DictConfig, run: RunDir, stage: int) -> str | None:
    """Why a source's networks would not mean the same thing here (None: they would)."""
    src = OmegaConf.load(run.path / ".hydra" / "config.yaml").env
    user_here = cfg.env.user
    for key in ("action_mode", "resource"):
        theirs = src[key] if stage == 2 else src.user[key]
        if theirs != user_here[key]:
            where = "env" if stage == 2 else "env.user"
            return f"it was trained with {where}.{key}={theirs}, this stage has env.user.{key}={user_here[key]}"
    if stage > 2 and [slice_users(src, i) for i in range(len(src.slices))] \
            != [slice_users(cfg.env, i) for i in range(len(cfg.env.slices))]:
        return "it has other slices (users per slice) than this stage"
    return None


def slice_users(env_cfg: DictConfig, i: int) -> int:
    return int(env_cfg.slices[i].get("n_users", env_cfg.user.n_users))


def user_env_cfg(stage1_env: DictConfig, slice_env: DictConfig, i: int) -> DictConfig:
    """Slice i standalone (stage II): stage I's episode and budget keys, the
    system's model keys, slice i's own."""
    episode = {k: stage1_env[k] for k in ("episode_steps", "tau", "z_range")}
    plain = [OmegaConf.to_container(c, resolve=True) for c in (slice_env.user, slice_env.slices[i])]
    return OmegaConf.create({**plain[0], **plain[1], **episode, "_target_": USER_ENV, "num_envs": 1})


def save_user_agents(run: RunDir, agents: list, env_cfgs: list, agent_cfg: DictConfig) -> None:
    checkpoint.save(run.checkpoints / "user_agents.pt", {
        "agent_cfg": OmegaConf.to_container(agent_cfg, resolve=True),
        "env_cfgs": [OmegaConf.to_container(c, resolve=True) for c in env_cfgs],
        "agents": [_weights(a) for a in agents]})


def load_user_agents(run: RunDir, slice_env_cfg: DictConfig, seed: int, device: str):
    """The user-level agents of ``run`` (a stage II-IV run), each built on a
    standalone env of its slice; returns (agents, agent_cfg, env_cfgs)."""
    path = run.checkpoints / "user_agents.pt"
    art = checkpoint.load(path)
    agent_cfg = OmegaConf.create(art["agent_cfg"])
    agents = []
    for i, (env_cfg, weights) in enumerate(zip(art["env_cfgs"], art["agents"])):
        env = make_env(OmegaConf.create(env_cfg), 1)
        agent = make_agent(agent_cfg, env, seed + i, device)
        checkpoint.restore(agent, weights, path, weights_only=True)
        agent.random_warmup = False
        agents.append(agent)
    if len(agents) != len(slice_env_cfg.slices):
        raise UserError(f"init_from: {run.path} has {len(agents)} user agents for "
                        f"{len(slice_env_cfg.slices)} slices")
    return agents, agent_cfg, [OmegaConf.create(c) for c in art["env_cfgs"]]


def save_slice_agents(run: RunDir, agents: dict, agent_cfgs: dict) -> None:
    checkpoint.save(run.checkpoints / "slice_agents.pt", {
        "agent_cfgs": {k: OmegaConf.to_container(c, resolve=True) for k, c in agent_cfgs.items()},
        "agents": {k: _weights(a) for k, a in agents.items()}})


def load_slice_agents(run: RunDir, env, seed: int, device: str) -> tuple[dict, dict]:
    path = run.checkpoints / "slice_agents.pt"
    art = checkpoint.load(path)
    agents, cfgs = {}, {}
    for name, weights in art["agents"].items():
        cfgs[name] = OmegaConf.create(art["agent_cfgs"][name])
        agents[name] = make_agent(cfgs[name], env, seed, device)
        checkpoint.restore(agents[name], weights, path, weights_only=True)
        agents[name].random_warmup = False
    return agents, cfgs


def greedy(agent):
    """A frozen agent as a policy callable obs -> env action."""
    return lambda obs: agent.act(np.asarray(obs, dtype=np.float32), explore=False)


def ddpg_variant(agent_cfg: DictConfig) -> DictConfig:
    """The same agent as DDPG (conf/agent/ddpg.yaml's differences from TD3)."""
    from importlib.resources import files

    delta = OmegaConf.load(str(files("slicectl.conf") / "agent" / "ddpg.yaml"))
    delta.pop("defaults", None)
    return OmegaConf.merge(agent_cfg, delta)


def continued(agent_cfg: DictConfig, env, source, seed: int, device: str):
    """A fresh agent (new optimiser and replay) holding ``source``'s networks."""
    agent = make_agent(agent_cfg, env, seed, device)
    agent.load_state_dict(_weights(source), weights_only=True)
    warm_start(agent)
    return agent


def warm_start(agent) -> None:
    """A trained agent acts with its own policy at once and starts learning
    as soon as the replay holds one batch."""
    agent.random_warmup = False
    agent.learning_starts = min(agent.learning_starts, agent.batch_size)


def _weights(agent) -> dict:
    s = agent.state_dict()
    return {k: s[k] for k in ("actor", "actor_target", "critic", "critic_target")}


def setup_eval(env, cfg: DictConfig, run_dir: RunDir) -> None:
    """`eval --baseline` on the slice level: the user-level agents of
    init_from (a stage 2-4 run, or latest) drive the slices; without
    init_from, every slice's users get an equal split."""
    users = user_agents_run(cfg)
    if users is None:
        console.print("init_from is not set: each slice's users share its budget equally "
                      "(init_from=latest uses the user-level agents of a stage 2-4 run)")
    else:
        agents = load_user_agents(users, cfg.env, int(cfg.seed), str(cfg.device))[0]
        env.set_user_policies([greedy(a) for a in agents])
        run_dir.update(init_from=str(users.path))
