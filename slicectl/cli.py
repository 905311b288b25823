"""The `slicectl` command line: Typer in front, Hydra behind.

Each subcommand takes Hydra overrides (``key=value``, ``group=option``) and
Hydra flags (``-m``, ``--cfg job``...). Overrides are checked before Hydra
starts, so a typo is one line with a suggestion and exit status 2."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from slicectl.runner.errors import UserError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Deep-RL experiment runner for 5G RAN slicing. Jobs take Hydra "
                       "overrides: `slicectl train agent=ddqn seed=3`, sweeps with -m.")

EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}
FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name",
                    "-cn", "--config-dir", "-cd", "--experimental-rerun", "--info"}
FLAGS = {"-m", "--multirun", "--resolve", "--hydra-help", "--shell-completion", "-sc"}


def _groups_help() -> str:
    from slicectl.jobs.overrides import group_options

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
        if a in FLAGS_WITH_VALUE:
            flags.append(a)
            nxt = next(it, None)
            if nxt is not None:
                flags.append(nxt)
        elif a in FLAGS or a.startswith("--cfg="):
            flags.append(a)
        else:
            overrides.append(a)
    return flags, overrides


def run_job(job: str, args: list[str]) -> None:
    from slicectl.jobs import dispatch, overrides as ov

    flags, overrides = split_args(args)
    try:
        overrides = ov.prepare(job, overrides, multirun=bool({"-m", "--multirun"} & set(flags)),
                               check="--hydra-help" not in flags)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    argv = ["slicectl", *flags, *([] if "--hydra-help" in flags else overrides)]
    saved = sys.argv
    sys.argv = argv
    try:
        dispatch.main()
    finally:
        sys.argv = saved


@app.command(context_settings=EXTRA, epilog=_groups_help(), help="Train an agent. Overrides: env=… agent=dqn|ddqn|"
             "dueling_dqn scale=smoke|default|paper seed=N resume=<run dir>. Flags: -m "
             "(sweep), --cfg job (print config), --hydra-help.")
def train(ctx: typer.Context):
    run_job("train", list(ctx.args))


STAGES = {"pretrain": ("1", "huang2023 stage I: pretrain one user-level TD3 agent on a slice "
                             "(= train stage=1)."),
          "transfer": ("2", "huang2023 stage II: transfer the stage-I agent to every slice and "
                            "fine-tune; Table II. Needs init_from=<stage-1 run>|latest. With "
                            "env=multicell, hu's transfer between cells: method=model|instance|"
                            "feature|integrated source=auto|farthest|self|<cell> init_from=<train run>|latest."),
          "progressive": ("3", "huang2023 stage III: slice-level agent, simplified then realistic "
                               "setting; Fig. 4. Needs init_from=<stage-2 run>|latest."),
          "collaborative": ("4", "huang2023 stage IV: alternate slice- and user-level training; "
                                 "Table III. Needs init_from=<stage-3 run>|latest.")}


def _stage_command(name: str, stage: str, help_text: str) -> None:
    def command(ctx: typer.Context):
        if name == "transfer" and any(a.split("=", 1)[0] == "env" and "multicell" in a for a in ctx.args):
            run_job("transfer", list(ctx.args))  # hu: transfer between the cells' agents
            return
        run_job("train", [f"stage={stage}", *ctx.args])

    app.command(name=name, context_settings=EXTRA, epilog=_groups_help(), help=help_text)(command)


for _name, (_stage, _help) in STAGES.items():
    _stage_command(_name, _stage, _help)


@app.command(context_settings=EXTRA, epilog=_groups_help(),
             help="chen2022: two-tier MVNO market. One agent per MVNO learns to split its blocks "
                  "(lower tier), then one per MVNO learns to bid (upper tier); both are compared "
                  "with truthful bidding, hard slicing, Table A and the oracle (Table 4). "
                  "env=bidding unless given; experiment=chen2022 for the paper's agent settings. "
                  "Settings: bidding.lower_steps, bidding.upper_steps, env.reward=utility|paper...")
def bidding(ctx: typer.Context):
    args = list(ctx.args)
    if not any(a.split("=", 1)[0].lstrip("+~") in ("env", "experiment") for a in args):
        args.insert(0, "env=bidding")
    run_job("bidding", args)


@app.command(context_settings=EXTRA, name="twin-train", epilog=_groups_help(),
             help="zhang_digital_twin Algorithm 1: the agent (agent=dqn|ddqn|...) trains with a "
                  "digital twin of the RAN, beside the same agent without it on the same real "
                  "budget. Settings: twin.rounds, twin.real_steps, twin.twin_steps, twin.zeta...")
def twin_train(ctx: typer.Context):
    run_job("twin-train", list(ctx.args))


@app.command(context_settings=EXTRA, epilog=_groups_help(),
             help="zhang_digital_twin §IV-A: distil a trained agent (teacher=<twin-train or train "
                  "run>|latest) into small students (distill.widths=[4,16], distill.steps=...).")
def distill(ctx: typer.Context):
    run_job("distill", list(ctx.args))


@app.command(context_settings=EXTRA, epilog=_groups_help(),
             help="zhang_digital_twin Algorithm 2: offline RL from a fixed dataset (random policy, or "
                  "dataset=<path.npz>) with the twin (eq. 13), without it, and CQL; evaluated on the "
                  "real env. Settings: offline.epochs, offline.v, offline.cql_alpha...")
def offline(ctx: typer.Context):
    run_job("offline", list(ctx.args))


@app.command(context_settings=EXTRA, epilog=_groups_help(),
             help="zhang_digital_twin eq. (11): loss landscapes and flatness of every trained agent "
                  "of a run (run_dir=<twin-train, offline or train run>|latest). Settings: "
                  "landscape.transitions, landscape.range, landscape.points.")
def landscape(ctx: typer.Context):
    run_job("landscape", list(ctx.args))


@app.command(context_settings=EXTRA, name="eval", epilog=_groups_help(),
             help="Evaluate a baseline (--baseline random|equal|proportional|oracle|admm|greedy) or a "
                  "training run (run_dir=<dir>) on the fixed evaluation seeds.")
def eval_(ctx: typer.Context,
          baseline: Optional[str] = typer.Option(None, "--baseline", help="random | equal | "
                                                 "proportional | oracle | admm | greedy")):
    args = list(ctx.args) + ([f"baseline={baseline}"] if baseline else [])
    run_job("eval", args)


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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
