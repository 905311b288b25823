"""A run's status and rows can be trusted: non-finite state never completes
or overwrites a checkpoint, one writer per run directory, a short metrics
file is refused, a full disk is one line, and eval tests generalisation
under env overrides that keep the agent's spaces."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from slicectl.errors import UserError
from slicectl.runner import checkpoint
from slicectl.runner.lifecycle import running
from slicectl.runner.rundir import MetricsWriter, RunDir
from tests.malformed.world import digest, invoke

FAST = ["scale=smoke", "eval.compare=[]", "train.total_steps=60", "train.eval_every=20"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A completed smoke DQN run, made by the CLI (in this process)."""
    root = tmp_path_factory.mktemp("trained")
    res = invoke(["train", *FAST, "hydra.run.dir=outputs/run"], root)
    assert res.exit_code == 0, res.stderr
    return root / "outputs" / "run"


def interrupted_copy(run: Path, dest: Path, status: str = "interrupted") -> Path:
    shutil.copytree(run, dest)
    m = json.loads((dest / "manifest.json").read_text())
    m["status"] = status
    (dest / "manifest.json").write_text(json.dumps(m))
    return dest


def error_line(res) -> str:
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and "Traceback" not in res.stderr + res.stdout, res.stderr
    return lines[0]


def test_nan_poisoned_last_checkpoint_resumes_to_failed_and_keeps_best(trained, tmp_path):
    run = interrupted_copy(trained, tmp_path / "run")
    last = run / "checkpoints" / "last.pt"
    state = torch.load(last, weights_only=True)
    state["agent"]["q"]["body.0.weight"].fill_(float("nan"))
    torch.save(state, last)
    best, poisoned = (run / "checkpoints" / "best.pt").read_bytes(), last.read_bytes()
    res = invoke(["train", f"resume={run}"], tmp_path)
    line = error_line(res)
    assert "NaN" in line and "agent.q.body.0.weight" in line
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "agent.q.body.0.weight" in manifest["error"]
    assert (run / "checkpoints" / "best.pt").read_bytes() == best
    assert last.read_bytes() == poisoned  # nothing saved over it


def test_a_non_finite_metric_stops_the_run_as_failed_naming_step_and_quantity(tmp_path):
    run = RunDir(tmp_path / "run")
    with pytest.raises(UserError, match="loss became nan at env step 40"):
        with running(run, "train", 0, "cpu"):
            writer = MetricsWriter(run.metrics_path, ["env_steps", "reward", "loss"])
            writer.write({"env_steps": 20, "reward": 1.0, "loss": 0.5})
            writer.write({"env_steps": 40, "reward": 1.0, "loss": float("nan")})
    manifest = run.manifest()
    assert manifest["status"] == "failed" and "loss became nan at env step 40" in manifest["error"]
    assert pd.read_csv(run.metrics_path)["env_steps"].tolist() == [20]  # the NaN row was not logged


def test_a_non_finite_state_never_overwrites_a_checkpoint(tmp_path):
    path = tmp_path / "last.pt"
    checkpoint.save(path, {"agent": {"w": torch.ones(3)}, "replay": np.zeros(4)})
    good = path.read_bytes()
    with pytest.raises(UserError, match=r"agent\.w became non-finite"):
        checkpoint.save(path, {"agent": {"w": torch.tensor([1.0, float("inf"), 0.0])}})
    with pytest.raises(UserError, match="replay became non-finite"):
        checkpoint.save(path, {"replay": np.array([np.nan])})
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]  # no temporary file left


def test_a_non_finite_result_is_never_written_to_a_manifest(tmp_path):
    run = RunDir(tmp_path / "run")
    with pytest.raises(UserError, match="final.utility is not a finite number"):
        with running(run, "train", 0, "cpu"):
            run.update(final={"utility": float("inf")})
    assert json.loads(run.manifest_path.read_text())["status"] == "failed"  # valid JSON still


