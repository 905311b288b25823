"""The command line end to end: train, eval, sweeps, report, plot, help."""
import json
import subprocess
import sys

import pandas as pd
import pytest
import scipy.stats as sps

from slicectl.analysis.runs import final_row, find_runs

from tests.conftest import SMOKE

FAST = [*SMOKE, "eval.compare=[]"]


def run_dirs(root, job="train"):
    return sorted(p.parent for p in (root / "outputs").rglob("manifest.json")
                  if json.loads(p.read_text())["job"] == job)


def test_help_lists_jobs_and_groups(cli):
    out = cli("--help").stdout
    for job in ("train", "eval", "report", "plot"):
        assert job in out
    groups = cli("groups").stdout
    assert "dueling_dqn" in groups and "oracle" in groups and "smoke" in groups
    assert "--baseline" in cli("eval", "--help").stdout


def test_cfg_job_prints_resolved_config(cli):
    r = cli("train", "--cfg", "job", "agent=ddqn", "seed=3")
    assert r.returncode == 0, r.stderr
    assert "double: true" in r.stdout and "seed: 3" in r.stdout
    assert not (cli.cwd / "outputs").exists()


def test_train_writes_a_complete_run_directory(cli):
    r = cli("train", *SMOKE, "agent=ddqn", "seed=3")
    assert r.returncode == 0, r.stderr
    (run,) = run_dirs(cli.cwd)
    assert str(run) in r.stdout and "utility / oracle utility" in r.stdout
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["seed"] == 3
    assert manifest["torch"] and manifest["slicectl"]
    assert 0 < manifest["final"]["utility_over_oracle"] <= 1.0 + 1e-9
    assert (run / ".hydra" / "config.yaml").is_file()
    assert (run / "checkpoints" / "last.pt").is_file() and (run / "checkpoints" / "best.pt").is_file()
    m = pd.read_csv(run / "metrics.csv")
    assert list(m.columns[:3]) == ["env_steps", "episode", "split"]
    assert set(m["split"]) == {"train", "eval"}
    assert m["ssr_urllc"].between(0, 1).all()


def test_same_seed_same_metrics(cli):
    for _ in range(2):
        assert cli("train", *FAST, "seed=5").returncode == 0
    a, b = (pd.read_csv(d / "metrics.csv").drop(columns="wall_s") for d in run_dirs(cli.cwd))
    pd.testing.assert_frame_equal(a, b)


def test_eval_baselines_and_a_trained_run(cli):
    for name in ("random", "equal", "proportional", "oracle"):
        r = cli("eval", "--baseline", name, *SMOKE)
        assert r.returncode == 0, r.stderr
        assert "±" in r.stdout
    evals = run_dirs(cli.cwd, "eval")
    assert len(evals) == 4
    means = {d: pd.read_csv(d / "metrics.csv")["utility"].mean() for d in evals}
    assert len(pd.read_csv(evals[0] / "metrics.csv")) == 3  # one row per eval seed
    oracle = [d for d in evals if "name: oracle" in (d / ".hydra" / "config.yaml").read_text()]
    assert means[oracle[0]] == max(means.values())
    assert cli("train", *FAST).returncode == 0
    (train,) = run_dirs(cli.cwd)
    r = cli("eval", f"run_dir={train}", *SMOKE)
    assert r.returncode == 0, r.stderr
    assert "best.pt" in r.stdout


