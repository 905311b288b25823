"""slicectl as a library: what the command line does, from a notebook or a
script, in this process.

    import slicectl

    run = slicectl.train(["agent=ddqn", "scale=smoke", "seed=1"])  # the run directory
    res = slicectl.evaluate(run)                  # its best.pt on the fixed evaluation cells
    rnd = slicectl.evaluate("random", ["scale=smoke"])            # a baseline
    res["metrics"]["utility"] - rnd["metrics"]["utility"]         # paired by evaluation cell
    agent = slicectl.load_agent(run)              # the trained networks, ready to act
    env = slicectl.make_env("ran", num_envs=4, n_users=50)     # a batch env from conf/env/ran.yaml

Every call goes through the same checks as the command line (a bad override
raises ``UserError`` with the CLI's one-line message, before anything
runs) and writes the same run directory. ``run`` reaches every other
subcommand: ``slicectl.run("bidding", ["experiment=chen2022"])``.

A run that fails raises ``UserError`` with the error its manifest records.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from slicectl.errors import UserError

__all__ = ["run", "train", "evaluate", "load_agent", "make_env"]


def run(command: str, overrides: Sequence[str] = ()) -> Path:
    """``slicectl <command> overrides...`` for one run; its run directory.
    A sweep (``-m``) is for the command line."""
    from slicectl import registry
    from slicectl.config.launch import command_args

    if command not in registry.load().commands:
        raise UserError(f"unknown command {command!r}; commands: {', '.join(sorted(registry.load().commands))}")
    return _launch(*command_args(command, list(overrides)))


def _launch(job: str, args: list[str]) -> Path:
    from slicectl.config import task
    from slicectl.config.launch import launch

    if {"-m", "--multirun"} & set(args):
        raise UserError("slicectl.api runs one run at a time; sweep with the command line (-m)")
    task.LAST_RUN.clear()
    try:
        launch(job, args)
    except SystemExit as exc:
        ran = task.LAST_RUN[0] if task.LAST_RUN else None
        error = ran.manifest().get("error") if ran is not None and ran.manifest_path.is_file() else None
        raise UserError(f"{job} failed" + (f": {error}" if error else f" (exit status {exc.code})")
                        + (f" ({ran.path})" if ran is not None else "")) from None
    if not task.LAST_RUN:
        raise UserError(f"{job} ran no job")
    return task.LAST_RUN[0].path


def train(overrides: Sequence[str] = ()) -> Path:
    """``slicectl train overrides...``; the run directory."""
    return run("train", overrides)


def evaluate(run_or_baseline: str | Path, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """``slicectl eval run_dir=<run>`` (a trained run's directory) or
    ``slicectl eval --baseline <name>``, on the fixed evaluation seeds.

    Returns ``{"run_dir": Path, "seeds": [...], "metrics": {name: array
    over seeds}, "mean": {name: float}}``: two evaluations with the same
    ``eval`` settings share their seeds, so their arrays pair element by
    element."""
    import pandas as pd

    from slicectl.analysis.runs import metric_columns
    from slicectl.config.launch import baseline_args, command_args

    target = Path(run_or_baseline)
    if isinstance(run_or_baseline, Path) or target.is_dir():
        if not target.is_dir():
            raise UserError(f"evaluate: run directory not found: {target}")
        job, args = command_args("eval", [f"run_dir={target.resolve()}", *overrides])
    else:
        job, args = baseline_args(str(run_or_baseline), list(overrides))
    out = _launch(job, args)
    rows = pd.read_csv(out / "metrics.csv")
    rows = rows[rows["split"] == "eval"]
    metrics = {c: rows[c].to_numpy(dtype=np.float64) for c in metric_columns(rows)
               if pd.api.types.is_numeric_dtype(rows[c])}
    return {"run_dir": out, "seeds": rows["episode"].astype(int).tolist(), "metrics": metrics,
            "mean": {k: float(v.mean()) for k, v in metrics.items()}}


def load_agent(run_dir: str | Path, checkpoint: str = "best"):
    """The agent a ``train`` run trained, with the networks of its
    ``checkpoints/<checkpoint>.pt`` (best or last), built on the run's own
    env config; ``agent.act(obs, explore=False)`` acts greedily on a batch
    of observations (``env.reset(seeds)`` of ``make_env``)."""
    from omegaconf import OmegaConf

    import slicectl.config  # noqa: F401 - registers the resolvers the saved config uses
    from slicectl.runner import checkpoint as ckpt
    from slicectl.runner.build import make_agent, make_env as build_env

    path = Path(run_dir)
    config = path / ".hydra" / "config.yaml"
    if not config.is_file():
        raise UserError(f"load_agent: {path} has no .hydra/config.yaml (not a run directory)")
    if checkpoint not in ("best", "last"):
        raise UserError(f"load_agent: checkpoint is best or last, not {checkpoint!r}")
    saved = path / "checkpoints" / f"{checkpoint}.pt"
    if not saved.is_file():
        raise UserError(f"load_agent: {path} has no checkpoints/{checkpoint}.pt")
    cfg = OmegaConf.load(config)
    if "agent" not in cfg:
        raise UserError(f"load_agent: {path} is a {cfg.job.name} run; it trained no agent")
    agent = make_agent(cfg.agent, build_env(cfg.env, 1), int(cfg.seed), str(cfg.device))
    ckpt.restore(agent, ckpt.load(saved).get("agent"), saved, weights_only=True)
    return agent


def make_env(key: str = "ran", num_envs: int = 1, **settings):
    """The batch env ``conf/env/<key>.yaml`` describes, with ``settings``
    on top (``n_users=50`` is ``env.n_users=50``), checked as the
    command line checks them."""
    from omegaconf import OmegaConf

    from slicectl.config.overrides import resolved
    from slicectl.runner.build import make_env as build_env

    if not isinstance(num_envs, int) or num_envs < 1:
        raise UserError(f"make_env: num_envs must be a positive int, not {num_envs!r}")
    cfg = resolved("train", [f"env={key}", *(f"env.{k}={_value(v)}" for k, v in settings.items())])
    return build_env(OmegaConf.create(cfg["env"]), num_envs)


def _value(v: Any) -> str:
    """A Python value as an override's value."""
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_value(x) for x in v) + "]"
    if v is None:
        return "null"
    return str(v).lower() if isinstance(v, bool) else str(v)
