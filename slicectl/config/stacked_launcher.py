"""``hydra/launcher=stacked``: a sweep's jobs that differ only in ``seed``
train in one process, as the members of one stacked agent.

    slicectl train -m seed=0,1,2,3,4 agent=dqn,ddqn hydra/launcher=stacked

The launcher groups the sweep's jobs by their overrides without ``seed``
(here two groups of five). Each job still gets its own run directory, set up
by Hydra as any launcher's job is (``.hydra/``, the job's log); a group of
`slicectl train` jobs whose agent can be stacked (the DQN family, TD3 and DDPG) then trains
together (``slicectl.jobs.train.run_stacked``), and every other job runs as
the basic launcher would run it. A run directory of a stacked member is
indistinguishable from a separate run's: ``report``, ``plot``,
``reproduce`` and ``train resume=`` read it as they read any (a member
resumed alone continues with its own, unstacked agent).

``hydra.launcher.n_jobs`` processes run at once (default -1: one per core;
1: everything in this process). The stacks and the other jobs are the
units spread over them (``config.processes``); while there are fewer units
than processes, the largest stack is halved, so five seeds of one config on
2 cores train as stacks of 3 and 2. The processes share the memory
available at launch: a stack whose members do not fit in its process's
share trains them a part at a time (``run_stacked``), as zhang2021's flat
networks need (5.5 GiB a member stacked; three of them and two more in the
other process exceeded 24 GiB and were killed).

Launched again into the same sweep directory (``hydra.sweep.dir=<dir>``, as
``reproduce`` does), the members that were interrupted (or killed: ``stale``)
resume together from their last.pt and the completed ones are left as they
are; the configs must be the ones the runs started with.
"""
from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from omegaconf import DictConfig, OmegaConf, open_dict

from slicectl.config import processes

log = logging.getLogger(__name__)
STACKABLE = {"slicectl.agents.dqn.DQNAgent", "slicectl.agents.td3.TD3Agent"}   # agents whose seeds stack (agents/stacked/)


# Hydra instantiates only plugins named under the ``hydra_plugins`` package,
# and its discovery of that package misses editable installs: this module is
# registered by hand (``register``) under that name.
PLUGIN_NAME = "hydra_plugins.slicectl_stacked"


@dataclass
class StackedLauncherConf:
    _target_: str = f"{PLUGIN_NAME}.StackedLauncher"
    n_jobs: int = -1   # processes at once: -1 one per core, 1 all in this process


def prepared(cfg: DictConfig) -> tuple[DictConfig, str, str]:
    """The task of a stacked job's first pass: Hydra has made its run
    directory; hand back its config, that directory and its agent's name."""
    hc = HydraConfig.get()
    return OmegaConf.create(OmegaConf.to_container(cfg)), hc.runtime.output_dir, \
        str(hc.runtime.choices.get("agent", "agent"))


class StackedLauncher(Launcher):
    def __init__(self, n_jobs: int = -1) -> None:
        super().__init__()
        self.config = self.task_function = self.hydra_context = None
        self.n_jobs = processes.count(n_jobs)

    def setup(self, *, hydra_context, task_function, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        groups: OrderedDict[tuple, list[int]] = OrderedDict()
        for i, overrides in enumerate(job_overrides):
            rest = tuple(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in ("seed", "resume"))
            groups.setdefault(rest, []).append(i)
        configs = [self._config(o, initial_job_idx + i) for i, o in enumerate(job_overrides)]
        units: list[tuple[bool, list[int]]] = []   # (stacked, jobs): a stack, or one job run as it is
        for members in groups.values():
            if all(_stackable(configs[i]) for i in members):
                units.append((True, members))
            else:
                units += [(False, [i]) for i in members]
        units = _spread(units, self.n_jobs)
        free = processes.memory_available()   # shared by the processes that run at once
        share = None if free is None else free // min(self.n_jobs, len(units))
        calls = [(run_unit, (self.hydra_context, self.task_function, self.config, stacked,
                             [configs[i] for i in unit], share)) for stacked, unit in units]
        if self.n_jobs == 1 or len(units) == 1:
            done = [fn(*args) for fn, args in calls]
        else:
            import cloudpickle

            state = cloudpickle.dumps(Singleton.get_state())
            done = processes.run_all([(_in_child, (state, fn, args)) for fn, args in calls], self.n_jobs)
        runs: list[JobReturn | None] = [None] * len(job_overrides)
        for (_, unit), rets in zip(units, done):
            for i, ret in zip(unit, rets):
                runs[i] = ret
        return runs

    def _config(self, overrides: Sequence[str], idx: int) -> DictConfig:
        log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        with open_dict(cfg):
            cfg.hydra.job.id = idx
            cfg.hydra.job.num = idx
        return cfg


def _spread(units: list[tuple[bool, list[int]]], n_jobs: int) -> list[tuple[bool, list[int]]]:
    """While there are fewer units than processes, halve the largest stack
    (the first half the larger). A stack of one is still a stack: launched
    again, it resumes its member as a stack resumes its members."""
    units = [(stacked, list(jobs)) for stacked, jobs in units]
    while len(units) < n_jobs:
        big = max(range(len(units)), key=lambda k: len(units[k][1]) if units[k][0] else 0)
        stacked, jobs = units[big]
        if not stacked or len(jobs) < 2:
            break
        half = (len(jobs) + 1) // 2
        units[big:big + 1] = [(True, jobs[:half]), (True, jobs[half:])]
    return units


def _in_child(state: bytes, fn, args: tuple):
    """A unit in a worker process: Hydra's global state first, as Hydra's
    joblib launcher restores it in its workers (it names this launcher by
    its plugin name, so that name must resolve before it is unpickled)."""
    import pickle

    sys.modules.setdefault(PLUGIN_NAME, sys.modules[__name__])
    setup_globals()
    Singleton.set_state(pickle.loads(state))
    return fn(*args)


def run_unit(hydra_context, task_function, config: DictConfig, stacked: bool,
             configs: list[DictConfig], max_bytes: int | None = None) -> list[JobReturn]:
    """One unit's jobs: a stack trains its members together (``run_members``:
    a member interrupted or killed resumes; no more of them at a time than
    fit in ``max_bytes``); any other job runs as the basic launcher runs it."""
    if not stacked:
        return [_run(hydra_context, config, c, task_function) for c in configs]
    for c in configs:
        if _status(_job_dir(c)) is not None:   # a run to resume: its first .hydra/ stays as it is
            with open_dict(c):
                c.hydra.output_subdir = ".hydra/resume"
    rets = [_run(hydra_context, config, c, prepared) for c in configs]
    cfgs, dirs, agents = zip(*(r.return_value for r in rets))
    results = run_members(list(cfgs), [Path(d) for d in dirs], agents[0], max_bytes)
    for ret, result in zip(rets, results):
        ret.return_value = result
    return rets


def _run(hydra_context, config: DictConfig, cfg: DictConfig, task) -> JobReturn:
    ret = run_job(hydra_context=hydra_context, task_function=task, config=cfg,
                  job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    return ret


def _job_dir(cfg: DictConfig) -> Path:
    return Path(str(OmegaConf.select(cfg, "hydra.sweep.dir"))) / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))