def test_sweep_runs_every_combination_in_its_own_directory(cli):
    r = cli("train", "-m", *FAST, "seed=0,1,2", "agent=dqn,ddqn,dueling_dqn")
    assert r.returncode == 0, r.stderr
    runs = run_dirs(cli.cwd)
    assert len(runs) == 9 and len(set(runs)) == 9
    out = cli("report", str(cli.cwd / "outputs" / "multirun"))
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(cli.cwd / "outputs" / "multirun" / "report.csv")
    assert sorted(table["group"]) == ["agent=ddqn", "agent=dqn", "agent=dueling_dqn"]
    assert (table["n"] == 3).all() and (table["utility_ci95"] > 0).all()
    plain = out
    # --paired: each agent minus DQN on the same seed; with every pair present
    # the mean difference is the difference of the means
    out = cli("report", str(cli.cwd / "outputs" / "multirun"), "--paired", "agent=dqn")
    assert out.returncode == 0, out.stderr
    assert "paired by seed" in out.stdout
    diffs = pd.read_csv(cli.cwd / "outputs" / "multirun" / "report_paired.csv").set_index("agent")
    means = table.set_index("group")["utility"]
    assert sorted(diffs.index) == ["ddqn", "dueling_dqn"] and (diffs["pairs"] == 3).all()
    for agent in diffs.index:
        assert diffs.loc[agent, "utility"] == pytest.approx(means[f"agent={agent}"] - means["agent=dqn"])
    # the robust figures: IQM with a bootstrap interval per config, P(config > twin) per pair of agents
    finals = {}
    for run in find_runs([cli.cwd / "outputs" / "multirun"]):
        finals.setdefault(run.group, []).append(float(final_row(run)["utility"]))
    for _, rec in table.iterrows():
        assert rec["utility_iqm"] == pytest.approx(sps.trim_mean(finals[rec["group"]], 0.25))
        assert rec["utility_iqm_low"] <= rec["utility_iqm"] <= rec["utility_iqm_high"]
    assert "IQM of utility" in plain.stdout and "IQM and P(config > twin) of utility" in out.stdout
    for agent in diffs.index:
        mine, twin = finals[f"agent={agent}"], finals["agent=dqn"]
        wins = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in mine for y in twin) / 9
        assert diffs.loc[agent, "utility_p_improve"] == pytest.approx(wins)
    bad = cli("report", str(cli.cwd / "outputs" / "multirun"), "--paired", "agent=td3")
    assert bad.returncode == 2 and "no runs with agent=td3" in bad.stderr and "Traceback" not in bad.stderr
    p = cli("plot", str(cli.cwd / "outputs" / "multirun"))
    assert p.returncode == 0, p.stderr
    p = cli("plot", str(cli.cwd / "outputs" / "multirun"), "--profile")
    assert p.returncode == 0, p.stderr
    assert (cli.cwd / "outputs" / "multirun" / "plots" / "profile_utility.png").stat().st_size > 10_000
    png = cli.cwd / "outputs" / "multirun" / "plots" / "utility.png"   # beside the runs, not in one of them
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_joblib_launcher_runs_jobs_in_parallel(cli):
    r = cli("train", "-m", "hydra/launcher=joblib", *FAST, "seed=0,1")
    assert r.returncode == 0, r.stderr
    assert len(run_dirs(cli.cwd)) == 2


def test_eight_runs_started_together_never_share_a_directory(cli):
    tiny = ["scale=smoke", "eval.compare=[]", "train.total_steps=1", "eval.n_seeds=2", "eval.steps=1"]
    procs = [subprocess.Popen([sys.executable, "-m", "slicectl.cli", "train", *tiny],
                              cwd=cli.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(8)]   # the same second: the timestamp alone would collide
    assert all(p.wait(timeout=900) == 0 for p in procs)
    runs = run_dirs(cli.cwd)
    assert len(runs) == 8
    assert all(json.loads((d / "manifest.json").read_text())["status"] == "completed" for d in runs)


@pytest.mark.slow
def test_submitit_local_sweep(cli):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    r = cli("train", "-m", "hydra/launcher=submitit_local", *FAST, "seed=0,1",
            "hydra.launcher.timeout_min=10")
    assert r.returncode == 0, r.stderr
    runs = run_dirs(cli.cwd)
    assert len(runs) == 2
    assert all(json.loads((d / "manifest.json").read_text())["status"] == "completed" for d in runs)


def test_stage_1_runs_td3_on_the_user_level_slice(cli):
    r = cli("train", "stage=1", *SMOKE)
    assert r.returncode == 0, r.stderr
    (run,) = run_dirs(cli.cwd)
    m = pd.read_csv(run / "metrics.csv")
    assert {"utility", "qos_penalty", "alloc_gap"} <= set(m.columns)
    assert "random" in r.stdout
    assert "TD3Agent" in (run / ".hydra" / "config.yaml").read_text()
    r = cli("eval", f"run_dir={run}", *SMOKE)
    assert r.returncode == 0, r.stderr
