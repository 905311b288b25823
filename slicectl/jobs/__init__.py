"""The core's own jobs, which run on any env: ``train`` and ``eval``."""
from slicectl import registry

registry.add_job("train", "slicectl.jobs.train:run", resumable=True, trains_agent=True,
                  reads=("resume", "init_from"))   # init_from: a stage (huang2023)
registry.add_job("eval", "slicectl.jobs.eval:run", reads=("run_dir", "checkpoint", "init_from"))  # init_from: huang2023 setup
registry.add_command(
    "train", "train",
    "Train an agent on an env, then compare it with baselines on the evaluation seeds. "
    "Overrides: env=… agent=… scale=smoke|default|paper seed=N experiment=<paper> "
    "stage=1|2|3|4|all (huang2023) resume=<run dir>. Flags: -m (sweep), --cfg job, --hydra-help.")
registry.add_command(
    "eval", "eval",
    "Evaluate a baseline (--baseline NAME) or a training run (run_dir=<dir>) on the fixed "
    "evaluation seeds.")
