"""The Python API (slicectl.api): the example script from a plain Python
session, and each call's results and errors in process."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import slicectl
from slicectl.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_trains_two_agents_evaluates_them_and_prints_the_paired_comparison(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "compare_agents.py"), "--scale", "smoke"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    trains = sorted((tmp_path / "outputs" / "train").iterdir())
    evals = sorted((tmp_path / "outputs" / "eval").iterdir())
    assert len(trains) == 2 and len(evals) == 2
    # the printed difference is the mean over cells of the two evaluations' per-cell utilities
    a, b = (pd.read_csv(d / "metrics.csv")["utility"].to_numpy() for d in evals)
    line = next(ln for ln in r.stdout.splitlines() if "ddqn − dqn:" in ln)
    assert float(line.split(":")[1].split("±")[0]) == pytest.approx((a - b).mean(), abs=5e-4)


def test_train_returns_the_completed_run_and_evaluate_its_per_seed_metrics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = slicectl.train(["scale=smoke", "agent=ddqn", "seed=2"])
    assert run.parent == tmp_path / "outputs" / "train"
    assert json.loads((run / "manifest.json").read_text())["status"] == "completed"
    res = slicectl.evaluate(run, ["scale=smoke"])
    base = slicectl.evaluate("random", ["scale=smoke"])
    rows = pd.read_csv(res["run_dir"] / "metrics.csv")
    assert res["seeds"] == base["seeds"] == rows["episode"].tolist()
    assert np.array_equal(res["metrics"]["utility"], rows["utility"].to_numpy())
    assert res["mean"]["utility"] == pytest.approx(rows["utility"].mean())
    # the loaded agent acts as the evaluation did: greedy actions from best.pt
    agent = slicectl.load_agent(run)
    env = slicectl.make_env("ran", num_envs=2)
    obs = env.reset([7, 8])
    first = agent.act(obs, explore=False)
    assert first.shape == (2,) and np.array_equal(first, slicectl.load_agent(run).act(obs, explore=False))


def test_make_env_applies_settings_and_checks_them_as_the_cli_does():
    env = slicectl.make_env("ran", num_envs=3, n_users=40)
    assert env.reset([1, 2, 3]).shape[0] == 3
    with pytest.raises(UserError, match="env.nope: unknown key"):
        slicectl.make_env("ran", nope=1)
    with pytest.raises(UserError, match="n_users"):
        slicectl.make_env("ran", n_users=-5)


def test_bad_input_raises_a_one_line_user_error_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="agent.lr"):
        slicectl.train(["agent.lr=-1"])
    with pytest.raises(UserError, match="run directory not found"):
        slicectl.evaluate(tmp_path / "nowhere")
    with pytest.raises(UserError, match="no .hydra/config.yaml"):
        slicectl.load_agent(tmp_path)
    with pytest.raises(UserError, match="one run at a time"):
        slicectl.train(["-m", "seed=0,1"])
    with pytest.raises(UserError, match="unknown command"):
        slicectl.run("trian")
    assert not (tmp_path / "outputs").exists()
