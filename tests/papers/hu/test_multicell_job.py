"""hu's multi-cell network from the command line: training the stacked
per-cell TD3, the references, sweeps, and a wrong agent."""
import json
from pathlib import Path

import numpy as np

import pandas as pd
import pytest

from tests.test_cli import run_dirs
from tests.test_resume import assert_resumed_equals_full, kill9_midway

SMOKE = ["env=multicell", "scale=smoke"]


def test_train_multicell_defaults_to_stacked_td3_and_writes_its_metrics(cli):
    r = cli("train", *SMOKE)
    assert r.returncode == 0, r.stderr
    (run,) = run_dirs(cli.cwd)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    m = pd.read_csv(run / "metrics.csv")
    ev = m[m["split"] == "eval"]
    assert {"satisfaction", "fail_rate", "max_delay_ms", "thr_sat"} <= set(m.columns)
    assert ev["satisfaction"].between(0, 1).all() and ev["fail_rate"].between(0, 1).all()
    assert "proportional" in r.stdout and "oracle" in r.stdout
    # every (policy, network, step, cell) of the final evaluation, for Figs. 5-6
    samples = pd.read_csv(run / "eval_samples.csv")
    assert len(samples) == 3 * 3 * 5 * 12  # agent, proportional, oracle x 3 networks x 5 steps x 12 cells
    agent = samples[samples["policy"] == "agent"]
    assert (agent["cell_min_thr_sat"] < 0.95).mean() == pytest.approx(ev["fail_rate"].iloc[-1])
    assert agent["cell_reward"].mean() == pytest.approx(ev["satisfaction"].iloc[-1])


def test_multicell_sweep_and_baselines(cli):
    r = cli("train", "-m", *SMOKE, "seed=0,1", "env.coordinated=true,false")
    assert r.returncode == 0, r.stderr
    assert len(run_dirs(cli.cwd)) == 4
    for name in ("proportional", "equal", "oracle", "random"):
        e = cli("eval", *SMOKE, "--baseline", name)
        assert e.returncode == 0, e.stderr
    rows = [pd.read_csv(d / "metrics.csv") for d in run_dirs(cli.cwd, "eval")]
    assert len(rows) == 4 and all(r["satisfaction"].between(0, 1).all() for r in rows)
    # transfer over seeds from a sweep: each seed's sources come from that seed's run
    sweep = next((cli.cwd / "outputs" / "multirun" / "train").iterdir())
    t = cli("transfer", "-m", *SMOKE, "seed=0,1", "env.coordinated=false", f"init_from={sweep}")
    assert t.returncode == 0, t.stderr
    for run in run_dirs(cli.cwd, "transfer"):
        m = json.loads((run / "manifest.json").read_text())
        src = json.loads((Path(m["init_from"]) / "manifest.json").read_text())
        assert src["seed"] == m["seed"]
        assert "env.coordinated=False" in (Path(m["init_from"]) / ".hydra" / "overrides.yaml").read_text()


def test_an_agent_that_cannot_be_stacked_is_a_one_line_error(cli):
    r = cli("train", *SMOKE, "agent=dqn")
    assert r.returncode == 2
    assert "cannot be stacked" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_coordinated_td3_fails_fewer_cells_than_the_traffic_aware_baseline(cli):
    """The default budget (4000 steps): the share of (cell, step) pairs below
    0.95 throughput satisfaction, per evaluation network, is lower for the
    agent than for the perfect-knowledge proportional split."""
    r = cli("train", "env=multicell", "train.eval_every=4000", timeout=1800)
    assert r.returncode == 0, r.stderr
    (run,) = run_dirs(cli.cwd)
    m = pd.read_csv(run / "metrics.csv")
    agent = m[m["split"] == "eval"].iloc[-1]
    base = cli("eval", "env=multicell", "--baseline", "proportional")
    (brun,) = run_dirs(cli.cwd, "eval")
    prop = pd.read_csv(brun / "metrics.csv")["fail_rate"].mean()
    assert agent["fail_rate"] < prop - 0.05, (agent["fail_rate"], prop)
    assert base.returncode == 0


def test_transfer_between_cells_every_method_in_one_sweep(cli):
    assert cli("train", *SMOKE).returncode == 0
    r = cli("transfer", "-m", *SMOKE, "method=model,instance,feature,integrated", "init_from=latest")
    assert r.returncode == 0, r.stderr
    runs = run_dirs(cli.cwd, "transfer")
    assert len(runs) == 4
    for run in runs:
        dist = pd.read_csv(run / "distances.csv", index_col=0)
        assert dist.shape == (12, 12)
        record = json.loads((run / "transfer.json").read_text())
        assert len(record["sources"]) == 12
        assert all(s != k + 1 for k, s in enumerate(record["sources"]))  # never its own cell
        # each target's source is its nearest other cell (eq. 10)
        d = dist.to_numpy() + np.diag(np.full(12, np.inf))
        assert [int(i) + 1 for i in d.argmin(axis=0)] == record["sources"]
        assert pd.read_csv(run / "metrics.csv")["satisfaction"].between(0, 1).all()
    methods = sorted(json.loads((r / "transfer.json").read_text())["method"] for r in runs)
    assert methods == ["feature", "instance", "integrated", "model"]
    p = cli("plot", str(cli.cwd / "outputs"), "--metric", "satisfaction")
    assert p.returncode == 0, p.stderr
    for png in ("reward_curves.png", "ccdf_cell_min_thr_sat.png", "cdf_cell_max_delay_ms.png", "distances.png",
                "tl_gain_vs_distance.png"):
        assert png in p.stdout
    bad = cli("transfer", *SMOKE, "source=13", "init_from=latest")
    assert bad.returncode == 2 and "source" in bad.stderr and "Traceback" not in bad.stderr


def test_a_killed_transfer_resumes_to_the_uninterrupted_run(cli):
    """Feature transfer: the frozen layers and the transferred replay survive
    a kill -9; the resumed run's metrics equal an uninterrupted one's."""
    assert cli("train", *SMOKE).returncode == 0
    args = [*SMOKE, "method=feature", "init_from=latest", "multicell.finetune_steps=300",
            "train.eval_every=20"]
    full = cli.cwd / "outputs" / "full"
    r = cli("transfer", *args, f"hydra.run.dir={full}")
    assert r.returncode == 0, r.stderr
    killed = cli.cwd / "outputs" / "killed"
    before = kill9_midway(cli, "transfer", args, killed)
    source = json.loads((killed / "manifest.json").read_text())["init_from"]
    assert cli("train", *SMOKE, "seed=7").returncode == 0  # `latest` is now another run
    assert_resumed_equals_full(cli, killed, full, before)
    assert json.loads((killed / "manifest.json").read_text())["init_from"] == source
    assert (json.loads((killed / "transfer.json").read_text())["sources"]
            == json.loads((full / "transfer.json").read_text())["sources"])
