"""`slicectl train stage=all`: huang2023's four stages in one run directory,
one sub-folder per stage (``stage1/`` … ``stage4/``), each stage starting
from the previous one. Every stage is composed exactly as ``train stage=N``
with the same command-line overrides, so a stage run alone and inside the
pipeline are the same run. Completed stages are skipped on resume."""
from __future__ import annotations

from pathlib import Path

from hydra import compose
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from slicectl import registry
from slicectl.console import console
from slicectl.config.compose import override_key
from slicectl.config.schema import validate
from slicectl.runner.lifecycle import is_completed, running
from slicectl.runner.rundir import RunDir

DROP = ("stage", "init_from", "resume", "job")


def run(cfg: DictConfig, run_dir: RunDir) -> dict:
    given = [o for o in HydraConfig.get().overrides.task if override_key(o) not in DROP]
    prev: Path | None = None
    results = {}
    for n in (1, 2, 3, 4):
        sub_cfg = compose("config", overrides=[*given, f"stage='{n}'",
                                               *([f"init_from={prev}"] if prev else [])])
        validate(OmegaConf.to_container(sub_cfg, resolve=True))
        sub = RunDir(run_dir.path / f"stage{n}")
        if is_completed(sub):
            console.print(f"stage {n}: completed earlier, kept ({sub.path})")
            prev = sub.path
            continue
        job = registry.job(str(sub_cfg.job.name), str(sub_cfg.env._target_))
        resume = sub.manifest_path.is_file()
        with running(sub, str(sub_cfg.job.name), int(sub_cfg.seed), str(sub_cfg.device), resume=resume,
                     load=job.resumable, stage=n) as state:
            if not resume:
                (sub.path / ".hydra").mkdir(exist_ok=True)
                OmegaConf.save(sub_cfg, sub.path / ".hydra" / "config.yaml", resolve=True)
            console.rule(f"stage {n}: {sub_cfg.job.name}")
            results[f"stage{n}"] = registry.resolve(job.run)(sub_cfg, sub, **(
                {"resume": state} if job.resumable else {}))
        prev = sub.path
    return results
