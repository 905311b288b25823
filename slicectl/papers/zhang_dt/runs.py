"""The trained agents a finished run holds, for the jobs that read them
(``distill``'s teacher, ``landscape``'s run)."""
from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from slicectl.runner.rundir import RunDir


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
