"""`slicectl reproduce`: claims as data, verdicts that follow the numbers,
one command per paper that writes claims.csv, REPORT.md and figures, and a
rerun that trains nothing."""
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps

from slicectl.reproduce import spec, stats
from slicectl.reproduce.measure import judge
from slicectl.reproduce.spec import Arm, Claim
from tests.malformed import world


def invoke(args: list[str], cwd: Path):
    """`slicectl reproduce ...` in this process, its runs too (one process:
    the stacked launcher's default would spawn one per core beside the
    other test worker)."""
    if args[:1] == ["reproduce"] and "--list" not in args:
        args = [*args, "hydra.launcher.n_jobs=1"]
    return world.invoke(args, cwd)

PAPERS = ("chen2022", "hu", "huang2023", "zhang2021", "zhang_dt")
COLUMNS = {"paper", "claim", "source", "metric", "paper_value", "measured", "ci_low", "ci_high",
           "n_seeds", "verdict", "preset"}


# ---------------------------------------------------------------- synthetic runs
def _run(root: Path, name: str, seed: int, **metrics) -> Path:
    """A completed run directory whose final evaluation has ``metrics``."""
    d = root / name / str(seed)
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(json.dumps({"job": "train", "status": "completed", "seed": seed,
                                                 "final": {"score": metrics.get("accuracy")}}))
    pd.DataFrame([{"env_steps": 100, "episode": 1, "split": "eval", **metrics}]).to_csv(d / "metrics.csv", index=False)
    return d


def _world(tmp_path: Path, a: list[float], b: list[float]):
    """Arms A and B with these per-seed accuracies; returns a locate function."""
    for seed, (x, y) in enumerate(zip(a, b)):
        _run(tmp_path, "a", seed, accuracy=x)
        _run(tmp_path, "b", seed, accuracy=y)

    def locate(key: str, seed: int):
        d = tmp_path / key / str(seed)
        return d if d.is_dir() else None

    return locate


def _claim(compare: str, direction: str = "higher", **kw) -> Claim:
    arms = [Arm(label="A", run="a"), Arm(label="B", run="b")]
    return Claim(id="c", source="Table 1", text="A beats B", compare=compare, direction=direction,
                 metric="accuracy", arms=arms[:1] if compare == "sign" else arms, **kw)


SEEDS = list(range(5))
ABOVE = ([0.90, 0.92, 0.88, 0.91, 0.93], [0.80, 0.81, 0.79, 0.82, 0.80])   # A above B on every seed
NOISE = ([0.90, 0.80, 0.88, 0.79, 0.93], [0.85, 0.86, 0.84, 0.87, 0.80])   # no consistent sign


@pytest.mark.parametrize("compare", ["difference", "relative", "ratio", "order"])
def test_verdict_is_reproduced_when_the_paired_ci_is_on_the_papers_side(tmp_path, compare):
    row = judge(_claim(compare), SEEDS, _world(tmp_path, *ABOVE))
    assert row["verdict"] == "reproduced" and row["n_seeds"] == 5
    assert row["ci_low"] > {"ratio": 1.0}.get(compare, 0.0)


@pytest.mark.parametrize("compare", ["difference", "relative", "ratio", "order"])
def test_verdict_is_contradicted_when_the_paired_ci_is_on_the_other_side(tmp_path, compare):
    a, b = ABOVE
    row = judge(_claim(compare), SEEDS, _world(tmp_path, b, a))
    assert row["verdict"] == "contradicted"
    assert row["ci_high"] < {"ratio": 1.0}.get(compare, 0.0)


def test_verdict_is_inconclusive_when_the_ci_holds_zero(tmp_path):
    row = judge(_claim("difference"), SEEDS, _world(tmp_path, *NOISE))
    assert row["ci_low"] < 0 < row["ci_high"] and row["verdict"] == "inconclusive"


def test_direction_lower_flips_the_verdict(tmp_path):
    row = judge(_claim("difference", direction="lower"), SEEDS, _world(tmp_path, *ABOVE))
    assert row["verdict"] == "contradicted"


