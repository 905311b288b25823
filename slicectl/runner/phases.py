"""Jobs made of several trainings (huang2023's stages) run each one as a
*phase* in a sub-folder of the run directory, with its own manifest,
metrics.csv and checkpoints. A phase already completed is not run again:
its agent is reloaded, so an interrupted multi-phase job resumes where it
stopped (the unfinished phase from its ``last.pt``)."""
from __future__ import annotations

from slicectl.runner import checkpoint
from slicectl.runner.loop import Budget, train
from slicectl.runner.lifecycle import is_completed, running
from slicectl.runner.rundir import RunDir


def run_phase(run: RunDir, name: str, env, agent, eval_env, budget: Budget, seed: int,
              keep: str = "best", **manifest) -> dict:
    """Train ``agent`` in ``run/name``; leave it holding the ``keep`` (best |
    last) weights and return the phase's final evaluation (per-seed means,
    as lists) and where its best evaluation came."""
    sub = RunDir(run.path / name)
    if not is_completed(sub):
        with running(sub, name, seed, str(getattr(agent, "device", "cpu")),
                     resume=sub.manifest_path.is_file(), **manifest) as state:
            final = train(env, agent, eval_env, budget, sub, seed, resume=state)
            sub.update(final={k: [float(x) for x in v] for k, v in final.items()})
    path = sub.checkpoints / f"{keep}.pt"
    checkpoint.restore(agent, checkpoint.load(path).get("agent"), path, weights_only=keep == "best")
    return sub.manifest().get("final", {})
