"""zhang2021 from the CLI: `train env=iiot`, `eval env=iiot --baseline ...`."""
import json

import pandas as pd

from tests.conftest import SMOKE


def test_train_td3_on_iiot_writes_accuracy_and_compares_with_random(cli):
    r = cli("train", *SMOKE, "env=iiot", "agent=td3")
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "train").iterdir())
    m = pd.read_csv(run / "metrics.csv")
    assert {"accuracy", "completion", "done_igw", "models_ecas"} <= set(m.columns)
    final = json.loads((run / "manifest.json").read_text())["final"]
    assert "vs_random" in final and 0 < final["accuracy"] <= 1
    assert "oracle: skipped" in r.stdout   # no oracle for a mixed-integer program


def test_greedy_beats_random_and_oracle_is_a_one_line_error(cli):
    accs = {}
    for name in ("random", "greedy"):
        r = cli("eval", *SMOKE, "env=iiot", "--baseline", name)
        assert r.returncode == 0, r.stderr
        (run,) = [d for d in (cli.cwd / "outputs" / "eval").iterdir() if d.name not in accs.values()]
        accs[name] = run.name
    acc = {name: pd.read_csv(cli.cwd / "outputs" / "eval" / d / "metrics.csv")["accuracy"].mean()
           for name, d in accs.items()}
    assert acc["greedy"] > acc["random"] + 0.15, acc
    r = cli("eval", *SMOKE, "env=iiot", "--baseline", "oracle")
    assert r.returncode != 0
    assert r.stderr.strip().startswith("error: env iiot has no oracle") and "Traceback" not in r.stderr


def test_bad_iiot_config_is_a_one_line_error(cli):
    r = cli("train", *SMOKE, "env=iiot", "agent=td3", "env.acc_uh=[0.9,1.2]")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "acc_uh" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_zhang2021_preset_trains_shared_task_networks_and_compares_with_greedy(cli):
    r = cli("train", *SMOKE, "experiment=zhang2021_pertask", "agent=ddpg", "train.total_steps=60",
            "train.eval_every=30", "agent.learning_starts=20")
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "train").iterdir())
    final = json.loads((run / "manifest.json").read_text())["final"]
    assert {"vs_random", "vs_greedy"} <= set(final)
    assert "accuracy − greedy" in r.stdout


def test_a_resource_sweep_plots_its_final_metric_against_the_swept_key(cli):
    r = cli("eval", "-m", *SMOKE, "experiment=zhang2021_pertask", "--baseline", "random", "env.igw_cache_mb=10,85.7")
    assert r.returncode == 0, r.stderr
    sweep = next((cli.cwd / "outputs" / "multirun" / "eval").iterdir())
    r = cli("plot", str(sweep), "--x", "env.igw_cache_mb")
    assert r.returncode == 0, r.stderr
    assert (sweep / "plots" / "accuracy_vs_env_igw_cache_mb.png").is_file()   # in the sweep, not in run 0
    r = cli("plot", str(sweep), "--x", "env.no_such_key")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:") and "no_such_key" in r.stderr


def test_per_item_networks_on_an_env_without_items_is_a_one_line_error(cli):
    r = cli("train", *SMOKE, "stage=1", "agent.per_item=true")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error: agent.per_item=true needs an env")
    assert len(r.stderr.strip().splitlines()) == 1
