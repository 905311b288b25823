"""One combination of overrides composed into a resolved, validated config,
and Hydra's errors on the way explained in one line (an unknown group
option or key gets its options and a suggestion). The config tree's groups
and options are read here too: slicectl's conf/ and every paper's own."""
from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from omegaconf import OmegaConf, open_dict

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


def validated(overrides: list[str]) -> dict:
    """Compose, resolve and validate one combination; its resolved config."""
    cfg = composed(overrides)
    try:
        container = OmegaConf.to_container(cfg, resolve=True)
    except Exception as exc:  # noqa: BLE001
        raise UserError(interpolation_error(exc)) from None
    validate(container)
    from slicectl.runner.build import check_targets

    check_targets(cfg)
    return container


def composed(overrides: list[str]):
    """The config one combination composes to (its hydra section checked,
    then left out), unresolved."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("slicectl.conf", version_base="1.3"):
            try:
                cfg = compose("config", overrides=overrides, return_hydra_config=True)
            except Exception as exc:  # noqa: BLE001
                raise UserError(_explain(exc, overrides)) from None
            _check_hydra(cfg, overrides)
            with open_dict(cfg):
                del cfg["hydra"]
            return cfg
    finally:
        GlobalHydra.instance().clear()


def _check_hydra(cfg, overrides: list[str]) -> None:
    """Run and sweep directories stay inside the output root (``outputs=``);
    ``hydra.verbose`` is true/false or logger names."""
    given = {override_key(o) for o in overrides}
    verbose = OmegaConf.select(cfg, "hydra.verbose")
    verbose = OmegaConf.to_container(verbose) if OmegaConf.is_config(verbose) else verbose
    if not (isinstance(verbose, (bool, str)) or
            isinstance(verbose, list) and all(isinstance(v, str) for v in verbose)):
        raise UserError(f"hydra.verbose: true, false, a logger name or a list of them is needed (got {verbose!r})")
    if "resume" in given:  # the resumed run's own directory, wherever it is
        return
    try:
        root = Path(str(cfg.outputs)).expanduser().resolve()
        dirs = {k: str(OmegaConf.select(cfg, k)) for k in ("hydra.run.dir", "hydra.sweep.dir") if k in given}
        subdir = str(OmegaConf.select(cfg, "hydra.sweep.subdir", throw_on_resolution_failure=False))
    except Exception as exc:  # noqa: BLE001
        raise UserError(interpolation_error(exc)) from None
    for key, value in dirs.items():
        if not Path(value).expanduser().resolve().is_relative_to(root):
            raise UserError(f"{key}={value} is outside the output root {root} (set outputs=<dir> to move it)")
    if "hydra.sweep.subdir" in given and (Path(subdir).is_absolute() or ".." in Path(subdir).parts):
        raise UserError(f"hydra.sweep.subdir={subdir}: a name inside the sweep directory is needed")


def interpolation_error(exc: Exception) -> str:
    key = getattr(exc, "full_key", None)
    return f"{key}: {first_line(exc)}" if key else first_line(exc)


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
    return first_line(exc)


def _keys_at(parent: str, overrides: list[str]) -> list[str]:
    from hydra import compose

    groups = [o for o in overrides if o.split("=", 1)[0] in config_groups()]
    try:
        cfg = compose("config", overrides=groups)
    except Exception:  # noqa: BLE001
        return config_groups()
    node = OmegaConf.select(cfg, parent) if parent else cfg
    return list(node.keys()) if hasattr(node, "keys") else []


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
