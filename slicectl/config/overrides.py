"""Command-line overrides checked before Hydra runs: every combination of a
sweep is composed and validated, so a bad key or value is one line (with a
suggestion) and nothing starts."""
from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf, open_dict

from slicectl.config.compose import (composed, first_line, group_options, interpolation_error, override_key,
                                     validated)
from slicectl.config.schema import digest
from slicectl.errors import UserError


# The hydra.* settings a user may give (where runs go, how a sweep launches,
# how much Hydra logs). Every other hydra key is refused: callbacks, logging
# handlers, env_set and the like name code to run or change the process.
HYDRA_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir", "hydra.verbose",
              "hydra/launcher", "hydra/sweeper", "hydra/sweeper/sampler")
HYDRA_PREFIXES = ("hydra.launcher.", "hydra.sweeper.")
# sweeper settings that name code to call (a search-space function) or a
# database to write outside the output root
REFUSED_HYDRA = ("hydra.sweeper.custom_search_space", "hydra.sweeper.storage")
REQUIRED_GROUPS = ("env", "agent", "job", "scale")   # config groups that cannot be null
MAX_RUNS = 1000   # runs one command may launch (and the pre-check composes)


def search_path_override() -> list[str]:
    """``hydra.searchpath=[...]`` for papers that bring their own config dir."""
    from slicectl import registry

    paths = registry.search_path()
    return [f"hydra.searchpath=[{','.join(paths)}]"] if paths else []


def prepare(job: str, overrides: list[str], multirun: bool, check: bool = True) -> list[str]:
    """The overrides to hand Hydra for ``job``; raises UserError if invalid."""
    overrides = [_quote_stage(o) for o in overrides]
    check_hydra_keys(overrides)
    for o in overrides:
        key, _, value = o.partition("=")
        if not override_key(o):
            raise UserError(f"{o}: the key is missing (key=value)")
        if override_key(o) == "job" or override_key(o).startswith("job."):
            raise UserError(f"{override_key(o)}: set by the command (slicectl <job> ...), not an override")
        if key in REQUIRED_GROUPS and value in ("null", "~"):
            raise UserError(f"{key}: an option is needed (options: {', '.join(group_options(key))})")
    resume = [o for o in overrides if o.split("=", 1)[0].lstrip("+") == "resume"]
    if resume and job == "train":
        overrides = _resume_overrides(resume[0].split("=", 1)[1], overrides)
    elif not (job == "train" and any(o.split("=", 1)[0] == "stage" for o in overrides)):
        overrides = [f"job={job}", *overrides]  # a stage names its own job
    overrides = [*search_path_override(), *_implied_agent(overrides)]
    search = optuna_search(overrides)
    if search and not multirun:
        raise UserError("an Optuna search runs many trials: add -m")
    if check:
        for combo in (_search_points(overrides) if search else _combinations(overrides, multirun)):
            cfg = validated(combo)
        if resume and job == "train":
            _same_config(Path(resume[0].split("=", 1)[1]).expanduser().resolve(), cfg)
    if search and check and "hydra.sweeper.direction" not in {override_key(o) for o in overrides}:
        from slicectl.runner.objective import declared

        overrides.append(f"hydra.sweeper.direction={declared(cfg['env']['_target_'])[1]}")   # the env's, as best.pt's
    return overrides


def optuna_search(overrides: list[str]) -> bool:
    """Whether the sweep is an Optuna search: ``hydra/sweeper=optuna``, or a
    search preset (``search=<agent>``, conf/search/), which selects it."""
    return any(o in ("hydra/sweeper=optuna",) or (override_key(o) == "search" and not o.endswith(("=null", "=~")))
               for o in overrides)


def resolved(job: str, overrides: list[str]) -> dict:
    """The resolved, validated config ``slicectl <job> overrides`` would run with."""
    return validated(prepare(job, overrides, multirun=False, check=False))


def _same_config(path: Path, cfg: dict) -> None:
    """A resumed run rebuilds the config it started with, or is refused."""
    from slicectl.runner.rundir import RunDir

    recorded = RunDir(path).manifest().get("config_sha256")
    if recorded is not None and recorded != digest(cfg):
        raise UserError(f"resume: {path}: the config rebuilt from .hydra/overrides.yaml differs from the one "
                        "the run started with (an edited file, or another slicectl version's defaults)")


def check_hydra_keys(overrides: list[str], where: str = "") -> None:
    """Refuse hydra.* keys outside the short list a user needs, and any
    ``_target_`` among them: the rest can run code (callbacks) or change the process."""
    for o in overrides:
        key = override_key(o)
        if not (key == "hydra" or key.startswith(("hydra.", "hydra/"))):
            continue
        if key.startswith(REFUSED_HYDRA):
            raise UserError(f"{where}{key}: not a setting slicectl accepts (it names code to call, or a "
                            "database outside the output root)")
        allowed = key in HYDRA_KEYS or (key.startswith(HYDRA_PREFIXES) and "_target_" not in key)
        if not allowed or o.startswith(("~", "+")) and key in HYDRA_KEYS:
            raise UserError(f"{where}{key}: not a setting slicectl accepts (it takes "
                            f"{', '.join(HYDRA_KEYS)} and hydra.launcher.*, hydra.sweeper.* options)")


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


def before_first_checkpoint(run) -> bool:
    """A run of a job that resumes only from its last.pt stopped before
    writing one: there is nothing to continue (train it again)."""
    from slicectl import registry

    name = run.manifest().get("job")
    job = registry.job(name, None) if name else None
    return job is not None and job.resumable and not (run.checkpoints / "last.pt").is_file()


