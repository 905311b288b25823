"""The Hydra task function behind every CLI subcommand.

It must stay a module-level function: the joblib and submitit launchers
pickle it. It validates the config, opens the run directory, runs the job the
registry names for ``job.name`` and the env, and records how it ended
(completed | failed | interrupted).

It returns the run's objective (``runner.objective``: the env's metric in
the final evaluation), which is what a sweeper such as Optuna optimises;
``LAST_RUN`` holds the run directory of the last task this process ran
(``slicectl.api`` hands it back)."""
from __future__ import annotations

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from slicectl import registry
from slicectl.config.interrupts import exits_as_cli
from slicectl.config.schema import digest, validate
from slicectl.console import console
from slicectl.errors import UserError
from slicectl.runner.lifecycle import running
from slicectl.runner.objective import declared, final_value
from slicectl.runner.rundir import RunDir
from slicectl.runner.signals import interruptible


LAST_RUN: list[RunDir] = []


def _objective(cfg: DictConfig, run_dir: RunDir) -> float | None:
    """The run's objective; a sweep that optimises it (Optuna) fails the
    trial with a one-line reason where the run has none."""
    metric, _ = declared(str(cfg.env._target_))
    value = final_value(run_dir.path, metric)
    sweeper = str(OmegaConf.select(HydraConfig.get(), "sweeper._target_", default=""))
    if value is None and "optuna" in sweeper.lower():
        raise UserError(f"the {cfg.job.name} run has no final eval {metric}: nothing for the sweeper to optimise")
    return value


def task(cfg: DictConfig) -> float | None:
    run_dir = RunDir(HydraConfig.get().runtime.output_dir)
    LAST_RUN[:] = [run_dir]
    with exits_as_cli(run_dir.path, f"resume with `slicectl train resume={run_dir.path}`"), interruptible():
        container = OmegaConf.to_container(cfg, resolve=True)
        validate(container)
        job = registry.job(str(cfg.job.name), str(cfg.env._target_))
        stage = HydraConfig.get().runtime.choices.get("stage")
        with running(run_dir, str(cfg.job.name), int(cfg.seed), str(cfg.device),
                     resume=cfg.resume is not None, load=job.resumable, config_sha256=digest(container),
                     stage=int(stage) if stage and str(stage).isdigit() else None) as state:
            console.print(f"run directory: {run_dir.path}", soft_wrap=True)
            registry.resolve(job.run)(cfg, run_dir, **({"resume": state} if job.resumable else {}))
        console.print(f"run directory: {run_dir.path}", soft_wrap=True)
        return _objective(cfg, run_dir)


main = hydra.main(config_path="pkg://slicectl.conf", config_name="config", version_base="1.3")(task)
