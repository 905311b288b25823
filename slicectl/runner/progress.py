"""How a training shows its progress. On a terminal, a rich progress bar; with
none (nohup, SLURM, ``| tee``), a plain line on stdout at each evaluation and
at least every ``PLAIN_EVERY`` seconds: steps done, the last evaluation's
objective, elapsed time and the estimated time left."""
from __future__ import annotations

import time

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from slicectl.console import console

PLAIN_EVERY = 30.0   # seconds between plain lines when nothing else prompts one


class TrainingProgress:
    def __init__(self, label: str, total: int, start: int, objective: str):
        self.label, self.total, self.start, self.objective = label, total, start, objective
        self.bar = None

    def __enter__(self) -> "TrainingProgress":
        self.t0 = self.last_line = time.monotonic()
        self.shown_eval = None
        if console.is_terminal:
            self.bar = Progress(TextColumn(f"[bold]{self.label}[/]"), BarColumn(),
                                TextColumn("{task.completed:>7.0f}/{task.total:.0f} steps"),
                                TextColumn(f"eval {self.objective} {{task.fields[u]}}"),
                                TimeElapsedColumn(), TimeRemainingColumn(), console=console)
            self.bar.__enter__()
            self.task = self.bar.add_task(self.label, total=self.total, completed=self.start, u="-")
        return self

    def update(self, steps: int, last_eval: dict) -> None:
        value = last_eval.get(self.objective) if last_eval else None
        if self.bar is not None:
            self.bar.update(self.task, completed=steps, u="-" if value is None else f"{value:.3f}")
            return
        now = time.monotonic()
        new_eval = last_eval is not self.shown_eval and bool(last_eval)
        if not (new_eval or now - self.last_line >= PLAIN_EVERY or steps >= self.total):
            return
        self.shown_eval, self.last_line = last_eval, now
        elapsed = now - self.t0
        done = max(steps - self.start, 1)
        eta = elapsed / done * max(self.total - steps, 0)
        shown = "-" if value is None else f"{value:.3f}"
        print(f"{self.label}: {steps}/{self.total} steps ({100 * steps / self.total:.0f}%), "
              f"eval {self.objective} {shown}, elapsed {_clock(elapsed)}, ETA {_clock(eta)}", flush=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