def _resume_overrides(target: str, overrides: list[str]) -> list[str]:
    from slicectl import registry
    from slicectl.runner.lifecycle import check_resumable
    from slicectl.runner.rundir import RunDir

    others = [o for o in overrides if o.split("=", 1)[0].lstrip("+") != "resume"]
    if others:
        raise UserError(f"resume keeps the run's own config; drop the other overrides: {' '.join(others)}")
    path = Path(target).expanduser().resolve()
    if not path.is_dir():
        what = "not a directory" if path.exists() else "run directory not found"
        raise UserError(f"resume: {what}: {target}")
    run = RunDir(path)
    if before_first_checkpoint(run):
        raise UserError(f"resume: {target} has no checkpoints/last.pt to resume from")
    job = registry.job(run.manifest()["job"], None)
    check_resumable(run, load=getattr(job, "resumable", False))  # refused before Hydra writes a thing
    original = recorded_overrides(path)
    # Hydra's record of this invocation goes beside, not over, the original's
    return [*original, f"resume={path}", f"hydra.run.dir={path}", "hydra.output_subdir=.hydra/resume"]


def recorded_overrides(path: Path) -> list[str]:
    """The run's own overrides (.hydra/overrides.yaml), checked as a new command
    line would be: where it ran, how it launched and the paper search path are
    left out (the resumed run is this directory, in this process)."""
    saved = path / ".hydra" / "overrides.yaml"
    if not saved.is_file():
        raise UserError(f"resume: {path} has no .hydra/overrides.yaml")
    try:
        lines = OmegaConf.to_container(OmegaConf.load(saved))
    except Exception as exc:  # noqa: BLE001 - YAML and OmegaConf raise several types
        raise UserError(f"resume: {saved} is not valid YAML: {first_line(exc)}") from None
    if not isinstance(lines, list) or not all(isinstance(o, str) for o in lines):
        raise UserError(f"resume: {saved} is not a list of overrides")
    dropped = (*HYDRA_KEYS, "hydra.searchpath", "resume")
    kept = [o for o in lines if override_key(o) not in dropped and not override_key(o).startswith(HYDRA_PREFIXES)]
    check_hydra_keys(kept, where=f"resume: {saved}: ")
    return kept


def _combinations(overrides: list[str], multirun: bool) -> list[list[str]]:
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    for o in overrides:
        try:
            parser.parse_overrides([o])
        except Exception as exc:  # noqa: BLE001 - Hydra raises several types here
            raise UserError(f"{o}: {first_line(exc)}") from None
    parsed = parser.parse_overrides(overrides)
    if not multirun:
        sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
        if sweeps:
            raise UserError(f"{sweeps[0]} is a sweep: add -m to run every value")
        return [overrides]
    try:
        batches = BasicSweeper.split_arguments(parsed, None)
    except Exception as exc:  # noqa: BLE001 - interval(), range(0,5,0)...
        sweeps = " ".join(o.input_line for o in parsed if o.is_sweep_override())
        raise UserError(f"sweep {sweeps}: {first_line(exc)}") from None
    combos = [list(c) for batch in batches for c in batch]
    if len(combos) > MAX_RUNS:
        raise UserError(f"the sweep has {len(combos)} runs; one command launches at most {MAX_RUNS}: split it")
    return combos


def _search_points(overrides: list[str]) -> list[list[str]]:
    """An Optuna search's overrides to check before it starts: the search
    space's first point (each parameter at its first choice or its
    interval's low end), then each parameter's other choices and its high
    end, one at a time. A value that cannot be set is refused before any
    trial runs (the trials pick values in between)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

    parser = OverridesParser.create()
    fixed, space = [], []
    for o in overrides:
        try:
            (parsed,) = parser.parse_overrides([o])
        except Exception as exc:  # noqa: BLE001 - Hydra raises several types here
            raise UserError(f"{o}: {first_line(exc)}") from None
        if not parsed.is_sweep_override():
            fixed.append(o)
            continue
        value = parsed.value()
        if isinstance(value, IntervalSweep):
            if not value.start < value.end:
                raise UserError(f"{o}: an interval needs its low end below its high end")
            values = [value.start, value.end]
        elif isinstance(value, (ChoiceSweep, RangeSweep)):
            values = list(parsed.sweep_string_iterator())
        else:
            raise UserError(f"{o}: the Optuna sweeper takes choice(), range() and interval()")
        space.append((parsed.get_key_element(), values))
    first = [f"{key}={values[0]}" for key, values in space]
    points = [[*fixed, *first]]
    for i, (key, values) in enumerate(space):
        for v in values[1:]:
            points.append([*fixed, *first[:i], f"{key}={v}", *first[i + 1:]])
    return points


def job_view(job: str, overrides: list[str], resolve: bool = False) -> str:
    """``--cfg job``: the YAML of the config ``slicectl <job> overrides``
    runs with, less the root keys its job does not read (``Job.reads``)."""
    from slicectl import registry

    cfg = composed(prepare(job, overrides, multirun=False))
    declared = registry.job(str(cfg.job.name), str(cfg.env._target_))
    unread = [k for k in registry.OPTIONAL_KEYS if k not in getattr(declared, "reads", registry.OPTIONAL_KEYS)]
    with open_dict(cfg):
        for k in unread:
            cfg.pop(k, None)
    try:
        text = OmegaConf.to_yaml(cfg, resolve=resolve)
    except Exception as exc:  # noqa: BLE001
        raise UserError(interpolation_error(exc)) from None
    hidden = f"# not read by job {cfg.job.name}, left out: {', '.join(unread)}\n" if unread else ""
    return text + hidden


