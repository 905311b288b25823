"""The `slicectl` command line: Typer in front, Hydra behind.

Each subcommand takes Hydra overrides (``key=value``, ``group=option``) and
Hydra flags (``-m``, ``--cfg job``...). Overrides are checked before Hydra
starts, so a typo is one line with a suggestion and exit status 2."""
from __future__ import annotations

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


def _version(value: bool) -> None:
    if value:
        import slicectl

        typer.echo(f"slicectl {slicectl.__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Deep-RL experiment runner for 5G RAN slicing."""


def run_job(job: str, args: list[str]) -> None:
    from slicectl.config.launch import launch

    try:
        launch(job, args)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)


def run_command(name: str, args: list[str]) -> None:
    """Subcommand ``name`` with the user's arguments (config.launch.command_args)."""
    from slicectl.config.launch import command_args

    run_job(*command_args(name, args))


def _command_help(name: str) -> str:
    variants = registry.load().commands[name]
    return " ".join(c.help for c in sorted(variants, key=lambda c: bool(c.when_env)))


def _epilog(name: str) -> str:
    from slicectl.config.describe import command_epilog

    return command_epilog(registry.command(name, None).job)


def _add_command(name: str) -> None:
    def command(ctx: typer.Context):
        run_command(name, list(ctx.args))

    app.command(name=name, context_settings=EXTRA, epilog=_epilog(name),
                help=_command_help(name))(command)


for _name in registry.load().commands:
    if _name != "eval":
        _add_command(_name)


@app.command(context_settings=EXTRA, name="eval", epilog=_epilog("eval"), help=_command_help("eval"))
def eval_(ctx: typer.Context,
          baseline: Optional[str] = typer.Option(None, "--baseline",
                                                 help=" | ".join(registry.baseline_names()))):
    from slicectl.config.launch import baseline_args

    if baseline is None:
        return run_command("eval", list(ctx.args))
    run_job(*baseline_args(baseline, list(ctx.args)))


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
                  "first run's plots/; with --x, the final metric against a swept config key; "
                  "with --profile, the performance profile of the final metric.")
def plot(paths: list[Path] = typer.Argument(..., help="run or multirun directories"),
         metric: Optional[str] = typer.Option(None, help="metric column to plot (default: "
                                              "utility, else accuracy, else reward)"),
         x: Optional[str] = typer.Option(None, help="a swept config key, e.g. env.igw_cache_mb: "
                                         "final metric against it, one line per other config"),
         profile: bool = typer.Option(False, "--profile", help="the share of each config's runs whose final "
                                      "metric exceeds τ, against τ, with a 95% bootstrap band")):
    from slicectl.analysis.plot import plot as make_plot

    _guard(lambda: make_plot(paths, metric, x, profile))


@app.command(context_settings=EXTRA, help=(
        "Measure a paper's headline claims: run what they need (runs already completed are "
        "found, not rerun), then claims.csv, REPORT.md and the paper's figures with the paper's "
        "numbers, 95% CIs over paired seeds and a verdict, under each preset the paper declares "
        "(as_written, the project's variants, radio=realistic). PAPER is a key (--list) or all. "
        "Takes scale=smoke|default|paper, seeds=N (5), claims=<id,...>, presets=<id,...>, "
        "outputs=<dir>, and a launcher (default hydra/launcher=stacked: a run's seeds train in one "
        "process; hydra/launcher=joblib hydra.launcher.n_jobs=2 runs jobs in parallel)."))
def reproduce(ctx: typer.Context,
              paper: Optional[str] = typer.Argument(None, help="a paper key, or all"),
              list_: bool = typer.Option(False, "--list", help="the papers with claims, and how many"),
              readme: bool = typer.Option(False, "--readme", help="also write the results block of "
                                          "the paper's README (between its reproduce markers)")):
    from slicectl.reproduce.command import list_papers, reproduce as run

    if list_:
        return _guard(list_papers)
    if paper is None:
        typer.echo("error: reproduce needs a paper key (see --list) or all", err=True)
        raise typer.Exit(2)
    try:
        _guard(lambda: run(paper, list(ctx.args), readme))
    except KeyboardInterrupt:   # Ctrl-C or SIGTERM: the run it was in ended interrupted
        typer.echo("interrupted: the same command again resumes where this one stopped", err=True)
        raise typer.Exit(130)


@app.command(help="The config groups, their options and what each sets.")
def groups():
    from rich.table import Table

    from slicectl.config.describe import group_rows
    from slicectl.console import console

    table = Table(title="config groups: set one with group=option (e.g. agent=td3)")
    for col in ("group", "options", "what it sets"):
        table.add_column(col, overflow="fold")
    for row in group_rows():
        table.add_row(*row)
    console.print(table)


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
    try:
        app()
    finally:
        _forget_caught_interrupts()


def _forget_caught_interrupts() -> None:
    """CPython marks a KeyboardInterrupt that ends code run by a string
    ``exec`` as unhandled even once it is caught, and under ``python -m`` a
    marked process then dies by SIGINT instead of exiting with its status
    (a Ctrl-C or SIGTERM that landed while a dataclass was being made, as a
    run's first imports make them, turned exit 130 into -2). The mark is
    cleared whenever a string ``exec`` begins."""
    exec("")


if __name__ == "__main__":
    main()