def test_difference_is_paired_by_seed_and_its_ci_is_the_t_interval_of_the_differences(tmp_path):
    a, b = NOISE
    row = judge(_claim("difference"), SEEDS, _world(tmp_path, a, b))
    d = np.array(a) - np.array(b)
    half = sps.t.ppf(0.975, 4) * d.std(ddof=1) / np.sqrt(5)
    assert row["measured"] == pytest.approx(d.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert row["iqm"] == pytest.approx(sps.trim_mean(d, 0.25))


def test_relative_magnitude_says_whether_the_papers_value_is_inside_the_ci(tmp_path):
    locate = _world(tmp_path, *ABOVE)   # A / B − 1 ≈ 0.13
    assert judge(_claim("relative", paper_value=0.12), SEEDS, locate)["paper_in_ci"] is True
    assert judge(_claim("relative", paper_value=0.76), SEEDS, locate)["paper_in_ci"] is False


def test_order_is_judged_by_its_weakest_step(tmp_path):
    for seed in SEEDS:   # A > B clearly, B ≈ C
        _run(tmp_path, "a", seed, accuracy=0.9 + 0.01 * seed)
        _run(tmp_path, "b", seed, accuracy=0.5 + 0.01 * seed)
        _run(tmp_path, "c", seed, accuracy=0.5 + 0.02 * (-1) ** seed)
    claim = Claim(id="o", source="T", text="A > B > C", compare="order", direction="higher", metric="accuracy",
                  arms=[Arm(label=x.upper(), run=x) for x in "abc"])
    row = judge(claim, SEEDS, lambda k, s: tmp_path / k / str(s))
    assert row["verdict"] == "inconclusive" and row["deciding"] == "B vs C"


def test_sign_claim_compares_with_its_threshold(tmp_path):
    locate = _world(tmp_path, *ABOVE)   # A ≈ 0.91
    assert judge(_claim("sign", threshold=0.85), SEEDS, locate)["verdict"] == "reproduced"
    assert judge(_claim("sign", threshold=0.95), SEEDS, locate)["verdict"] == "contradicted"


def test_a_manifest_field_is_a_value_selector(tmp_path):
    claim = _claim("difference").model_copy(update={"metric": "final:score"})
    assert judge(claim, SEEDS, _world(tmp_path, *ABOVE))["verdict"] == "reproduced"


def test_one_seed_is_inconclusive_and_iqm_needs_five():
    assert stats.verdict(stats.interval([0.3]), 0.0, 1) == "inconclusive"
    assert stats.interval([1.0, 2.0, 3.0, 4.0]).iqm is None
    assert stats.interval([1.0, 2.0, 3.0, 4.0, 100.0]).iqm == pytest.approx(3.0)


# ---------------------------------------------------------------- the claims files
@pytest.mark.parametrize("key", PAPERS)
def test_claims_file_names_the_papers_numbers_and_runs_that_compose(key):
    """Every run a paper's claims need composes as the CLI would run it (no
    unknown key or option), and the claims the issue asks for are there."""
    from slicectl.config import overrides as ov
    from slicectl.config.launch import baseline_args, command_args

    paper = spec.load(key)
    assert paper.spec.claims and all(c.source and c.text for c in paper.spec.claims)
    for preset in paper.spec.presets:
        for s in paper.run_specs():
            args = [*preset.all_overrides, *s.overrides, "scale=smoke", *(f"{k}=outputs" for k, _ in s.needs)]
            job, full = baseline_args(s.baseline, args) if s.baseline else command_args(s.command, args)
            ov.prepare(job, [a for a in full if a.split("=")[0] not in ("init_from", "teacher", "run_dir")],
                       multirun=False)


def test_reproduce_list_names_the_five_papers(tmp_path):
    res = invoke(["reproduce", "--list"], tmp_path)
    assert res.exit_code == 0, res.output
    for key in PAPERS:
        line = next(ln for ln in res.output.splitlines() if ln.startswith(key))
        assert f"{len(spec.load(key).spec.claims)} claims" in line and spec.load(key).title[:30] in line


# ---------------------------------------------------------------- end to end, per paper
def _run_dirs(root: Path) -> set:
    return {p.parent for p in (root / "outputs").rglob("manifest.json")}


@pytest.mark.parametrize("key", PAPERS)
def test_reproduce_at_smoke_scale_writes_claims_csv_report_and_figures_and_a_rerun_trains_nothing(tmp_path, key):
    paper = spec.load(key)
    first = paper.spec.presets[0]   # the paper as written, where declared (the variants: the test below)
    args = ["reproduce", key, "scale=smoke", "seeds=2", f"presets={first.id}"]
    res = invoke(args, tmp_path)
    assert res.exit_code == 0, res.output[-3000:]
    out = next((tmp_path / "outputs" / "reproduce" / key).glob("2*"))
    df = pd.read_csv(out / "claims.csv")
    assert COLUMNS <= set(df.columns)
    assert list(df["claim"]) == [c.id for c in paper.spec.claims]
    assert set(df["preset"]) == {first.name}
    assert set(df["verdict"]) <= {"reproduced", "contradicted", "inconclusive"}
    assert (df["n_seeds"] == 2).all(), df[["claim", "n_seeds"]]   # every claim measured on both seeds
    report = (out / "REPORT.md").read_text()
    assert paper.title in report and f"slicectl reproduce {key} scale=smoke seeds=2" in report
    assert " ".join(first.all_overrides) in report   # what the preset sets
    assert "commit:" in report and "wall time:" in report and "torch" in report
    for c in paper.spec.claims:
        assert f"`{c.id}`" in report
        assert (out / "figures" / f"{c.id}.png").is_file()   # one preset: figures/ as it was
    for f in paper.spec.figures:
        assert (out / "figures" / f"{f.id}.png").is_file()

    # the same command again finds every run (their homes are stable) and judges them alike
    before = _run_dirs(tmp_path)
    again = invoke(args, tmp_path)
    assert again.exit_code == 0, again.output[-2000:]
    assert "nothing to train" in again.output
    assert _run_dirs(tmp_path) == before
    a, b = sorted((tmp_path / "outputs" / "reproduce" / key).glob("2*"))
    cols = ["claim", "measured", "ci_low", "ci_high", "verdict"]
    pd.testing.assert_frame_equal(pd.read_csv(a / "claims.csv")[cols], pd.read_csv(b / "claims.csv")[cols])


def test_every_claim_is_measured_under_each_preset_side_by_side(tmp_path):
    """chen2022 declares the paper as written, the same under the realistic
    radio, and the project's variant: one row per claim and preset, each
    preset's runs in their own homes, composed with the preset's overrides."""
    res = invoke(["reproduce", "chen2022", "scale=smoke", "seeds=1", "claims=lower_se_vs_ql"], tmp_path)
    assert res.exit_code == 0, res.output[-3000:]
    out = next((tmp_path / "outputs" / "reproduce" / "chen2022").glob("2*"))
    df = pd.read_csv(out / "claims.csv")
    assert list(zip(df["preset"], df["radio"])) == [("as_written", "reference"), ("as_written", "realistic"),
                                                    ("utility", "reference")]
    assert (df["n_seeds"] == 1).all()   # one seed shows the presets side by side (the verdicts need more)
    runs = tmp_path / "outputs" / "reproduce" / "chen2022" / "runs" / "smoke"
    assert sorted(p.name for p in runs.iterdir()) == ["as_written", "as_written@realistic", "utility"]
    for preset, want in [("as_written", {"experiment=chen2022"}),
                         ("as_written@realistic", {"experiment=chen2022", "radio=realistic"}),
                         ("utility", {"experiment=chen2022_utility"})]:
        for run in (runs / preset).glob("*/0"):
            overrides = set(yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()))
            assert want <= overrides and not ({"radio=realistic"} - want) & overrides
    report = (out / "REPORT.md").read_text()
    assert "| claim | preset |" in report and "`as_written@realistic`" in report
    for preset in ("as_written", "as_written@realistic", "utility"):
        assert (out / "figures" / preset / "lower_se_vs_ql.png").is_file()
    unknown = invoke(["reproduce", "chen2022", "scale=smoke", "presets=bogus"], tmp_path)
    assert unknown.exit_code == 2 and "presets=bogus: unknown for chen2022" in unknown.output


