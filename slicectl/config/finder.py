"""Jobs that read a finished run's trained agents (``distill``'s teacher,
``landscape``'s run): finding the run, and the checkpoint of each agent in it."""
from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from slicectl.errors import UserError
from slicectl.runner.rundir import RunDir, completed_runs


def resolve_run(value: str | None, key: str, jobs: tuple[str, ...], outputs: Path = Path("outputs")) -> RunDir:
    """``key=<run dir>``: a completed run of one of ``jobs``; ``key=latest``:
    the newest such run under ``outputs/`` (of the first job that has one)."""
    wanted = " or ".join(jobs)
    if value is None:
        raise UserError(f"{key}=<run dir> (a completed {wanted} run) or {key}=latest is needed")
    if str(value) != "latest":
        run = RunDir(Path(str(value)).expanduser().resolve())
        if not run.path.is_dir():
            raise UserError(f"{key}: run directory not found: {value}")
        m = run.manifest()
        if m.get("job") not in jobs or m.get("status") != "completed":
            raise UserError(f"{key}: {run.path} is a {m.get('status')} {m.get('job')} run; "
                            f"a completed {wanted} run is needed")
        return run
    for job in jobs:
        found = completed_runs(outputs, lambda m, job=job: m.get("job") == job and m.get("stage") is None)
        if found:
            return found[0]
    raise UserError(f"{key}=latest: no completed {wanted} run under {outputs}/")


def agent_checkpoints(run: RunDir, checkpoint: str = "best") -> dict[str, Path]:
    """Each trained agent of ``run`` by name: a twin-train run's DT agent
    (Agent 1 after its last round) and plain agent; an offline run's arms
    and θ2; a train run's ``checkpoint`` (best | last)."""
    job = run.manifest().get("job")
    if job == "twin-train":
        rounds = int(OmegaConf.load(run.path / ".hydra" / "config.yaml").twin.rounds)
        out = {"dt": run.path / f"real{rounds}" / "checkpoints" / "last.pt"}
        if (run.path / "plain").is_dir():
            out["plain"] = run.path / "plain" / "checkpoints" / "last.pt"
        return out
    if job == "offline":
        return {"dt": run.checkpoints / "dt.pt", "plain": run.checkpoints / "plain.pt",
                "cql": run.checkpoints / "cql.pt", "twin_agent": run.path / "twin" / "checkpoints" / "last.pt"}
    return {"agent": run.checkpoints / f"{checkpoint}.pt"}
