"""The Hydra task function behind every CLI subcommand.

It must stay a module-level function: the joblib and submitit launchers
pickle it. It validates the config, opens the run directory, runs the job the
registry names for ``job.name`` and the env, and records how it ended
(completed | failed | interrupted)."""
from __future__ import annotations

import os
import signal
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from slicectl import registry
from slicectl.config.schema import validate
from slicectl.runner import checkpoint
from slicectl.errors import UserError
from slicectl.runner.rundir import RunDir


def _sigterm(signum, frame):
    raise KeyboardInterrupt


def task(cfg: DictConfig):
    run_dir = RunDir(HydraConfig.get().runtime.output_dir)
    started = False
    try:
        validate(OmegaConf.to_container(cfg, resolve=True))
        job = registry.job(str(cfg.job.name), str(cfg.env._target_))
        kwargs = {}
        if cfg.resume is not None:
            if job.resumable:
                # load before touching the run: a bad checkpoint leaves it as it was
                kwargs["resume"] = checkpoint.load(run_dir.checkpoints / "last.pt")
            # multi-phase jobs resume phase by phase (slicectl.runner.phases)
            run_dir.update(status="running", pid=os.getpid())
        else:
            stage = HydraConfig.get().runtime.choices.get("stage")
            run_dir.start(cfg.job.name, int(cfg.seed), str(cfg.device),
                          stage=int(stage) if stage and str(stage).isdigit() else None)
        started = True
        signal.signal(signal.SIGTERM, _sigterm)
        result = registry.resolve(job.run)(cfg, run_dir, **kwargs)
        run_dir.finish("completed")
        return result
    except UserError as exc:
        if started:
            run_dir.finish("failed", error=str(exc))
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        if started:
            run_dir.finish("interrupted")
        print(f"interrupted: resume with `slicectl train resume={run_dir.path}`", file=sys.stderr)
        sys.exit(130)
    except BaseException as exc:
        if started:
            run_dir.finish("failed", error=f"{type(exc).__name__}: {exc}")
        raise


main = hydra.main(config_path="pkg://slicectl.conf", config_name="config", version_base="1.3")(task)
