"""`report` keeps systems apart and shows what varies; `plot` writes beside
the runs, draws a baseline as a reference line and a figure per system."""
from pathlib import Path

import pandas as pd

from tests.malformed.world import invoke

S = "scale=smoke"


def _make(tmp_path: Path) -> Path:
    for args in (["train", S, "seed=0"], ["train", S, "seed=1"], ["train", S, "agent=ddqn", "seed=0"],
                 ["eval", "--baseline", "random", S], ["eval", "--baseline", "greedy", "env=iiot", S]):
        res = invoke(args, tmp_path)
        assert res.exit_code == 0, res.output[-2000:]
    return tmp_path / "outputs"


def test_report_prints_one_table_per_system_with_the_metrics_that_vary_and_plot_one_figure_each(tmp_path):
    out = _make(tmp_path)
    res = invoke(["report", str(out)], tmp_path)
    assert res.exit_code == 0, res.output
    ran = next(ln for ln in res.output.splitlines() if "ran: final metrics" in ln)
    iiot = next(ln for ln in res.output.splitlines() if "iiot: final metrics" in ln)
    assert "4 runs" in ran and "1 runs" in iiot
    summary = pd.read_csv(out / "report.csv")
    assert sorted(summary["system"]) == ["iiot", "ran", "ran", "ran"]
    assert summary.loc[summary.system == "iiot", "utility"].isna().all()   # iiot has no utility
    res = invoke(["plot", str(out)], tmp_path)
    assert res.exit_code == 0, res.output
    assert (out / "plots" / "utility_ran.png").is_file() and (out / "plots" / "accuracy_iiot.png").is_file()
    assert not any(out.glob("*/*/plots"))   # nothing written into a run directory


def test_a_baseline_evaluated_once_is_a_horizontal_line_on_the_learning_curves(tmp_path, monkeypatch):
    import matplotlib.axes

    out = _make(tmp_path)
    lines = []
    real = matplotlib.axes.Axes.axhline
    monkeypatch.setattr(matplotlib.axes.Axes, "axhline",
                        lambda self, y=0, *a, **kw: lines.append(kw.get("label")) or real(self, y, *a, **kw))
    res = invoke(["plot", str(out / "train"), str(out / "eval")], tmp_path)
    assert res.exit_code == 0, res.output
    assert any(label and label.startswith("random") and "(n=1)" in label for label in lines), lines


def test_a_table_shows_the_metrics_that_differ_between_its_rows():
    from slicectl.analysis.report import _varying

    recs = [{"utility": 1.0, "gap": 0.0, "acc": None}, {"utility": 2.0, "gap": 0.0, "acc": None}]
    assert _varying(recs, ["utility", "gap", "acc"]) == ["utility"]
    assert _varying(recs[:1], ["utility", "gap", "acc"]) == ["utility", "gap"]   # one row: all it has
