"""A job's final evaluation of several policies on the evaluation seeds; for
an env with per-agent samples (``sample_names``: hu's cells) every step's
samples go to ``eval_samples.csv`` in the run directory, one row per
(policy, seed, step, agent), for the distribution plots."""
from __future__ import annotations

import numpy as np
import pandas as pd

from slicectl.runner.evaluate import evaluate, samples_frame
from slicectl.runner.rundir import RunDir


def evaluate_policies(policies: dict, env, seeds, steps: int, run_dir: RunDir,
                      known: dict | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Per policy name its per-seed metrics. ``known`` results are reused
    unless the env records samples (then every policy is run again, so that
    its samples are written; evaluation is deterministic)."""
    names = getattr(env, "sample_names", ())
    out, frames = {}, []
    for name, policy in policies.items():
        if known and name in known and not names:
            out[name] = known[name]
            continue
        record = [] if names else None
        out[name] = evaluate(policy, env, seeds, steps, record)
        if record:
            frames.append(samples_frame(record, seeds, name))
    if frames:
        pd.concat(frames, ignore_index=True).to_csv(run_dir.path / "eval_samples.csv", index=False)
    return out
