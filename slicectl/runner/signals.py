"""How a run takes Ctrl-C and SIGTERM (the command's side, workers and exit
codes, is ``slicectl.config.interrupts``):

- ``interruptible``: in the block, SIGTERM raises KeyboardInterrupt as
  Ctrl-C does, once: the run's lifecycle records it ``interrupted``, and a
  second signal while it does so is ignored rather than cutting the record
  short. The handlers from before are back after the block;
- ``deferred``: a write that must not be cut (a checkpoint) takes an
  interruption at its end, so the checkpoint being written is kept whole
  rather than thrown away (torch.save turns a KeyboardInterrupt raised in
  the middle of its write into a RuntimeError: "writing failed");
- ``arrived``: whether a signal has arrived in the block. Other code turns
  the KeyboardInterrupt into its own error too (Python 3.11 wraps one
  raised while a dataclass is made, as a run's first imports make them, in
  a RuntimeError), so however a run ends after the signal, it was
  interrupted (``runner.lifecycle``);
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
    arrived = False    # a signal arrived in the ``interruptible`` block


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM or Ctrl-C raise KeyboardInterrupt once in the block (at the
    end of a ``deferred`` write it arrives in), and an error the block ends
    with after one leaves it as KeyboardInterrupt; the handlers from before
    are back after it."""
    def interrupt(signum, frame):
        _Held.arrived = True
        if _Held.depth:
            _Held.pending = True
            return
        raise KeyboardInterrupt

    before, _Held.arrived = _Held.arrived, False
    try:
        with handling(interrupt):
            yield
    except Exception as exc:
        if _Held.arrived:
            raise KeyboardInterrupt from exc
        raise
    finally:
        _Held.arrived = before


def arrived() -> bool:
    """A SIGTERM or Ctrl-C has arrived in the ``interruptible`` block this
    code runs in: an error it ends with is the interruption, in whatever
    form the code it landed in raised it."""
    return _Held.arrived


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
