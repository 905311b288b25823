"""The `slicectl` command line: Typer in front, Hydra behind.

Each subcommand takes Hydra overrides (``key=value``, ``group=option``) and
Hydra flags (``-m``, ``--cfg job``...). Overrides are checked before Hydra
starts, so a typo is one line with a suggestion and exit status 2."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from slicectl import registry
from slicectl.errors import UserError

HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  context_settings=HELP,
                  help="Deep-RL experiment runner for 5G RAN slicing. Jobs take Hydra "
                       "overrides: `slicectl train agent=ddqn seed=3`, sweeps with -m.")

EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True, **HELP}
# Hydra flags slicectl passes on, with the values they take (None: any)
FLAGS_WITH_VALUE = {"--cfg": ("job", "hydra", "all"), "-c": ("job", "hydra", "all"),
                    "--package": None, "-p": None,
                    "--info": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")}
FLAGS = {"-m", "--multirun", "--resolve", "--hydra-help", "--shell-completion", "-sc"}
# slicectl's config is its own (experiment= picks a preset); a rerun unpickles a file
REFUSED_FLAGS = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}


def _version(value: bool) -> None:
    if value:
        import slicectl

        typer.echo(f"slicectl {slicectl.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Deep-RL experiment runner for 5G RAN slicing."""


def _groups_help() -> str:
    from slicectl.config.overrides import group_options

    lines = [f"{g}: {', '.join(group_options(g))}" for g in ("env", "agent", "baseline", "scale",
                                                              "experiment", "stage")]
    return ("Config groups (group=option): " + "; ".join(lines) +
            ". Any key of the resolved config (--cfg job) can be set: agent.lr=3e-4.")


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


def run_job(job: str, args: list[str]) -> None:
    from slicectl.config import overrides as ov, task

    try:
        flags, overrides = split_args(args)
        overrides = ov.prepare(job, overrides, multirun=bool({"-m", "--multirun"} & set(flags)),
                               check="--hydra-help" not in flags)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    argv = ["slicectl", *flags, *([] if "--hydra-help" in flags else overrides)]
    saved = sys.argv
    sys.argv = argv
    try:
        task.main()
    finally:
        sys.argv = saved


def run_command(name: str, args: list[str], prefix: tuple[str, ...] = ()) -> None:
    """Subcommand ``name`` with the user's arguments: the variant for the env
    they name, its prefix overrides (and ``prefix``) first, those whose key
    they set left out (an experiment preset names its own env)."""
    from slicectl.config.overrides import override_key as key

    envs = [a.split("=", 1)[1] for a in args if key(a) == "env" and "=" in a]
    cmd = registry.command(name, envs[-1] if envs else None)
    given = {key(a) for a in args}
    kept = [p for p in (*cmd.prefix, *prefix)
            if key(p) not in given and not (key(p) == "env" and "experiment" in given)]
    run_job(cmd.job, [*kept, *args])


def _command_help(name: str) -> str:
    variants = registry.load().commands[name]
    return " ".join(c.help for c in sorted(variants, key=lambda c: bool(c.when_env)))


def _add_command(name: str) -> None:
    def command(ctx: typer.Context):
        run_command(name, list(ctx.args))

    app.command(name=name, context_settings=EXTRA, epilog=_groups_help(),
                help=_command_help(name))(command)


for _name in registry.load().commands:
    if _name != "eval":
        _add_command(_name)


@app.command(context_settings=EXTRA, name="eval", epilog=_groups_help(), help=_command_help("eval"))
def eval_(ctx: typer.Context,
          baseline: Optional[str] = typer.Option(None, "--baseline",
                                                 help=" | ".join(registry.baseline_names()))):
    if baseline is None:
        return run_command("eval", list(ctx.args))
    home = registry.baseline_env(baseline)  # a baseline brings its own env unless one is named
    run_command("eval", [*ctx.args, f"baseline={baseline}"], prefix=(f"env={home}",) if home else ())


@app.command(help="Table of final metrics across runs, grouped by config, mean ± 95% CI "
                  "over seeds. Takes run directories or multirun directories.")
def report(paths: list[Path] = typer.Argument(..., help="run or multirun directories"),
           out: Optional[Path] = typer.Option(None, help="CSV to write (default: "
                                              "report.csv in the first directory)"),
           paired: Optional[str] = typer.Option(None, help="key=value, e.g. agent=ddpg: also each "
                                                "config minus its twin at that value, paired by seed, "
                                                "per swept point and pooled")):
    from slicectl.analysis.report import report as make_report

    _guard(lambda: make_report(paths, out, paired))


@app.command(help="PNG learning curves (mean line, 95% CI band across seeds) into the "
                  "first run's plots/; with --x, the final metric against a swept config key.")
def plot(paths: list[Path] = typer.Argument(..., help="run or multirun directories"),
         metric: Optional[str] = typer.Option(None, help="metric column to plot (default: "
                                              "utility, else accuracy, else reward)"),
         x: Optional[str] = typer.Option(None, help="a swept config key, e.g. env.igw_cache_mb: "
                                         "final metric against it, one line per other config")):
    from slicectl.analysis.plot import plot as make_plot

    _guard(lambda: make_plot(paths, metric, x))


@app.command(help="List the config groups and their options.")
def groups():
    typer.echo(_groups_help())


def _guard(fn) -> None:
    try:
        fn()
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    except OSError as exc:  # --out in an unwritable place, a full disk
        typer.echo(f"error: {exc.strerror}: {exc.filename}" if exc.filename else f"error: {exc}", err=True)
        raise typer.Exit(2)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
