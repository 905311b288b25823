"""Interrupted-then-resumed equals uninterrupted, through the CLI with a real kill."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from tests.conftest import SMOKE

ARGS = [*SMOKE, "train.total_steps=300", "train.eval_every=60", "eval.compare=[]"]


def _rows(path):
    return pd.read_csv(path).drop(columns="wall_s")


def test_kill9_then_resume_equals_uninterrupted(cli):
    full = cli.cwd / "full"
    r = cli("train", *ARGS, f"hydra.run.dir={full}")
    assert r.returncode == 0, r.stderr

    killed = cli.cwd / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", "train", *ARGS,
                             f"hydra.run.dir={killed}"], cwd=cli.cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = killed / "metrics.csv"
    deadline = time.time() + 300
    # wait until a few rows are on disk, then kill -9 mid-run
    while time.time() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 6):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = metrics.read_text().splitlines()
    n_full = len((full / "metrics.csv").read_text().splitlines())
    assert 6 <= len(before) < n_full, "the kill must land mid-run"
    assert json.loads((killed / "manifest.json").read_text())["status"] == "running"

    r = cli("train", f"resume={killed}")
    assert r.returncode == 0, r.stderr
    assert json.loads((killed / "manifest.json").read_text())["status"] == "completed"
    pd.testing.assert_frame_equal(_rows(full / "metrics.csv"), _rows(metrics))
    # every row logged before the kill is still there (or was set aside, never dropped)
    after = metrics.read_text().splitlines()
    orphaned = killed / "metrics.orphaned.csv"
    kept = [r.rsplit(",", 1)[0] for r in after]
    for row in before:
        assert row.rsplit(",", 1)[0] in kept or (orphaned.exists() and row in orphaned.read_text())


def test_ctrl_c_marks_interrupted_and_resumes(cli):
    run = cli.cwd / "run"
    # a job started in the background of a non-interactive shell (CI) inherits
    # SIGINT ignored, and Python then keeps ignoring it: give the child the
    # default disposition, as a terminal would
    proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", "train", *ARGS,
                             f"hydra.run.dir={run}"], cwd=cli.cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    metrics = run / "metrics.csv"
    deadline = time.time() + 300
    while time.time() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 4):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "resume with" in err and "Traceback" not in err
    assert json.loads((run / "manifest.json").read_text())["status"] == "interrupted"
    r = cli("train", f"resume={run}")
    assert r.returncode == 0, r.stderr
    assert json.loads((run / "manifest.json").read_text())["status"] == "completed"
    assert pd.read_csv(metrics)["env_steps"].max() == 300
