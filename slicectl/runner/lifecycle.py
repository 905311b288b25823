"""The one run lifecycle. Every run directory — a job's, a huang2023 stage's,
a phase's inside a job — starts, resumes and ends here:

    with running(run, "train", seed, device, resume=...) as state:
        ...   # state: the last.pt checkpoint to continue from, or None

Starting writes the manifest (status ``running``, versions, seed, pid, the
``manifest`` fields given). Resuming marks the run ``running`` again and, when
it has a ``checkpoints/last.pt``, loads it and moves the metrics rows logged
after it aside (``RunDir.rewind``): the resumed run logs them again
identically (without one, it starts over and every row moves aside). However the block ends, the manifest records it: ``completed``,
``interrupted`` (Ctrl-C, SIGTERM), or ``failed`` with the error.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

from slicectl.errors import UserError
from slicectl.runner import checkpoint
from slicectl.runner.rundir import RunDir


@contextmanager
def running(run: RunDir, job: str, seed: int, device: str, resume: bool = False,
            load: bool = True, **manifest: Any) -> Iterator[dict | None]:
    """``resume``: continue ``run`` (its manifest exists); ``load``: hand back
    its last.pt state, if it has one (a multi-phase run resumes phase by phase
    and has none of its own)."""
    state = None
    if resume:
        last = run.checkpoints / "last.pt"
        if load and last.is_file():
            state = checkpoint.load(last)  # before touching the run: a bad checkpoint leaves it as it was
            run.rewind(state)
        elif load and run.metrics_path.is_file():  # stopped before its first checkpoint: it starts over
            run.rewind({"rows": 0, "counters": {"env_steps": 0}})
        run.update(status="running", pid=os.getpid())
    else:
        run.start(job, seed, device, **manifest)
    try:
        yield state
    except KeyboardInterrupt:
        run.finish("interrupted")
        raise
    except UserError as exc:
        run.finish("failed", error=str(exc))
        raise
    except BaseException as exc:
        run.finish("failed", error=f"{type(exc).__name__}: {exc}")
        raise
    run.finish("completed")


def is_completed(run: RunDir) -> bool:
    return run.manifest_path.is_file() and run.manifest().get("status") == "completed"
