"""Command-line overrides checked before Hydra runs: every combination of a
sweep is composed and validated, so a bad key or value is one line (with a
suggestion) and nothing starts."""
from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from omegaconf import OmegaConf

from slicectl.config.schema import did_you_mean, validate
from slicectl.errors import UserError

def override_key(override: str) -> str:
    """The key an override sets: ``+agent.lr=1`` and ``~agent.lr`` both name ``agent.lr``."""
    return override.split("=", 1)[0].lstrip("+~")


def _conf_dirs():
    from slicectl import registry

    return [files(package) for package in
            ["slicectl.conf", *(p.removeprefix("pkg://") for p in registry.search_path())]]


def config_groups() -> list[str]:
    """Every config group: the folders of slicectl's conf/ and of every paper's own."""
    return sorted({d.name for conf in _conf_dirs() for d in conf.iterdir()
                   if d.is_dir() and not d.name.startswith("_")})


def group_options(group: str) -> list[str]:
    """The options of a config group, in slicectl's conf/ and every paper's own."""
    found = set()
    for conf in _conf_dirs():
        folder = conf / group
        if folder.is_dir():
            found |= {p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")}
    return sorted(found)


def search_path_override() -> list[str]:
    """``hydra.searchpath=[...]`` for papers that bring their own config dir."""
    from slicectl import registry

    paths = registry.search_path()
    return [f"hydra.searchpath=[{','.join(paths)}]"] if paths else []


def prepare(job: str, overrides: list[str], multirun: bool, check: bool = True) -> list[str]:
    """The overrides to hand Hydra for ``job``; raises UserError if invalid."""
    overrides = [_quote_stage(o) for o in overrides]
    resume = [o for o in overrides if o.split("=", 1)[0].lstrip("+") == "resume"]
    if resume and job == "train":
        overrides = _resume_overrides(resume[0].split("=", 1)[1], overrides)
    elif not (job == "train" and any(o.split("=", 1)[0] == "stage" for o in overrides)):
        overrides = [f"job={job}", *overrides]  # a stage names its own job
    overrides = [*search_path_override(), *_implied_agent(overrides)]
    if check:
        for combo in _combinations(overrides, multirun):
            _check(combo)
    return overrides


def _implied_agent(overrides: list[str]) -> list[str]:
    """An env whose agents can only be of one kind gets it when no agent= is
    given, as rl-zoo3 picks per-env defaults (hu's cells: a stackable td3)."""
    from slicectl import registry

    keys = {override_key(o) for o in overrides}
    envs = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "env"]
    if "agent" in keys or not envs:
        return overrides
    agents = {getattr(registry.env_by_name(e), "agent", None) for e in envs[-1].split(",")}
    if len(agents) != 1 or None in agents:
        return overrides
    return [f"agent={agents.pop()}", *overrides]


def _quote_stage(override: str) -> str:
    """``stage=1`` (or a sweep ``stage=1,2``) names config files 1.yaml, 2.yaml:
    quote the numbers, which Hydra would otherwise parse as ints and refuse
    as a group choice."""
    key, sep, value = override.partition("=")
    if key != "stage" or not sep:
        return override
    return "stage=" + ",".join(v if v.startswith(("'", '"')) else f"'{v}'" for v in value.split(","))


def _resume_overrides(target: str, overrides: list[str]) -> list[str]:
    from slicectl import registry
    from slicectl.runner.rundir import RunDir

    others = [o for o in overrides if o.split("=", 1)[0].lstrip("+") != "resume"]
    if others:
        raise UserError(f"resume keeps the run's own config; drop the other overrides: {' '.join(others)}")
    path = Path(target).expanduser().resolve()
    if not path.is_dir():
        raise UserError(f"resume: run directory not found: {target}")
    status = RunDir(path).manifest().get("status")
    if status == "completed":
        raise UserError(f"resume: run {target} already completed")
    if getattr(registry.job(str(RunDir(path).manifest().get("job")), None), "resumable", False):
        if not (path / "checkpoints" / "last.pt").is_file():
            raise UserError(f"resume: {target} has no checkpoints/last.pt to resume from")
        from slicectl.runner import checkpoint

        checkpoint.load(path / "checkpoints" / "last.pt")  # refuse a bad one before Hydra writes
    saved = path / ".hydra" / "overrides.yaml"
    if not saved.is_file():
        raise UserError(f"resume: {target} has no .hydra/overrides.yaml")
    original = [o for o in OmegaConf.load(saved) if not str(o).startswith(("hydra.", "resume="))]
    # Hydra's record of this invocation goes beside, not over, the original's
    return [*map(str, original), f"resume={path}", f"hydra.run.dir={path}",
            "hydra.output_subdir=.hydra/resume"]


def _combinations(overrides: list[str], multirun: bool) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception as exc:  # noqa: BLE001 - Hydra raises several types here
        raise UserError(_first_line(exc)) from None
    if not multirun:
        sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
        if sweeps:
            raise UserError(f"{sweeps[0]} is a sweep: add -m to run every value")
        return [overrides]
    batches = BasicSweeper.split_arguments(parsed, None)
    return [list(c) for batch in batches for c in batch]


def _check(overrides: list[str]) -> None:
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    plain = [o for o in overrides if not o.startswith(("hydra.", "+hydra.")) or o.startswith("hydra.searchpath=")]
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("slicectl.conf", version_base="1.3"):
            try:
                cfg = compose("config", overrides=plain)
            except Exception as exc:  # noqa: BLE001
                raise UserError(_explain(exc, plain)) from None
            try:
                container = OmegaConf.to_container(cfg, resolve=True)
            except Exception as exc:  # noqa: BLE001
                raise UserError(_first_line(exc)) from None
            validate(container)
            from slicectl.runner.build import check_targets

            check_targets(cfg)
    finally:
        GlobalHydra.instance().clear()


def _explain(exc: Exception, overrides: list[str]) -> str:
    msg = str(exc)
    m = re.search(r"Could not find '([\w/]+)/([^']*)'", msg) or \
        re.search(r"In '(\w+)': Could not load '\1/([^']*)'", msg)
    if m and m.group(1) in config_groups():
        group, option = m.group(1), m.group(2)
        opts = group_options(group)
        return (f"{group}: unknown option '{option}'{did_you_mean(option, opts)} "
                f"(options: {', '.join(opts)})")
    m = re.search(r"Could not override '([^']+)'", msg) or \
        re.search(r"Could not append to config. An item is already at '([^']+)'", msg) or \
        re.search(r"Could not delete from config. '([^']+)'", msg)
    if m:
        key = m.group(1)
        parent, _, leaf = key.rpartition(".")
        known = _keys_at(parent, overrides)
        if "already at" in msg:
            return f"{key}: already set; override it without '+'"
        return f"{key}: unknown key{did_you_mean(leaf, known)}"
    return _first_line(exc)


def _keys_at(parent: str, overrides: list[str]) -> list[str]:
    from hydra import compose

    groups = [o for o in overrides if o.split("=", 1)[0] in config_groups()]
    try:
        cfg = compose("config", overrides=groups)
    except Exception:  # noqa: BLE001
        return config_groups()
    node = OmegaConf.select(cfg, parent) if parent else cfg
    return list(node.keys()) if hasattr(node, "keys") else []


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
