"""huang2023's four stages from the CLI: hand-over, errors, resume."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

SMOKE = ["scale=smoke"]


def _runs(root: Path, job: str) -> list[Path]:
    return sorted(p.parent for p in (root / "outputs" / job).glob("*/manifest.json"))


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def test_a_stage_needs_a_run_of_the_previous_stage(cli):
    r = cli("transfer", *SMOKE)
    assert r.returncode == 2 and "init_from=<run dir> or init_from=latest" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("transfer", *SMOKE, "init_from=/no/such/run")
    assert r.returncode == 2 and "run directory not found" in r.stderr
    r = cli("progressive", *SMOKE, "init_from=latest")
    assert r.returncode == 2 and "no completed stage-2 run" in r.stderr
    # a stage-1 run trained with absolute allocations: its network means something else
    assert cli("train", "stage=1", *SMOKE, "env.action_mode=absolute").returncode == 0
    r = cli("transfer", *SMOKE, "init_from=latest")
    assert r.returncode == 2 and "env.action_mode=absolute" in r.stderr, r.stderr
    stage1 = _runs(cli.cwd, "train")[0]
    r = cli("progressive", *SMOKE, f"init_from={stage1}")
    assert r.returncode == 2 and "is a stage-1 run; stage 3 needs a stage-2 run" in r.stderr


@pytest.mark.slow
def test_stages_chain_through_latest_and_the_pipeline_resumes_identically(cli):
    for args in (["train", "stage=1"], ["transfer", "init_from=latest"],
                 ["progressive", "init_from=latest"], ["collaborative", "init_from=latest"]):
        r = cli(*args, *SMOKE)
        assert r.returncode == 0, r.stderr[-2000:]
    s2, s3, s4 = (_runs(cli.cwd, j)[0] for j in ("transfer", "progressive", "collaborative"))
    assert _manifest(s3)["init_from"] == str(s2)
    assert len(_manifest(s2)["final"]["table_ii"]) == 3
    for name in ("slice0", "slice2_direct"):
        assert (s2 / name / "checkpoints" / "best.pt").is_file()
    assert {"simplified", "realistic", "direct", "direct_ddpg"} <= {p.name for p in s3.iterdir()}
    table = _manifest(s4)["final"]["table_iii"]
    rows = {"random", "ADMM", "H-DDPG", "H-TD3", "H-TD3 (III)", "H-TD3 (IV)", "oracle"}
    for scenario in ("ordinary", "congestion"):
        assert rows <= set(table[scenario])
        for name in rows - {"oracle"}:  # the oracle is an upper bound of every policy
            assert table[scenario][name]["utility_over_oracle"] <= 1.0
            assert table[scenario][name]["reward"][0] <= table[scenario]["oracle"]["reward"][0]

    # stage=all: the same four stages in one directory; interrupted in stage 4, resumed
    r = cli("train", "stage=all", *SMOKE)
    assert r.returncode == 0, r.stderr[-2000:]
    top = _runs(cli.cwd, "pipeline")[0]
    whole = _manifest(top / "stage4")["final"]
    assert whole == _manifest(s4)["final"]          # stage by stage or all at once: same run
    for sub in ("round0_user1", "round0_user2"):  # as if killed during round 0's user training
        shutil.rmtree(top / "stage4" / sub)
    for path in (top / "stage4", top):
        m = _manifest(path)
        m.update(status="interrupted", final=None)
        (path / "manifest.json").write_text(json.dumps(m))
    r = cli("train", f"resume={top}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "stage 1: completed earlier" in r.stdout
    assert _manifest(top / "stage4")["final"] == whole
    assert _manifest(top)["status"] == "completed"
    ev = pd.read_csv(top / "stage4" / "round0_user1" / "metrics.csv")
    assert (ev.split == "eval").any()
