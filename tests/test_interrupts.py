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


def test_an_error_the_signal_was_turned_into_ends_the_run_interrupted(tmp_path):
    """Python 3.11 wraps a KeyboardInterrupt raised while a dataclass is made
    (a run's first imports) in a RuntimeError: the run ended ``failed`` and
    the command went on to the next run. After a signal, the run is
    ``interrupted`` however the code it landed in reported it."""
    from slicectl.runner.lifecycle import running
    from slicectl.runner.rundir import RunDir
    from slicectl.runner.signals import interruptible

    run = RunDir(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        with interruptible(), running(run, "train", 0, "cpu"):
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)   # the signal interrupts this
            except KeyboardInterrupt as exc:
                raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc
    assert run.status() == "interrupted"


def test_an_error_without_a_signal_still_ends_the_run_failed(tmp_path):
    from slicectl.runner.lifecycle import running
    from slicectl.runner.rundir import RunDir
    from slicectl.runner.signals import interruptible

    run = RunDir(tmp_path / "run")
    with pytest.raises(RuntimeError):
        with interruptible(), running(run, "train", 0, "cpu"):
            raise RuntimeError("a real error")
    assert run.status() == "failed"
    assert run.manifest()["error"] == "RuntimeError: a real error"


CAUGHT_IN_EXEC = """
import sys
import slicectl.cli as cli

@cli.app.command()
def interrupted():
    try:
        exec("raise KeyboardInterrupt")   # as a signal landing while a dataclass is made
    except KeyboardInterrupt:
        sys.exit(130)

cli.main()
"""


def test_python_m_slicectl_exits_130_after_an_interrupt_caught_from_a_string_exec(tmp_path):
    """CPython marks such an interrupt unhandled even once caught, and a
    ``python -m`` process then died by SIGINT (-2) rather than exiting 130."""
    import subprocess
    import sys

    (tmp_path / "caught_in_exec.py").write_text(CAUGHT_IN_EXEC)
    done = subprocess.run([sys.executable, "-m", "caught_in_exec", "interrupted"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr[-2000:]
