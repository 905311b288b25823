"""Objects from config: environments, agents, baselines; trusted targets only."""
from __future__ import annotations

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from slicectl.runner.errors import UserError

TRUSTED_PREFIXES = ("slicectl.",)


def check_targets(cfg: DictConfig, where: str = "") -> None:
    """Refuse any ``_target_`` outside slicectl's own modules (``os.system``...)."""
    node = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else cfg
    _walk_targets(node, where)


def _walk_targets(node, where: str) -> None:
    if isinstance(node, dict):
        t = node.get("_target_")
        if t is not None and not (isinstance(t, str) and t.startswith(TRUSTED_PREFIXES)):
            raise UserError(f"{where + '.' if where else ''}_target_: {t!r} is not in a trusted "
                            f"namespace ({', '.join(TRUSTED_PREFIXES)}); refused")
        for k, v in node.items():
            _walk_targets(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk_targets(v, f"{where}[{i}]")


def make_env(env_cfg: DictConfig, num_envs: int):
    check_targets(env_cfg, "env")
    return instantiate(env_cfg, num_envs=num_envs, _convert_="all")


def make_agent(agent_cfg: DictConfig, env, seed: int, device: str):
    check_targets(agent_cfg, "agent")
    obs_dim = env.observation_space.shape[0]
    n_actions = env.action_space.n
    return instantiate(agent_cfg, obs_dim=obs_dim, n_actions=n_actions, seed=seed,
                       device=device, _convert_="all")


def make_baseline(name_or_cfg, env, seed: int):
    check_targets(name_or_cfg, "baseline")
    return instantiate(name_or_cfg, env=env, seed=seed, _convert_="all")


def eval_seeds(cfg: DictConfig) -> list[int]:
    return [int(cfg.eval.seed_base) + i for i in range(int(cfg.eval.n_seeds))]