def test_a_run_whose_resolved_config_changes_gets_a_new_home(monkeypatch):
    """A changed preset or default (same overrides) must not pick up the old
    runs; the base point of a sweep and the unswept run stay one run."""
    from slicectl.config import overrides
    from slicectl.reproduce.plan import Plan

    paper = spec.load("zhang2021")

    def homes():
        plan = Plan("zhang2021", "smoke", [0], Path("outputs"), paper.run_specs({"td3", "td3_igw_cache"}),
                    preset=paper.spec.presets[0])
        return {s.key: plan.home(s) for s in plan.specs}

    before = homes()
    assert before["td3"] == before["td3_igw_cache@85.7"] != before["td3_igw_cache@10"]
    real = overrides.resolved

    def edited(job, args):
        cfg = real(job, args)
        cfg["agent"]["gamma"] = 0.9   # as if the preset's gamma were edited
        return cfg

    monkeypatch.setattr(overrides, "resolved", edited)
    after = homes()
    assert all(after[k] != before[k] for k in before)

    def checkpointed_otherwise(job, args):   # how a run saves itself is not what it computes
        cfg = real(job, args)
        cfg["train"].update(checkpoint_every=500, keep_last=False)
        return cfg

    monkeypatch.setattr(overrides, "resolved", checkpointed_otherwise)
    assert homes() == before


