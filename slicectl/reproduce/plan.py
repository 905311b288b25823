"""Planning and launching the runs a set of claims needs.

A plan is one preset's (``as_written``, a variant; claims.yaml). Every run
of the plan has a stable home,
``<outputs>/reproduce/<paper>/runs/<scale>/<preset>/<run>-<hash>/<seed>/``, the hash
covering what the run does (command, overrides, what it starts from, and the
resolved config they compose to), so a second ``reproduce`` finds the runs
the first completed and trains nothing, while a changed claims file or a
changed preset or default gets new runs rather than a stale one. Each run is launched
as one Hydra multirun over the seeds it still lacks, through whatever
launcher the user chose (``hydra/launcher=joblib`` spreads the seeds over
processes, ``submitit_slurm`` over a cluster).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from slicectl.config import processes
from slicectl.config.schema import digest
from slicectl.console import console
from slicectl.errors import UserError
from slicectl.reproduce.spec import PROJECT, Preset, RunSpec
from slicectl.runner.rundir import RunDir

RESUMABLE = ("interrupted", "stale")


@dataclass
class Plan:
    paper: str
    scale: str
    seeds: list[int]
    outputs: Path
    specs: list[RunSpec]
    preset: Preset = field(default_factory=lambda: PROJECT)   # its overrides come first in every run's
    launcher: tuple[str, ...] = ()        # hydra/launcher=... and hydra.launcher.* overrides
    trained: list[str] = field(default_factory=list)   # "<run> seed <s>" launched by this invocation
    problems: list[str] = field(default_factory=list)  # runs that did not complete
    _homes: dict[str, Path] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.outputs / "reproduce" / self.paper / "runs" / self.scale / self.preset.id

    def home(self, spec: RunSpec) -> Path:
        if spec.key not in self._homes:
            from slicectl.config.overrides import resolved

            needs = tuple(self.home(_spec(self, dep)).name for _, dep in spec.needs)
            cfg = resolved(*self.job_args(spec))
            # where the run writes and the paths it reads are not what it does
            # (the runs it starts from are in ``needs`` by their own names)
            dropped = {"seed", "outputs", *(k for k, _ in spec.needs)}
            config = digest({k: v for k, v in cfg.items() if k not in dropped})
            self._homes[spec.key] = self.root / spec.dirname((f"scale={self.scale}", *self.preset.all_overrides),
                                                             needs, config)
        return self._homes[spec.key]

    def job_args(self, spec: RunSpec) -> tuple[str, list[str]]:
        """The job ``spec`` runs and its overrides, seed aside."""
        from slicectl.config.launch import baseline_args, command_args

        args = [*self.preset.all_overrides, *spec.overrides, f"scale={self.scale}", f"outputs={self.outputs}",
                *(f"{k}={self.home(_spec(self, dep))}" for k, dep in spec.needs)]
        return baseline_args(spec.baseline, args) if spec.baseline else command_args(spec.command, args)

    def run_dir(self, key: str, seed: int) -> Path | None:
        """The completed run of ``key`` at ``seed``, or None."""
        d = self.home(_spec(self, key)) / str(seed)
        return d if _status(d) == "completed" else None

    def missing(self) -> dict[Path, dict[int, str | None]]:
        """Each run home's seeds without a completed run, with their status (None: never started).

        Two specs may share a home; it is listed once.
        """
        homes = {self.home(s) for s in self.specs}
        return {home: {seed: st for seed in self.seeds if (st := _status(home / str(seed))) != "completed"}
                for home in sorted(homes)}


def _status(d: Path) -> str | None:
    if not (d / "manifest.json").is_file():
        return None
    try:
        return RunDir(d).status()
    except UserError:
        return "unreadable"


def execute(plan: Plan) -> None:
    """Launch what is missing, dependencies first."""
    missing = plan.missing()   # the one scan of the run homes
    todo = {home: seeds for home, seeds in missing.items() if seeds}
    total = len(missing) * len(plan.seeds)
    if not todo:
        console.print(f"all {total} runs found under {plan.root}: nothing to train")
        return
    n_todo = sum(len(seeds) for seeds in todo.values())
    left = sum(st not in (None, *RESUMABLE) for seeds in todo.values() for st in seeds.values())
    console.print(f"{total - n_todo} of {total} runs found under {plan.root}; running {n_todo - left}"
                  + (f"; {left} failed or busy, left as they are (the report lists them)" if left else ""))
    for spec in plan.specs:
        home = plan.home(spec)
        seeds = todo.pop(home, None)   # a home shared by two specs runs once
        if not seeds:
            continue
        again = [seed for seed, st in seeds.items() if st in RESUMABLE and _set_aside(plan, spec, seed)]
        resumed = [seed for seed, st in seeds.items() if st in RESUMABLE and seed not in again]
        fresh = sorted([seed for seed, st in seeds.items() if st is None] + again)
        for seed, st in seeds.items():
            if st is not None and st not in RESUMABLE:   # failed, running elsewhere, unreadable: the user looks
                plan.problems.append(f"{plan.preset.id}: {spec.key} seed {seed}: {st} ({home / str(seed)}); "
                                     "remove it to run it again")
        job, full = plan.job_args(spec)
        if fresh:
            _launch(plan, spec, job, ["-m", *full, f"seed={','.join(map(str, fresh))}", *plan.launcher,
                                      f"hydra.sweep.dir={home}", "hydra.sweep.subdir=${seed}"], fresh)
        if resumed:
            _resume(plan, spec, resumed)


def _set_aside(plan: Plan, spec: RunSpec, seed: int) -> bool:
    """A run stopped before its first checkpoint (a job that resumes from
    last.pt, which it has not written yet) has nothing to resume: it moves
    to ``.set-aside/`` beside the seeds and the seed trains afresh."""
    from slicectl.config.overrides import before_first_checkpoint

    run = RunDir(plan.home(spec) / str(seed))
    if not before_first_checkpoint(run):
        return False
    to = run.path.parent / ".set-aside" / f"{seed}-{run.run_id}"
    to.parent.mkdir(exist_ok=True)
    run.path.rename(to)
    console.print(f"reproduce: {plan.preset.id}: {spec.key} seed {seed} stopped before its first checkpoint: "
                  f"it starts again (the old run: {to})", soft_wrap=True)
    return True


def _spec(plan: Plan, key: str) -> RunSpec:
    return next(s for s in plan.specs if s.key == key)


def _launch(plan: Plan, spec: RunSpec, job: str, args: list[str], seeds: list[int]) -> None:
    """A run's missing seeds as one multirun. A run that fails says why and the
    plan goes on without it; a UserError (the plan's own overrides are wrong:
    nothing can run) ends the plan."""
    from slicectl.config.launch import launch

    console.print(f"reproduce: {plan.preset.id}: {spec.key}, seeds {', '.join(map(str, seeds))}", soft_wrap=True)
    try:
        launch(job, args)
    except SystemExit as exc:   # the runs say how they ended; a message of the launcher's own is shown
        if isinstance(exc.code, str):
            console.print(f"reproduce: {plan.preset.id}: {spec.key}: {exc.code}", soft_wrap=True)
    _record(plan, spec, seeds)


def _resume(plan: Plan, spec: RunSpec, seeds: list[int]) -> None:
    """Continue the interrupted runs of ``spec`` (`train resume=` continues a
    run of any job, with its own recorded overrides), as many at once as the
    launcher runs jobs: one per core unless ``hydra.launcher.n_jobs`` says."""
    console.print(f"reproduce: {plan.preset.id}: {spec.key}, resuming seeds {', '.join(map(str, seeds))}",
                  soft_wrap=True)
    paths = [str(plan.home(spec) / str(seed)) for seed in seeds]
    n = min(len(seeds), _processes(plan))
    refused = [_resume_one(p) for p in paths] if n == 1 else processes.run_all([(_resume_one, (p,)) for p in paths], n)
    for seed, why in zip(seeds, refused):
        if why:
            plan.problems.append(f"{plan.preset.id}: {spec.key} seed {seed}: cannot be resumed: {why}")
    _record(plan, spec, [seed for seed, why in zip(seeds, refused) if not why])


def _resume_one(path: str) -> str | None:
    """``slicectl train resume=<path>``; why it was refused, or None (a run
    that started says how it ended in its own status)."""
    from slicectl.config.launch import launch

    try:
        launch("train", [f"resume={path}"])
    except SystemExit:
        pass
    except UserError as exc:
        return str(exc)
    return None


def _processes(plan: Plan) -> int:
    opts = dict(a.split("=", 1) for a in plan.launcher if "=" in a)
    if opts.get("hydra/launcher") == "basic":
        return 1
    try:
        return processes.count(opts.get("hydra.launcher.n_jobs", -1))
    except ValueError:
        raise UserError(f"hydra.launcher.n_jobs: expected an integer, got {opts['hydra.launcher.n_jobs']!r}") from None


def _record(plan: Plan, spec: RunSpec, seeds: list[int]) -> None:
    """The runs just launched, and those that did not complete. A run that
    ended ``interrupted`` was stopped by Ctrl-C or SIGTERM, meant for the
    whole plan: it stops here (KeyboardInterrupt), leaving the rest to a rerun."""
    runs = {seed: plan.home(spec) / str(seed) for seed in seeds}
    statuses = {seed: _status(d) for seed, d in runs.items()}
    for seed, d in runs.items():
        status = statuses[seed]
        plan.trained.append(f"{plan.preset.id}: {spec.key} seed {seed}")
        if status != "completed":
            plan.problems.append(f"{plan.preset.id}: {spec.key} seed {seed}: {status or 'not started'} ({d})")
    if "interrupted" in statuses.values():
        raise KeyboardInterrupt
