"""TensorBoard events beside metrics.csv: every row's scalars, and the
hyperparameters with the final metrics, read back as TensorBoard reads them."""
from __future__ import annotations

import pandas as pd
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import slicectl


def _events(run):
    ea = EventAccumulator(str(run / "tb"), size_guidance={"scalars": 0})
    ea.Reload()
    return ea


def test_a_smoke_run_writes_every_metrics_row_and_its_hparams_as_tensorboard_events(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = slicectl.train(["scale=smoke", "seed=1"])
    rows = pd.read_csv(run / "metrics.csv")
    ea = _events(run)
    for split in ("train", "eval"):
        sub = rows[rows["split"] == split]
        for column in ("utility", "reward"):
            events = ea.Scalars(f"{split}/{column}")
            assert [e.step for e in events] == sub["env_steps"].tolist()
            assert [e.value for e in events] == pytest.approx(sub[column].tolist(), rel=1e-6)
    last = rows[rows["split"] == "eval"].iloc[-1]
    assert ea.Scalars("final/utility")[0].value == pytest.approx(last["utility"], rel=1e-6)
    hparams = ea.PluginTagToContent("hparams")
    assert "_hparams_/session_start_info" in hparams
    start = hparams["_hparams_/session_start_info"].decode("latin-1")
    assert "agent.lr" in start and "env.n_users" in start


def test_a_job_that_writes_its_metrics_whole_gets_them_mirrored_when_it_completes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = slicectl.run("bidding", ["scale=smoke"])
    rows = pd.read_csv(run / "metrics.csv")
    ea = _events(run)
    numeric = [c for c in rows.columns if c not in ("env_steps", "split", "episode")
               and pd.api.types.is_numeric_dtype(rows[c]) and rows[c].notna().all()]
    split = rows["split"].iloc[0]
    tag = f"{split}/{numeric[0]}"
    assert len(ea.Scalars(tag)) == int((rows["split"] == split).sum())
