"""Finding run directories and reading what they wrote (files only)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from slicectl import registry
from slicectl.errors import UserError

IGNORED_OVERRIDES = ("seed=", "hydra.", "job=", "resume=", "name=")
SOURCE_KEYS = ("teacher", "run_dir")  # a run read by another: stands for its config


@dataclass
class Run:
    path: Path
    group: str  # the overrides that define its config, minus the seed
    seed: int
    metrics: pd.DataFrame
    system: str = ""  # the env it ran on (conf/env/<name>): report and plot keep systems apart
    method: str = ""  # the agent it trained, or the baseline an eval ran (conf option)

    @property
    def reference(self) -> bool:
        """A run evaluated once (a baseline's eval): a horizontal line on a learning curve."""
        ev = self.metrics[self.metrics["split"] == "eval"]
        return bool(len(ev)) and ev["env_steps"].nunique() == 1


def find_runs(paths: list[Path]) -> list[Run]:
    """Every completed run directory at or below ``paths`` (a multirun dir
    holds many); runs that are not completed (running, stale, failed,
    interrupted) are left out, and the count of them said."""
    from slicectl.console import console
    from slicectl.runner.rundir import RunDir

    dirs: list[Path] = []
    left_out: dict[str, int] = {}
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            raise UserError(f"not a directory: {p}")
        found = sorted({m.parent for m in p.rglob("manifest.json")}, key=_natural)
        if not found:
            raise UserError(f"no run directories (manifest.json) under {p}")
        # a multi-phase job's own directory holds phases, not metrics; if it
        # has metrics of its own (twin-train), those stand for its phases
        found = [d for d in found if (d / "metrics.csv").is_file()] or found
        found = [d for d in found if not any(a in found for a in d.parents)]
        for d in found:
            status = RunDir(d).status()
            if status == "completed":
                dirs.append(d)
            else:
                left_out[status] = left_out.get(status, 0) + 1
    said = ", ".join(f"{n} {status}" for status, n in sorted(left_out.items()))
    if not dirs:
        raise UserError(f"no completed runs in {', '.join(map(str, paths))}; left out as not completed: {said}")
    if left_out:
        console.print(f"left out {sum(left_out.values())} runs that are not completed: {said}")
    runs = [read_run(d) for d in dirs]
    # label each run by the overrides that differ between runs only
    common = set.intersection(*(set(r.group.split(" ")) for r in runs)) if len(runs) > 1 else set()
    for r in runs:
        r.group = " ".join(o for o in r.group.split(" ") if o not in common) or "default"
    return runs


def _source_config(override: str) -> str:
    """``teacher=<run dir>`` (distill) or ``run_dir=<run dir>`` (eval,
    landscape) stands for that run's config, not its path, so that results
    from runs that differ only in seed pool."""
    key, _, value = override.partition("=")
    saved = Path(value) / ".hydra" / "overrides.yaml"
    if key not in SOURCE_KEYS or not saved.is_file():
        return override
    own = sorted(str(o) for o in OmegaConf.load(saved) if not str(o).startswith(IGNORED_OVERRIDES))
    return f"{key}=[{' '.join(own)}]"


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in p.parts]


def read_run(d: Path) -> Run:
    """One run directory's overrides, seed and metrics (its status is not checked)."""
    ov_path = d / ".hydra" / "overrides.yaml"
    overrides = [str(o) for o in OmegaConf.load(ov_path)] if ov_path.is_file() else []
    cfg_path = d / ".hydra" / "config.yaml"
    cfg = OmegaConf.load(cfg_path) if cfg_path.is_file() else None
    seed = int(cfg.get("seed", 0)) if cfg is not None else 0
    target = OmegaConf.select(cfg, "env._target_") if cfg is not None else None
    system = registry.env_name(str(target)) if target else "phase"
    hydra_path = d / ".hydra" / "hydra.yaml"
    choices = OmegaConf.select(OmegaConf.load(hydra_path), "hydra.runtime.choices") if hydra_path.is_file() else None
    method = ""
    if choices is not None:
        method = str(choices.get("baseline") or choices.get("agent") or "")
    group = " ".join(sorted(_source_config(o) for o in overrides if not o.startswith(IGNORED_OVERRIDES)))
    if not ov_path.is_file() and not cfg_path.is_file():  # a phase of a multi-phase job
        group = f"phase={d.parent.name}/{d.name}"
    metrics_path = d / "metrics.csv"
    if not metrics_path.is_file():
        raise UserError(f"no metrics.csv in {d}")
    try:
        metrics = pd.read_csv(metrics_path)
    except Exception as exc:  # noqa: BLE001 - pandas raises several types
        raise UserError(f"unreadable metrics.csv in {d}: {str(exc).splitlines()[0]}") from None
    if not {"env_steps", "split"} <= set(metrics.columns):
        raise UserError(f"metrics.csv in {d} is not a slicectl metrics file (no env_steps and split columns)")
    if metrics.empty:
        raise UserError(f"metrics.csv in {d} has no rows")
    return Run(path=d, group=group, seed=seed, metrics=metrics, system=system, method=method)


OBJECTIVES = ("utility", "accuracy", "reward")  # a run's headline metric: the first it has


def headline(columns, default: str = "reward") -> str:
    """The metric a table or plot leads with: utility, else accuracy, else
    reward (``default`` if it has none of them)."""
    return next((m for m in OBJECTIVES if m in list(columns)), default)


def metric_columns(df: pd.DataFrame) -> list[str]:
    skip = {"env_steps", "episode", "split", "wall_s", "loss"}
    return [c for c in df.columns if c not in skip]


def final_row(run: Run) -> pd.Series:
    """A run's final figures: its last eval row (train) or the mean of its
    per-seed eval rows (eval)."""
    ev = run.metrics[run.metrics["split"] == "eval"]
    if ev.empty:
        raise UserError(f"no eval rows in {run.path / 'metrics.csv'}")
    if "policy" in ev.columns and ev["policy"].notna().any():  # a row per policy (distill): a column per policy and metric
        cols = [c for c in metric_columns(ev) if c not in ("policy", "teacher", "width", "updates")]
        return pd.Series({f"{r['policy']}/{c}": float(r[c]) for _, r in ev.iterrows() for c in cols})
    if ev["env_steps"].nunique() == 1 and len(ev) > 1:
        return ev[metric_columns(ev)].mean()
    return ev.iloc[-1][metric_columns(ev)].astype(float)
