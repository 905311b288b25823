"""What papers declare, and where the core looks it up.

A paper is a package (``slicectl/papers/<key>/``, or a third-party package
named by the ``slicectl.papers`` entry point group or the
``SLICECTL_PAPERS`` environment variable, comma-separated module names).
Its ``__init__.py`` calls :func:`paper` once and then the ``add_*``
functions below; everything it declares is a plain record whose callables
are ``"module:attribute"`` strings, imported only when used, so that
loading every paper costs a few imports of small modules.

The core (CLI, validation, dispatch, ``eval --baseline``, report, plot)
reads these tables and never imports a paper by name. This module imports
nothing else of slicectl: it is the floor everything stands on.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable

ENTRY_POINT_GROUP = "slicectl.papers"
ENV_VAR = "SLICECTL_PAPERS"


@dataclass(frozen=True)
class Paper:
    key: str                     # one short key: package, experiment preset, docs
    title: str
    authors: str = ""
    venue: str = ""
    module: str = ""             # the package that declared it
    conf: str | None = None      # a Hydra config dir of its own ("pkg://module.conf"); None: slicectl's conf/


@dataclass(frozen=True)
class Job:
    """What ``job=<name>`` runs. Two papers may share a name (``transfer``)
    for different envs: the env's target picks the one that runs."""
    name: str                    # conf/job/<name>.yaml
    paper: str | None            # None: a core job (train, eval)
    run: str                     # "module:function", called as run(cfg, run_dir[, resume=state])
    envs: tuple[str, ...] = ()   # env targets (class paths) it accepts; (): any
    resumable: bool = False      # run(..., resume=<last.pt state>) continues a run
    trains_agent: bool = False   # trains the configured agent on the configured env: kinds must match
    check: str | None = None     # "module:function(cfg, root)": the paper's own cross-key checks
    reads: tuple[str, ...] = ()  # the root keys of OPTIONAL_KEYS it reads (`--cfg job` shows only those)


# Root keys (conf/config.yaml) that only some jobs read; a job declares which (Job.reads)
OPTIONAL_KEYS = ("resume", "run_dir", "checkpoint", "init_from", "teacher", "dataset", "method", "source")


@dataclass(frozen=True)
class Command:
    """A CLI subcommand: runs ``job`` with ``prefix`` overrides before the
    user's (a prefix key the user sets is left out). Variants of one name
    are told apart by the env the user names (``when_env``)."""
    name: str
    job: str
    help: str
    paper: str | None = None
    prefix: tuple[str, ...] = ()
    when_env: tuple[str, ...] = ()   # env options (conf/env/<name>) this variant is for; (): default


@dataclass(frozen=True)
class Env:
    name: str                    # conf/env/<name>.yaml
    target: str                  # the batch env class ("module.Class", as in _target_)
    schema: str                  # "module:Model", the pydantic schema of its config group
    paper: str | None = None
    gym: dict[str, str] = field(default_factory=dict)   # Gymnasium id -> "module:Class"
    agent: str | None = None     # the agent option an env implies when none is given (hu: td3)
    stacked_agents: bool = False  # one agent per cell, stacked (agents=K)
    setup: str | None = None     # "module:function(env, cfg, run_dir)": readies the env for `eval --baseline`


@dataclass(frozen=True)
class Baseline:
    name: str                    # --baseline <name>
    target: str                  # "module:factory", called as factory(env, seed, **options)
    env: str | None = None       # the env target it belongs to; None: any env
    paper: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Figure:
    name: str
    paper: str
    detect: str                  # "module:function": runs -> bool, these runs are this paper's
    report: str | None = None    # "module:function(runs)": print the paper's table instead of the generic one
    plot: str | None = None      # "module:function(runs, out_dir)": draw the paper's figures; returns the first path
    curves: bool = True          # the generic learning curves too (False: the paper's figures only)


@dataclass
class Registry:
    papers: dict[str, Paper] = field(default_factory=dict)
    jobs: dict[str, list[Job]] = field(default_factory=dict)
    commands: dict[str, list[Command]] = field(default_factory=dict)
    envs: dict[str, Env] = field(default_factory=dict)           # by target
    baselines: dict[tuple[str, str | None], Baseline] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)         # agent target -> "module:Schema"
    sections: dict[str, str] = field(default_factory=dict)       # top-level config key -> "module:Schema"
    figures: list[Figure] = field(default_factory=list)
    targets: set[str] = field(default_factory=set)               # every other callable a config may name
    loaded: bool = False


REGISTRY = Registry()
_current: list[str | None] = [None]   # the paper whose __init__ is running


def paper(key: str, title: str, authors: str = "", venue: str = "", conf: str | None = None) -> None:
    """Open a paper's declarations: what follows in its ``__init__`` belongs to it."""
    if key in REGISTRY.papers:
        raise ValueError(f"paper {key!r} is declared twice")
    module = _caller_module()
    REGISTRY.papers[key] = Paper(key, title, authors, venue, module, conf)
    _current[0] = key


def add_job(name: str, run: str, envs: tuple[str, ...] = (), resumable: bool = False,
            trains_agent: bool = False, check: str | None = None, reads: tuple[str, ...] = ()) -> None:
    variants = REGISTRY.jobs.setdefault(name, [])
    if any(not j.envs or set(j.envs) & set(envs) for j in variants) or (variants and not envs):
        raise ValueError(f"job {name!r} is declared twice for the same env")
    unknown = set(reads) - set(OPTIONAL_KEYS)
    if unknown:
        raise ValueError(f"job {name!r} reads {sorted(unknown)}: not among {OPTIONAL_KEYS}")
    variants.append(Job(name, _current[0], run, tuple(envs), resumable, trains_agent, check, tuple(reads)))


