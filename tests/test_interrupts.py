"""Ctrl-C and SIGTERM: a run records its interruption once (the end-to-end
cases are in test_resume, test_stacked and test_reproduce)."""
import os
import signal
import time

import pytest


def test_a_second_signal_while_a_run_records_its_interruption_is_ignored_and_the_handler_restored():
    from slicectl.runner.signals import interruptible

    before = signal.getsignal(signal.SIGTERM)
    recorded = []
    with pytest.raises(KeyboardInterrupt):
        with interruptible():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)   # the first signal interrupts this
            except KeyboardInterrupt:
                os.kill(os.getpid(), signal.SIGINT)   # a second one while the run records it
                time.sleep(0.2)
                recorded.append("interrupted")
                raise
    assert recorded == ["interrupted"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_the_process_was_started_ignoring_stays_ignored():
    """``nohup`` or a background job: the user asked for it."""
    from slicectl.runner.signals import interruptible

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interruptible():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


WORKER = """
import signal, sys, time
log = open(sys.argv[1], "a", buffering=1)
def term(signum, frame):
    log.write("TERM\\n")
    if not getattr(term, "seen", False):
        term.seen = True
        time.sleep(1.5)   # ending its runs takes a while
        sys.exit(0)
signal.signal(signal.SIGTERM, term)
log.write("ready\\n")
time.sleep(60)
"""


def test_a_second_signal_while_the_command_waits_for_its_workers_is_not_passed_on_again(tmp_path):
    """Ctrl-C from a terminal, then the SIGTERM of whoever stops the job: a
    worker ending its runs gets one SIGTERM, and the command exits 130."""
    import subprocess
    import sys
    import threading

    from slicectl.config.interrupts import workers_end_first

    log = tmp_path / "signals"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(log)])
    try:
        deadline = time.monotonic() + 30
        while "ready" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.05)
        second = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))   # while the command waits
        with pytest.raises(SystemExit) as exc:
            with workers_end_first():
                second.start()
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)
        second.join()
        assert exc.value.code == 130
        assert worker.wait(timeout=10) == 0
        assert log.read_text().split() == ["ready", "TERM"]
    finally:
        worker.kill()
        worker.wait()


def test_a_signal_during_a_checkpoint_write_interrupts_the_run_after_the_file_is_whole(tmp_path, monkeypatch):
    """torch.save turned a KeyboardInterrupt raised inside its write into a
    RuntimeError, and the run ended failed ("writing failed") instead of
    interrupted: the signal now waits for the write."""
    import torch

    from slicectl.runner import checkpoint
    from slicectl.runner.signals import interruptible

    storable = checkpoint.to_storable

    def signalled_midway(obj):   # the signal lands while the checkpoint is being written
        os.kill(os.getpid(), signal.SIGTERM)
        return storable(obj)

    monkeypatch.setattr(checkpoint, "to_storable", signalled_midway)
    path = tmp_path / "last.pt"
    with pytest.raises(KeyboardInterrupt):
        with interruptible():
            checkpoint.save(path, {"w": torch.arange(4.0)})
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.arange(4.0))
    assert not (tmp_path / "last.pt.tmp").exists()
