"""What can be set, for ``--help`` and ``slicectl groups``: the config
groups with their options (conf/ and every paper's own), what each group
sets, and each command's most used keys with their defaults. Read from the
YAML files and the registry, without composing a config, so that help costs
no more than listing a few folders."""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from omegaconf import OmegaConf

from slicectl import registry
from slicectl.config.compose import group_options

# groups every job reads, and what each sets
GROUPS = {
    "env": "the environment (conf/env/)",
    "agent": "the learning agent and its hyperparameters (conf/agent/)",
    "scale": "budgets: steps, evaluation, network sizes (smoke: seconds; paper: the paper's)",
    "experiment": "a paper as written, or one of the project's named variants (conf/experiment/)",
    "radio": "the single-cell RAN's radio: the reference simulator's, or a physical one",
}
# groups only some jobs read
JOB_GROUPS = {
    "train": {"stage": "a huang2023 stage (1-4, all): trains that stage's level",
              "search": "an Optuna search space (with -m): selects hydra/sweeper=optuna"},
    "eval": {"baseline": "the baseline `eval --baseline NAME` evaluates"},
}
# the keys most runs set, with what they mean
COMMON_KEYS = {
    "seed": "the run's seed (sweep: seed=0,1,2)",
    "outputs": "the output root every run directory is inside",
    "name": "appended to the run directory's name",
    "train.total_steps": "environment steps to train",
    "train.eval_every": "steps between evaluations",
    "eval.n_seeds": "fixed evaluation cells",
}
READ_KEYS = {
    "resume": "a run directory to continue",
    "run_dir": "a training run to evaluate (or latest)",
    "checkpoint": "best | last: which checkpoint of run_dir",
    "init_from": "the run a stage or a transfer starts from (or latest)",
    "teacher": "the run whose agent is distilled (or latest)",
    "dataset": "a transition dataset (.npz); null: collect one",
    "method": "model | instance | feature | integrated",
    "source": "auto | farthest | self | a cell number",
}


@lru_cache(maxsize=1)
def _defaults() -> dict:
    return OmegaConf.to_container(OmegaConf.load(files("slicectl.conf") / "config.yaml"), resolve=False)


def _default(defaults: dict, key: str):
    node = defaults
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "null" if node is None else node


def group_rows(job: str | None = None) -> list[tuple[str, str, str]]:
    """(group, options, what it sets) for ``job``'s groups (every group: None)."""
    groups = dict(GROUPS)
    for name, extra in JOB_GROUPS.items():
        if job is None or job == name:
            groups.update(extra)
    rows = []
    for group, what in groups.items():
        options = group_options(group)
        if group == "env" and job is not None:
            options = _env_options(job) or options
        rows.append((group, ", ".join(options), what))
    return rows


def _env_options(job: str) -> list[str]:
    targets = {t for j in registry.load().jobs.get(job, []) for t in j.envs}
    if not targets or any(not j.envs for j in registry.load().jobs.get(job, [])):
        return []
    return sorted(registry.env_name(t) for t in targets)


def key_rows(job: str) -> list[tuple[str, str, str]]:
    """(key, default, what it sets) of the keys ``job``'s runs most often set."""
    defaults = _defaults()
    reads = {k for j in registry.load().jobs.get(job, []) for k in j.reads}
    keys = {**COMMON_KEYS, **{k: v for k, v in READ_KEYS.items() if k in reads}}
    return [(k, str(_default(defaults, k)), what) for k, what in keys.items()]


def command_epilog(job: str) -> str:
    """The end of ``slicectl <command> --help``: its groups and its keys,
    a section each (Typer keeps a section's line breaks)."""
    groups = ["Config groups (group=option):", *(f"  {g}: {opts}" for g, opts, _ in group_rows(job))]
    keys = ["Most used keys (key=value):", *(f"  {k} (default {d}): {what}" for k, d, what in key_rows(job)),
            "Any key of `--cfg job` is set the same way: agent.lr=3e-4, env.n_users=50."]
    return "\n\n".join(["\n".join(groups), "\n".join(keys)])