def _status(path: Path) -> str | None:
    from slicectl.runner.rundir import RunDir

    return RunDir(path).status() if (path / "manifest.json").is_file() else None


def _stackable(cfg: DictConfig) -> bool:
    return cfg.job.name == "train" and str(cfg.agent.get("_target_")) in STACKABLE


def run_members(cfgs: list[DictConfig], dirs: list[Path], agent_name: str,
                max_bytes: int | None = None) -> list:
    """What ``slicectl.config.task.task`` does for one run, for the members
    of a stack: validate each config, open each run (a resumed one from its
    last.pt), train them together and record how each ended. Each member's
    objective comes back, as a run's does (a sweeper reads it)."""
    from slicectl.config.schema import digest, validate
    from slicectl.config.interrupts import exits_as_cli
    from slicectl.errors import UserError
    from slicectl.jobs.train import run_stacked
    from slicectl.runner.lifecycle import running
    from slicectl.runner.objective import declared, final_value
    from slicectl.runner.rundir import RunDir
    from slicectl.runner.signals import interruptible

    runs = [RunDir(d) for d in dirs]
    hint = "resume each with `slicectl train resume=<run directory>`: " + " ".join(str(r.path) for r in runs)
    with exits_as_cli(runs[0].path, hint), interruptible():
        containers = [OmegaConf.to_container(c, resolve=True) for c in cfgs]
        for c in containers:
            validate(c)
        if len({digest({k: v for k, v in c.items() if k != "seed"}) for c in containers}) > 1:
            raise UserError("stacked runs differ in more than their seed; run them apart")
        statuses = [_status(run.path) for run in runs]
        for run, status, container in zip(runs, statuses, containers):
            if status not in (None, "completed", "interrupted", "stale"):
                raise UserError(f"{run.path} is {status}: remove it to run it again")
            if status is not None and run.manifest().get("config_sha256") != digest(container):
                raise UserError(f"{run.path}: the config differs from the one the run started with")
        todo = [i for i, status in enumerate(statuses) if status != "completed"]
        with ExitStack() as stack:
            states = [stack.enter_context(running(runs[i], "train", int(cfgs[i].seed), str(cfgs[i].device),
                                                  resume=statuses[i] is not None, load=True,
                                                  config_sha256=digest(containers[i]), stage=None))
                      for i in todo]
            for i in todo:
                print(f"run directory: {runs[i].path}")
            run_stacked([cfgs[i] for i in todo], [runs[i] for i in todo], states, agent_name, max_bytes)
        for i in todo:
            print(f"run directory: {runs[i].path}")
        metric, _ = declared(str(cfgs[0].env._target_))
        return [final_value(run.path, metric) for run in runs]


def register() -> None:
    """Make ``hydra/launcher=stacked`` a choice (Hydra's plugin discovery
    misses editable installs, so slicectl registers it itself)."""
    sys.modules.setdefault(PLUGIN_NAME, sys.modules[__name__])
    StackedLauncher.__module__ = PLUGIN_NAME
    Plugins.instance().register(StackedLauncher)
    ConfigStore.instance().store(group="hydra/launcher", name="stacked", node=StackedLauncherConf,
                                 provider="slicectl")