def test_wall_time_counts_overlapping_runs_once_and_gaps_between_invocations_not_at_all():
    from datetime import datetime, timedelta

    from slicectl.reproduce.command import busy_seconds

    t0 = datetime(2026, 1, 1)
    at = lambda a, b: (t0 + timedelta(minutes=a), t0 + timedelta(minutes=b))   # noqa: E731
    # two workers: 0-10 and 2-12 overlap; 12-15 follows; a second reproduce 100-104 tops up
    assert busy_seconds([at(0, 10), at(2, 12), at(12, 15), at(3, 5), at(100, 104)]) == 60 * (15 + 4)
    assert busy_seconds([]) == 0.0


def test_run_time_of_a_resumed_run_sums_its_attempts_not_the_gap_between_them(tmp_path, monkeypatch):
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from slicectl.reproduce.command import _run_times
    from slicectl.runner import rundir

    t0 = datetime(2026, 1, 1, tzinfo=rundir.timezone.utc)
    clock = iter(t0 + timedelta(minutes=m) for m in (0, 10, 300, 305))   # 0-10, stopped; resumed 300-305
    monkeypatch.setattr(rundir, "now", lambda: next(clock).isoformat())
    run = rundir.RunDir(tmp_path / "home" / "0")
    run.start("train", 0, "cpu")
    run.finish("interrupted")
    run.resume()
    run.finish("completed")
    assert run.manifest()["attempts"] == [[(t0 + timedelta(minutes=a)).isoformat(), (t0 + timedelta(minutes=b)).isoformat()]
                                          for a, b in ((0, 10), (300, 305))]
    plan = SimpleNamespace(specs=["spec"], seeds=[0], home=lambda spec: tmp_path / "home")
    total, span, _ = _run_times([plan])
    assert (total, span) == (15 * 60, 15 * 60)


def test_the_launchers_of_runs_topped_up_with_another_are_each_counted(tmp_path):
    """Runs started by the stacked launcher and finished by joblib's: the
    block names both, with how many runs each launched (it named the first run's)."""
    from types import SimpleNamespace

    from slicectl.reproduce.command import _run_times
    from slicectl.runner import rundir

    launchers = ["slicectl.config.stacked_launcher.StackedLauncher", *["hydra_plugins.hydra_joblib_launcher."
                                                                      "joblib_launcher.JoblibLauncher"] * 2]
    for seed, (target, jobs) in enumerate(zip(launchers, (-1, 2, 2))):
        run = rundir.RunDir(tmp_path / "home" / str(seed))
        run.start("train", seed, "cpu")
        run.finish("completed")
        (run.path / ".hydra").mkdir()
        (run.path / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(
            {"hydra": {"launcher": {"_target_": target, "n_jobs": jobs}}}))
    plan = SimpleNamespace(specs=["spec"], seeds=[0, 1, 2], home=lambda spec: tmp_path / "home")
    assert _run_times([plan])[2] == "Joblib, 2 jobs (2 runs); Stacked, a job per core (1 run)"


