"""`slicectl eval`: a baseline (``--baseline NAME``) or a trained run
(``run_dir=DIR``) on the fixed evaluation seeds; per-seed rows to
metrics.csv, mean ± 95% CI printed.

A trained run is evaluated in the env it was trained in, with the ``env.*``
overrides given on the command line on top: another traffic mix, more users,
another radio, other evaluation seeds (``eval.seed_base``) — how
generalisation is tested. The output and the manifest (``env_shift``) name
every setting that differs from training. Overrides that change the env
itself (``env=`` another one) or its observation or action space, and any
agent setting, are refused."""
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
        env_cfg, shift = shifted_env(cfg, train_cfg, len(seeds))
        env = make_env(env_cfg, len(seeds))
        policy = make_agent(train_cfg.agent, env, int(cfg.seed), str(cfg.device))
        path = src.checkpoints / f"{cfg.checkpoint}.pt"
        checkpoint.restore(policy, checkpoint.load(path).get("agent"), path, weights_only=True)
        name = f"{src.path.name} ({cfg.checkpoint}.pt)"
        run_dir.update(init_from=str(src.path), env_shift={k: list(v) for k, v in shift.items()})
        if shift:
            console.print("evaluated with env settings that differ from training: " + ", ".join(
                f"{k}: {a} -> {b}" for k, (a, b) in shift.items()), soft_wrap=True)
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


def shifted_env(cfg: DictConfig, train_cfg: DictConfig, num_envs: int) -> tuple[DictConfig, dict]:
    """The training env with this command's ``env.*`` overrides on top, and
    {key: (training value, evaluation value)} for those that differ."""
    from hydra.core.hydra_config import HydraConfig

    given = list(HydraConfig.get().overrides.task)  # validated: each value is valid for this env
    keys = [o.split("=", 1)[0].lstrip("+~") for o in given]
    fixed = [k for k in keys if k in ("agent", "experiment") or k.startswith("agent.")]
    if fixed:
        raise UserError(f"eval run_dir=: {fixed[0]} cannot change; a trained run is evaluated with its own agent")
    trained_target = str(train_cfg.env._target_)
    if "env" in keys and str(cfg.env._target_) != trained_target:
        raise UserError(f"eval run_dir=: the run was trained on env {registry.env_name(trained_target)}; "
                        f"env={registry.env_name(str(cfg.env._target_))} is another env")
    env_cfg = OmegaConf.create(OmegaConf.to_container(train_cfg.env, resolve=False))
    shift = {}
    for o, key in zip(given, keys):
        if not key.startswith("env."):
            continue
        if o.startswith(("~", "+")):
            raise UserError(f"eval run_dir=: {o}: only existing env settings can change")
        sub = key.removeprefix("env.")
        before, after = _plain(OmegaConf.select(train_cfg.env, sub)), _plain(OmegaConf.select(cfg.env, sub))
        OmegaConf.update(env_cfg, sub, after, merge=False)
        if before != after:
            shift[key] = (before, after)
    if shift:
        merged = OmegaConf.merge(train_cfg, {"env": env_cfg})
        trained = make_env(train_cfg.env, 1)
        try:
            shifted = make_env(merged.env, 1)
        except Exception as exc:  # noqa: BLE001 - the env's own consistency checks
            raise UserError(f"eval run_dir=: {', '.join(shift)} do not fit the trained env: "
                            f"{str(exc).strip().splitlines()[0]}") from None
        for space in ("observation_space", "action_space"):
            if getattr(trained, space) != getattr(shifted, space):
                raise UserError(f"eval run_dir=: {', '.join(shift)} changes the env's "
                                f"{space.replace('_', ' ')}; the trained agent cannot act in it")
        env_cfg = merged.env
    else:
        env_cfg = train_cfg.env
    return env_cfg, shift


def _plain(value):
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


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