def add_command(name: str, job: str, help: str, prefix: tuple[str, ...] = (),
                when_env: tuple[str, ...] = ()) -> None:
    REGISTRY.commands.setdefault(name, []).append(
        Command(name, job, help, _current[0], tuple(prefix), tuple(when_env)))


def add_env(name: str, target: str, schema: str, gym: dict[str, str] | None = None,
            agent: str | None = None, stacked_agents: bool = False) -> None:
    REGISTRY.envs[target] = Env(name, target, schema, _current[0], dict(gym or {}), agent,
                                stacked_agents)


def add_env_setup(target: str, setup: str) -> None:
    """What ``eval --baseline`` does to this env before building the baseline
    (huang2023's slice level installs the user-level agents it runs over)."""
    from dataclasses import replace

    REGISTRY.envs[target] = replace(REGISTRY.envs[target], setup=setup)


def add_baseline(name: str, target: str, env: str | None = None, help: str = "") -> None:
    """``--baseline name``; with ``env``, the version of it for that env."""
    REGISTRY.baselines[(name, env)] = Baseline(name, target, env, _current[0], help)


def add_agent(target: str, schema: str) -> None:
    REGISTRY.agents[target] = schema


def add_section(key: str, schema: str) -> None:
    """A top-level config section (``twin:``, ``bidding:``...) and its schema."""
    if key in REGISTRY.sections:
        raise ValueError(f"config section {key!r} is declared twice")
    REGISTRY.sections[key] = schema


def add_figures(name: str, detect: str, report: str | None = None, plot: str | None = None,
                curves: bool = True) -> None:
    """A paper's tables and figures, for runs that ``detect(runs)`` says are its own."""
    REGISTRY.figures.append(Figure(name, _current[0], detect, report, plot, curves))


def add_targets(*targets: str) -> None:
    """Callables (``module.attr``) a config may name in ``_target_`` besides
    envs, agents and baselines."""
    REGISTRY.targets.update(targets)


# ------------------------------------------------------------------ lookup
def load() -> Registry:
    """Import the core's declarations and every paper once."""
    if REGISTRY.loaded:
        return REGISTRY
    REGISTRY.loaded = True
    for module in ("slicectl.jobs", "slicectl.agents", "slicectl.baselines", "slicectl.sim"):
        _declare(module)
    pkg = importlib.import_module("slicectl.papers")
    names = [f"slicectl.papers.{m.name}" for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg]
    names += [ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)]
    names += [n.strip() for n in os.environ.get(ENV_VAR, "").split(",") if n.strip()]
    for name in names:
        _declare(name)
    return REGISTRY


def _declare(module: str) -> None:
    _current[0] = None
    importlib.import_module(module)
    _current[0] = None


def resolve(ref: str) -> Any:
    """``"module:attr"`` (or ``"module.attr"``) -> the object."""
    module, sep, attr = ref.partition(":")
    if not sep:
        module, _, attr = ref.rpartition(".")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def job_names() -> list[str]:
    return sorted(load().jobs)


def job_variants(name: str) -> list[Job]:
    return load().jobs.get(name, [])


def job(name: str, env_target: str | None) -> Job | None:
    """The job ``name`` that runs on this env (None: none accepts it)."""
    return next((j for j in job_variants(name) if not j.envs or env_target in j.envs), None)


def command(name: str, env_option: str | None) -> Command:
    """The variant of subcommand ``name`` for the env the user named."""
    variants = load().commands[name]
    return next((c for c in variants if env_option in c.when_env),
                next(c for c in variants if not c.when_env))


def env_name(target: str) -> str:
    env = load().envs.get(target)
    return env.name if env else target.rsplit(".", 1)[-1]


def env_by_name(name: str) -> Env | None:
    return next((e for e in load().envs.values() if e.name == name), None)


def baseline(name: str, env_target: str | None) -> Baseline | None:
    """The baseline ``name`` for an env: its own version, else the generic one."""
    reg = load()
    return reg.baselines.get((name, env_target)) or reg.baselines.get((name, None))


def baseline_env(name: str) -> str | None:
    """The env a baseline runs on when none is named: None for one with a
    generic version (random), else the env of its first declared version
    (admm: huang_slice; greedy: iiot; oracle: the core's RAN)."""
    versions = [b for (n, _), b in load().baselines.items() if n == name]
    if not versions or any(b.env is None for b in versions):
        return None
    return env_name(versions[0].env)


def baseline_names() -> list[str]:
    return sorted({name for name, _ in load().baselines})


def trusted_targets() -> set[str]:
    """Every callable a config's ``_target_`` may name, as ``module.Class``:
    the registered envs and agents and the targets papers add."""
    reg = load()
    return set(reg.envs) | set(reg.agents) | {t.replace(":", ".") for t in reg.targets}


def figures_for(runs) -> Figure | None:
    """The paper figures that claim these runs, if any."""
    return next((f for f in load().figures if resolve(f.detect)(runs)), None)


def search_path() -> list[str]:
    """Config dirs of papers that bring their own (third-party papers)."""
    return [p.conf for p in load().papers.values() if p.conf]


def _caller_module() -> str:
    import inspect

    frame = inspect.currentframe()
    caller = frame.f_back.f_back if frame and frame.f_back else None
    return str(caller.f_globals.get("__name__", "")) if caller else ""
