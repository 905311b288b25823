"""The one run finder: ``init_from=``, ``teacher=``, ``run_dir=`` name a run
directory, a sweep directory (its run with this seed), or ``latest`` (the
newest completed run under ``outputs/`` that the job accepts). Each job says
what it accepts with a function that returns None for a run it takes, or the
reason it refuses it; the finder prints the run it chose and, when it finds
none, why each candidate was refused, in one line."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from slicectl.console import console
from slicectl.errors import UserError
from slicectl.runner.rundir import RunDir

Accept = Callable[[RunDir], "str | None"]
SHOWN = 3   # refused candidates named in the error; the rest are counted


def find_run(value, key: str, what: str, accept: Accept, outputs: Path = Path("outputs"),
             seed: int | None = None, prefer: Callable[[RunDir], int] | None = None) -> RunDir:
    """The run ``key=value`` names. ``what`` describes an accepted run for
    messages ("completed stage-1 run"); ``prefer`` ranks candidates of
    ``latest`` before age (lower first); ``seed``: in a sweep directory, the
    run with this seed."""
    if value is None:
        raise UserError(f"{key}=<run dir> (a {what}) or {key}=latest is needed")
    if str(value) == "latest":
        run = _first(runs_under(outputs), f"{key}=latest", what, accept, prefer, f"under {outputs}/")
    else:
        path = Path(str(value)).expanduser().resolve()
        if not path.is_dir():
            what = "not a directory" if path.exists() else "run directory not found"
            raise UserError(f"{key}: {what}: {value}")
        run = RunDir(path)
        if not run.manifest_path.is_file():  # a sweep: its run with this seed
            runs = [r for r in runs_under(path) if seed is None or r.manifest().get("seed") == seed]
            where = f"in {path}" + (f" with seed={seed}" if seed is not None else "")
            run = _first(runs, key, what, accept, prefer, where)
        else:
            reason = accept(run)
            if reason is not None:
                raise UserError(f"{key}: {run.path} is refused: {reason}; a {what} is needed")
    console.print(f"{key}: {run.path}", soft_wrap=True)
    return run


def job_run(value, key: str, jobs: tuple[str, ...], outputs: Path = Path("outputs"),
            seed: int | None = None) -> RunDir:
    """A completed run of one of ``jobs`` (a whole job, not a stage of one);
    ``latest`` prefers the jobs in the order given, then the newest; in a
    sweep directory, the run with ``seed``."""
    def accept(run: RunDir) -> str | None:
        m = run.manifest()
        if m.get("job") not in jobs or m.get("stage") is not None:
            return f"it is a {m.get('job')} run" + (f" (stage {m['stage']})" if m.get("stage") else "")
        return completed(run)

    def prefer(run: RunDir) -> int:
        job = run.manifest().get("job")
        return jobs.index(job) if job in jobs else len(jobs)

    return find_run(value, key, f"completed {' or '.join(jobs)} run", accept, outputs, seed=seed, prefer=prefer)


def completed(run: RunDir) -> str | None:
    """The first check of most accept functions."""
    status = run.status()
    return None if status == "completed" else f"it is {status}, not completed"


def runs_under(root: Path) -> list[RunDir]:
    """Every run directory below ``root`` (readable manifests only), newest first."""
    found = []
    for path in Path(root).glob("**/manifest.json"):
        run = RunDir(path.parent.resolve())
        try:
            m = run.manifest()
        except UserError:
            continue
        found.append((str(m.get("end_time") or m.get("start_time")), run))
    return [run for _, run in sorted(found, key=lambda t: t[0], reverse=True)]


def _first(runs: list[RunDir], label: str, what: str, accept: Accept, prefer, where: str) -> RunDir:
    if prefer is not None:
        runs = sorted(runs, key=prefer)  # stable: newest first within a rank
    refused = []
    for run in runs:
        reason = accept(run)
        if reason is None:
            return run
        refused.append(f"{run.path.name}: {reason}")
    why = ""
    if refused:
        more = f"; and {len(refused) - SHOWN} more" if len(refused) > SHOWN else ""
        why = f" (refused, newest first: {'; '.join(refused[:SHOWN])}{more})"
    raise UserError(f"{label}: no {what} {where}{why}")
