"""Ctrl-C and SIGTERM: a run records its interruption once (the end-to-end
cases are in test_resume, test_stacked and test_reproduce)."""
import os
import signal
import time

import pytest


def test_a_second_signal_while_a_run_records_its_interruption_is_ignored_and_the_handler_restored():
    from slicectl.config.interrupts import interruptible

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
    from slicectl.config.interrupts import interruptible

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interruptible():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