def test_plan_resumes_as_many_runs_at_once_as_its_launcher_runs_jobs():
    import os
    from types import SimpleNamespace

    from slicectl.errors import UserError
    from slicectl.reproduce.plan import _processes

    def n(*launcher):
        return _processes(SimpleNamespace(launcher=list(launcher)))
    cores = len(os.sched_getaffinity(0))
    assert (n(), n("hydra.launcher.n_jobs=-1"), n("hydra.launcher.n_jobs=3")) == (cores, cores, 3)
    assert n("hydra/launcher=joblib", "hydra.launcher.n_jobs=2") == 2 and n("hydra/launcher=basic") == 1
    with pytest.raises(UserError, match="n_jobs: expected an integer, got 'two'"):
        n("hydra.launcher.n_jobs=two")


def test_readme_block_replaces_only_what_stands_between_the_markers(tmp_path):
    from slicectl.reproduce import write

    readme = tmp_path / "README.md"
    readme.write_text(f"# paper\n\nintro\n\n{write.BEGIN}\nold results\n{write.END}\n\n## more\ntext\n")
    meta = {"command": "slicectl reproduce x scale=default", "commit": "abc123", "versions": "slicectl 0.1.0",
            "scale": "default", "seeds": "5 (0–4)", "preset": "project", "wall": "1 min 00 s",
            "compute": "2 min 00 s", "span": "1 min 30 s", "launcher": "Joblib, 2 jobs",
            "runs": "outputs/reproduce/x/runs/default"}
    row = {"claim": "c1", "text": "A beats B", "source": "Table 1", "paper_arms": "A 2 vs B 1", "paper_value": 1.0,
           "compare": "relative", "deciding": "A vs B", "arms": {"A": 2.0, "B": 1.5}, "measured": 0.33,
           "ci_low": 0.2, "ci_high": 0.46, "iqm": 0.3, "paper_in_ci": False, "n_seeds": 5, "verdict": "reproduced"}
    write.readme_block(readme, meta, [row])
    text = readme.read_text()
    assert text.startswith("# paper\n\nintro\n\n") and text.endswith("\n\n## more\ntext\n")
    assert "old results" not in text and "**reproduced**" in text and "abc123" in text
    assert text.count(write.BEGIN) == text.count(write.END) == 1
    bare = tmp_path / "bare.md"
    bare.write_text("no markers")
    with pytest.raises(Exception, match="markers"):
        write.readme_block(bare, meta, [row])
    assert bare.read_text() == "no markers"


def test_method_labels_name_methods_as_papers_do():
    from slicectl.analysis.labels import method_label

    assert method_label("agent=ddqn") == "Double DQN"
    assert method_label("agent=td3 env.igw_cache_mb=10") == "TD3 (env.igw_cache_mb=10)"
    assert method_label("baseline=admm") == "ADMM"
    assert method_label("default") == "default"
    assert method_label("default", "dueling_gan_ddqn") == "Dueling GAN-DDQN"   # the run's own agent


def test_interrupted_runs_of_the_plan_resume_side_by_side_a_failed_one_is_reported_a_new_seed_alone_trained(
        tmp_path):
    """Bidding runs (not the train job: `train resume=` continues any job's run)."""
    args = ["reproduce", "chen2022", "scale=smoke", "seeds=2", "claims=lower_se_vs_ql", "presets=as_written"]
    assert invoke(args, tmp_path).exit_code == 0
    runs = tmp_path / "outputs" / "reproduce" / "chen2022" / "runs" / "smoke" / "as_written"
    (dueling,) = [d for d in runs.iterdir() if "dueling" in d.name]
    (ql,) = [d / "0" for d in runs.iterdir() if "agent-ql" in d.name]
    first = {s: pd.read_csv(dueling / s / "metrics.csv") for s in ("0", "1")}
    for s in ("0", "1"):
        m = json.loads((dueling / s / "manifest.json").read_text())
        (dueling / s / "manifest.json").write_text(json.dumps({**m, "status": "interrupted"}))
    m = json.loads((ql / "manifest.json").read_text())
    (ql / "manifest.json").write_text(json.dumps({**m, "status": "failed", "error": "NaN"}))
    res = world.invoke([*args, "hydra.launcher.n_jobs=2"], tmp_path)   # the resumes on two processes
    assert res.exit_code == 0, res.output[-2000:]
    assert "resuming seeds 0, 1" in res.output
    pids = set()
    for s in ("0", "1"):
        m = json.loads((dueling / s / "manifest.json").read_text())
        assert m["status"] == "completed"
        pids.add(m["pid"])
        pd.testing.assert_frame_equal(pd.read_csv(dueling / s / "metrics.csv").drop(columns="wall_s", errors="ignore"),
                                      first[s].drop(columns="wall_s", errors="ignore"))   # the same rows
    assert len(pids) == 2 and os.getpid() not in pids   # a worker process each
    latest = sorted((tmp_path / "outputs" / "reproduce" / "chen2022").glob("2*"))[-1]
    text = (latest / "REPORT.md").read_text()
    assert "Runs that did not complete" in text and "ql seed 0: failed" in text
    assert pd.read_csv(latest / "claims.csv")["n_seeds"].iloc[0] == 1   # seed 0 has no QL run: no pair
    # one more seed: only that seed's runs are trained
    more = invoke([*args[:3], "seeds=3", *args[4:]], tmp_path)
    assert more.exit_code == 0, more.output[-2000:]
    assert "running 2" in more.output   # QL and Dueling DQN at seed 2


