"""Jobs made of several trainings (huang2023's stages) run each one as a
*phase* in a sub-folder of the run directory, with its own manifest,
metrics.csv and checkpoints. A phase already completed is not run again:
its agent is reloaded, so an interrupted multi-phase job resumes where it
stopped (the unfinished phase from its ``last.pt``)."""
from __future__ import annotations

from slicectl.runner import checkpoint
from slicectl.runner.loop import Budget, train
from slicectl.runner.rundir import RunDir, truncate_rows


def run_phase(run: RunDir, name: str, env, agent, eval_env, budget: Budget, seed: int,
              keep: str = "best", **manifest) -> dict:
    """Train ``agent`` in ``run/name``; leave it holding the ``keep`` (best |
    last) weights and return the phase's final evaluation (per-seed means,
    as lists) and where its best evaluation came."""
    sub = RunDir(run.path / name)
    done = sub.manifest_path.is_file() and sub.manifest().get("status") == "completed"
    if not done:
        resume = None
        if (sub.checkpoints / "last.pt").is_file():
            resume = checkpoint.load(sub.checkpoints / "last.pt")
            truncate_rows(sub.metrics_path, int(resume["rows"]))
            sub.update(status="running")
        else:
            sub.start(name, seed, str(getattr(agent, "device", "cpu")), **manifest)
        final = train(env, agent, eval_env, budget, sub, seed, resume=resume)
        sub.finish("completed", final={k: [float(x) for x in v] for k, v in final.items()})
    state = checkpoint.load(sub.checkpoints / f"{keep}.pt")["agent"]
    agent.load_state_dict(state, weights_only=keep == "best")
    return sub.manifest().get("final", {})