def test_resuming_a_run_whose_writer_is_alive_is_refused(trained, tmp_path):
    run = interrupted_copy(trained, tmp_path / "run", status="running")
    writer = RunDir(run)
    writer.acquire()  # as the process still training it would
    try:
        before = digest(run)
        line = error_line(invoke(["train", f"resume={run}"], tmp_path))
        assert "still running (process" in line
        assert digest(run) == before
        assert writer.status() == "running"
    finally:
        writer.release()
    assert RunDir(run).status() == "stale"  # nobody holds it now: resumable
    res = invoke(["train", f"resume={run}"], tmp_path)
    assert res.exit_code == 0, res.stderr
    assert RunDir(run).status() == "completed"


def test_a_second_writer_of_one_directory_is_refused(tmp_path):
    run = RunDir(tmp_path / "run")
    with running(run, "train", 0, "cpu"):
        with pytest.raises(UserError, match="being written by process"):
            with running(RunDir(run.path), "train", 0, "cpu"):
                pass
    assert run.manifest()["status"] == "completed"


def test_a_cut_metrics_file_is_refused_out_loud(trained, tmp_path):
    run = interrupted_copy(trained, tmp_path / "run")
    lines = (run / "metrics.csv").read_text().splitlines(keepends=True)
    (run / "metrics.csv").write_text("".join(lines[:2]) + lines[2][:7])  # a row and a half
    before = digest(run)
    line = error_line(invoke(["train", f"resume={run}"], tmp_path))
    assert "metrics.csv has 1 complete rows but last.pt was saved after row" in line
    assert digest(run) == before


def test_report_leaves_out_runs_that_are_not_completed_and_says_so(trained, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(trained, sweep / "0")
    interrupted_copy(trained, sweep / "1", status="running")   # its process is gone: stale
    interrupted_copy(trained, sweep / "2", status="failed")
    res = invoke(["report", str(sweep)], tmp_path)
    assert res.exit_code == 0, res.stderr
    assert "left out 2 runs that are not completed: 1 failed, 1 stale" in res.stdout
    assert pd.read_csv(sweep / "report.csv")["n"].tolist() == [1]


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_is_one_line_and_keeps_the_last_good_checkpoint(tmp_path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "48m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        run = disk / "run"
        args = ["train", *FAST, "train.total_steps=400", f"outputs={disk}",
                f"hydra.run.dir={run}"]
        proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", *args], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        last = run / "checkpoints" / "last.pt"
        while proc.poll() is None and not last.is_file():
            pass
        good = last.read_bytes()
        with open(disk / "filler", "wb") as fh:  # the disk fills up under the run
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError:
                pass
        _, err = proc.communicate(timeout=600)
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in err, err
        assert "No space left on device" in lines[0] and str(run) in lines[0]
        assert not list(run.rglob("*.tmp"))
        state = torch.load(last, weights_only=True)  # a whole checkpoint, the last good one or a later one
        assert state["rows"] >= torch.load(__import__("io").BytesIO(good), weights_only=True)["rows"]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_eval_under_a_shifted_service_mix_differs_and_names_the_shifted_keys(trained, tmp_path):
    plain = invoke(["eval", f"run_dir={trained}", "scale=smoke"], tmp_path)
    assert plain.exit_code == 0, plain.stderr
    shifted = invoke(["eval", f"run_dir={trained}", "scale=smoke", "env.slices.0.share=1",
                      "env.slices.2.share=6"], tmp_path)
    assert shifted.exit_code == 0, shifted.stderr
    assert "env.slices.0.share: 6 -> 1" in shifted.stdout and "env.slices.2.share: 1 -> 6" in shifted.stdout
    runs = sorted((tmp_path / "outputs" / "eval").iterdir())
    a, b = (pd.read_csv(r / "metrics.csv") for r in runs)
    assert not np.allclose(a["utility"], b["utility"])
    assert json.loads((runs[1] / "manifest.json").read_text())["env_shift"] == {
        "env.slices.0.share": [6, 1], "env.slices.2.share": [1, 6]}
    assert "differ from training" not in plain.stdout
