"""Launching a job the way the command line does, without Typer: the CLI's
subcommands and ``slicectl reproduce`` both come through here.

``command_args`` turns a subcommand and the user's arguments into the job
and the overrides it runs with (the variant for the env they name, its
prefix overrides first); ``launch`` checks them and runs Hydra."""
from __future__ import annotations

import sys
from contextlib import nullcontext

from slicectl import registry
from slicectl.errors import UserError

# Hydra flags slicectl passes on, with the values they take (None: any)
FLAGS_WITH_VALUE = {"--cfg": ("job", "hydra", "all"), "-c": ("job", "hydra", "all"),
                    "--package": None, "-p": None,
                    "--info": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")}
FLAGS = {"-m", "--multirun", "--resolve", "--hydra-help", "--shell-completion", "-sc"}
# slicectl's config is its own (experiment= picks a preset); a rerun unpickles a file
REFUSED_FLAGS = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """Hydra flags (with their values) first, overrides after: Hydra rejects
    a flag that follows an override."""
    flags, overrides = [], []
    it = iter(args)
    for a in it:
        name, eq, inline = a.partition("=")
        if name in REFUSED_FLAGS:
            raise UserError(f"{name} is not available: slicectl composes its own config "
                            "(pick a preset with experiment=<name>)")
        if name in FLAGS_WITH_VALUE:
            value = inline if eq else next(it, None)
            allowed = FLAGS_WITH_VALUE[name]
            if value is None or (allowed is not None and value not in allowed):
                raise UserError(f"{name} takes one of: {', '.join(allowed or ('a package',))}"
                                + (f" (got {value!r})" if value is not None else ""))
            flags += [name, value]
        elif a in FLAGS:
            flags.append(a)
        else:
            overrides.append(a)
    return flags, overrides


def command_args(name: str, args: list[str], prefix: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Subcommand ``name`` with the user's arguments -> (job, arguments): the
    variant for the env they name, its prefix overrides (and ``prefix``)
    first, those whose key they set left out (an experiment preset names
    its own env)."""
    from slicectl.config.compose import override_key as key

    envs = [a.split("=", 1)[1] for a in args if key(a) == "env" and "=" in a]
    cmd = registry.command(name, envs[-1] if envs else None)
    given = {key(a) for a in args}
    kept = [p for p in (*cmd.prefix, *prefix)
            if key(p) not in given and not (key(p) == "env" and "experiment" in given)]
    return cmd.job, [*kept, *args]


def baseline_args(baseline: str, args: list[str]) -> tuple[str, list[str]]:
    """``eval --baseline <name>``: a baseline brings its own env unless one is named."""
    home = registry.baseline_env(baseline)
    return command_args("eval", [*args, f"baseline={baseline}"], prefix=(f"env={home}",) if home else ())


def _shows_job_config(flags: list[str]) -> bool:
    """``--cfg job`` (or ``-c job``) for one run, with no package selected."""
    pairs = dict(zip(flags, flags[1:]))
    asked = pairs.get("--cfg") == "job" or pairs.get("-c") == "job"
    return asked and not {"-m", "--multirun", "--package", "-p"} & set(flags)


def launch(job: str, args: list[str]) -> None:
    """Check ``args`` (a UserError says what is wrong, before anything runs)
    and run ``job`` through Hydra, as ``slicectl <job> args`` would. A job
    that fails exits (SystemExit) as it does on the command line."""
    from slicectl.config import overrides as ov, task
    from slicectl.config.interrupts import workers_end_first

    flags, overrides = split_args(args)
    if _shows_job_config(flags):   # slicectl's own view: only the sections the job reads
        print(ov.job_view(job, overrides, resolve="--resolve" in flags), end="")
        return
    overrides = ov.prepare(job, overrides, multirun=bool({"-m", "--multirun"} & set(flags)),
                           check="--hydra-help" not in flags)
    saved = sys.argv
    sys.argv = ["slicectl", *flags, *([] if "--hydra-help" in flags else overrides)]
    try:
        with workers_end_first() if {"-m", "--multirun"} & set(flags) else nullcontext():
            task.main()
    finally:
        sys.argv = saved
