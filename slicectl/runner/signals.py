"""How a run takes Ctrl-C and SIGTERM (the command's side, workers and exit
codes, is ``slicectl.config.interrupts``):

- ``interruptible``: in the block, SIGTERM raises KeyboardInterrupt as
  Ctrl-C does, once: the run's lifecycle records it ``interrupted``, and a
  second signal while it does so is ignored rather than cutting the record
  short. The handlers from before are back after the block;
- ``deferred``: a write that must not be cut (a checkpoint) takes an
  interruption at its end. torch.save turns a KeyboardInterrupt raised in
  the middle of its write into a RuntimeError, so a signal there ended the
  run ``failed`` with "writing failed" rather than ``interrupted``;
- a signal the process was started ignoring (``nohup``, a background job's
  Ctrl-C) stays ignored.
"""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Held:
    depth = 0          # nested ``deferred`` blocks open
    pending = False    # an interruption arrived in one


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM or Ctrl-C raise KeyboardInterrupt once in the block (at the
    end of a ``deferred`` write it arrives in); the handlers from before are
    back after it."""
    def interrupt(signum, frame):
        if _Held.depth:
            _Held.pending = True
            return
        raise KeyboardInterrupt

    with handling(interrupt):
        yield


@contextmanager
def deferred() -> Iterator[None]:
    """An interruption in the block is raised when the block has ended."""
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
        pending = _Held.pending and _Held.depth == 0
        if pending:
            _Held.pending = False
    if pending:
        raise KeyboardInterrupt


@contextmanager
def handling(handler) -> Iterator[None]:
    """``handler`` for the first SIGTERM or SIGINT in the block; a later one
    is ignored (the first is being acted on). A signal this process was
    started ignoring stays ignored."""
    fired = False

    def once(signum, frame):
        nonlocal fired
        if not fired:
            fired = True
            handler(signum, frame)

    previous = {s: signal.signal(s, once) for s in SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before)