def test_a_run_stopped_before_its_first_checkpoint_is_set_aside_and_trained_again(tmp_path):
    """`train resume=` refuses a run without last.pt (there is nothing to
    continue); reproduce trains the seed afresh, keeping the old directory."""
    args = ["reproduce", "zhang2021", "scale=smoke", "seeds=1", "claims=accuracy_td3_vs_random", "presets=pertask"]
    assert invoke(args, tmp_path).exit_code == 0
    runs = tmp_path / "outputs" / "reproduce" / "zhang2021" / "runs" / "smoke" / "pertask"
    (td3,) = [d / "0" for d in runs.iterdir() if d.name.startswith("train")]
    first = pd.read_csv(td3 / "metrics.csv")
    m = json.loads((td3 / "manifest.json").read_text())
    (td3 / "manifest.json").write_text(json.dumps({**m, "status": "interrupted"}))
    (td3 / "checkpoints" / "last.pt").unlink(missing_ok=True)
    res = invoke(args, tmp_path)
    assert res.exit_code == 0, res.output[-2000:]
    assert "seed 0 stopped before its first checkpoint: it starts again" in res.output
    again = json.loads((td3 / "manifest.json").read_text())
    assert again["status"] == "completed" and again["run_id"] != m["run_id"]
    pd.testing.assert_frame_equal(pd.read_csv(td3 / "metrics.csv").drop(columns="wall_s", errors="ignore"),
                                  first.drop(columns="wall_s", errors="ignore"))
    assert (td3.parent / ".set-aside" / f"0-{m['run_id']}" / "metrics.csv").is_file()


def test_sigterm_to_reproduce_stops_the_whole_plan_with_its_run_interrupted(tmp_path):
    """The signal is meant for the command, not only the run it lands in: the
    run ends interrupted (resumable) and no later run of the plan starts."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", "reproduce", "chen2022", "scale=default", "seeds=1",
                             "claims=lower_se_vs_ql", "presets=as_written", "hydra.launcher.n_jobs=1"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    runs = tmp_path / "outputs" / "reproduce" / "chen2022" / "runs" / "default" / "as_written"
    deadline = time.time() + 300
    while time.time() < deadline and not any(runs.glob("*/0/manifest.json")):   # the first run has begun
        time.sleep(0.1)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted: the same command again resumes" in err
    started = [json.loads(m.read_text())["status"] for m in runs.glob("*/0/manifest.json")]
    assert started == ["interrupted"]   # the first run stopped; the second never began


def _alive(pid: int) -> bool:
    """A process that still runs (a zombie has ended: only its exit status is left)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def test_sigterm_to_reproduce_on_joblib_ends_its_workers_runs_interrupted_and_leaves_no_process(tmp_path):
    """joblib's worker processes are the command's: SIGTERM ends their runs
    ``interrupted`` and none of them outlives the command (they used to run
    on as orphans, then spin, ignoring SIGTERM)."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", "reproduce", "chen2022", "scale=default", "seeds=2",
                             "claims=lower_se_vs_ql", "presets=as_written", "hydra/launcher=joblib",
                             "hydra.launcher.n_jobs=2"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    runs = tmp_path / "outputs" / "reproduce" / "chen2022" / "runs" / "default" / "as_written"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(runs.glob("*/[01]/manifest.json"))) < 2:   # both seeds train
        time.sleep(0.1)
    time.sleep(3)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err[-2000:]
    deadline = time.time() + 10   # a resource tracker ends once the command's pipe closes
    while time.time() < deadline and any(map(_alive, workers)):
        time.sleep(0.1)
    assert [pid for pid in workers if _alive(pid)] == []
    statuses = sorted(json.loads(m.read_text())["status"] for m in runs.glob("*/*/manifest.json"))
    assert statuses == ["interrupted", "interrupted"], err[-2000:]


def test_a_sweep_can_have_its_own_grid_under_a_preset_whose_units_differ():
    """zhang2021's sweeps are in the 4 x 10 factory's units; under the paper
    as written (Table IV) the same sweep needs Table IV's grid and base."""
    from slicectl.reproduce.spec import ClaimsFile, PaperClaims

    spec_ = ClaimsFile.model_validate({
        "presets": [{"name": "as_written", "overrides": ["experiment=zhang2021"]},
                    {"name": "pertask", "overrides": ["experiment=zhang2021_pertask"]}],
        "runs": {"cache": {"command": "train", "overrides": ["agent=td3"],
                           "sweep": {"env.igw_cache_mb": [10, 85.7]}, "base": 85.7,
                           "by_preset": {"as_written": {"grid": [35, 300], "base": 300}}}},
        "claims": [{"id": "c", "source": "Fig. 5", "text": "rises", "compare": "trend", "direction": "increasing",
                    "metric": "accuracy", "x": "env.igw_cache_mb", "arms": [{"label": "TD3", "run": "cache"}]}]})
    paper = PaperClaims("zhang2021", "t", "a", "v", spec_)
    as_written, pertask = spec_.presets
    assert [s.overrides for s in paper.run_specs(None, as_written)] == [("agent=td3", "env.igw_cache_mb=35"),
                                                                        ("agent=td3",)]
    assert [s.overrides for s in paper.run_specs(None, pertask)] == [("agent=td3", "env.igw_cache_mb=10"),
                                                                     ("agent=td3",)]
    assert paper.grid("cache", as_written) == [35, 300] and paper.grid("cache", pertask) == [10, 85.7]
    with pytest.raises(Exception, match="by_preset names no preset"):
        ClaimsFile.model_validate({**spec_.model_dump(), "runs": {"cache": {
            **spec_.runs["cache"].model_dump(), "by_preset": {"bogus": {"grid": [1, 2]}}}}})


def test_a_two_arm_claim_gives_the_iqm_bootstrap_interval_and_the_probability_of_improvement(tmp_path):
    a, b = NOISE
    row = judge(_claim("difference"), SEEDS, _world(tmp_path, a, b))
    wins = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b) / 25
    assert row["p_improve"] == pytest.approx(wins)
    assert row["p_improve_low"] <= row["p_improve"] <= row["p_improve_high"]
    assert row["iqm_low"] <= row["iqm"] <= row["iqm_high"]
    sign = judge(_claim("sign", threshold=0.5), SEEDS, _world(tmp_path / "s", *ABOVE))
    assert sign["p_improve"] is None      # one arm: nothing to beat


def test_an_ablation_preset_is_measured_only_when_named():
    """zhang_dt's ablations of its reference variant cost 30 runs each: a
    plain `reproduce zhang_dt` leaves them out; presets=<id> runs one."""
    paper = spec.load("zhang_dt")
    default_ids = [p.id for p in paper.presets(None)]
    assert default_ids == ["as_written", "as_written@realistic", "reference"]
    assert [p.id for p in paper.presets(["reference_same_start"])] == ["reference_same_start"]
    ablations = [p for p in paper.spec.presets if p.ablation]
    assert {p.id for p in ablations} == {"reference_same_start", "reference_demand", "reference_paper_networks"}
    assert all("experiment=zhang_dt_reference" in p.overrides and p.note for p in ablations)
