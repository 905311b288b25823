"""hydra/sweeper=optuna: a search optimises each trial's objective (the
env's metric in the final evaluation) and writes the best parameters; the
search space is checked before any trial runs."""
from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from slicectl.config.launch import launch
from slicectl.errors import UserError
from slicectl.runner.objective import final_value


def _trials(sweep: Path) -> list[tuple[float, float]]:
    """(agent.lr, final eval utility) of each trial's run directory."""
    out = []
    for run in sorted(p for p in sweep.iterdir() if (p / "metrics.csv").is_file()):
        lr = OmegaConf.load(run / ".hydra" / "config.yaml").agent.lr
        out.append((float(lr), final_value(run, "utility")))
    return out


def test_an_optuna_search_of_three_smoke_trials_writes_the_best_parameters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "outputs" / "search"
    launch("train", ["-m", "scale=smoke", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=3",
                     "hydra.sweeper.sampler.seed=0", f"hydra.sweep.dir={sweep}",
                     "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2",
                     "agent.lr=tag(log, interval(1e-4, 1e-2))"])
    trials = _trials(sweep)
    assert len(trials) == 3 and all(1e-4 <= lr <= 1e-2 for lr, _ in trials)
    best = OmegaConf.load(sweep / "optimization_results.yaml")
    # the env's objective is maximised: the best trial is the one with the highest final utility
    lr, value = max(trials, key=lambda t: t[1])
    assert best.best_value == pytest.approx(value)
    assert best.best_params["agent.lr"] == pytest.approx(lr)


def test_a_search_preset_selects_optuna_and_its_space_and_runs_with_the_basic_launcher(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "outputs" / "search"
    launch("train", ["-m", "scale=smoke", "search=dqn", "hydra.sweeper.n_trials=2", f"hydra.sweep.dir={sweep}"])
    best = OmegaConf.load(sweep / "optimization_results.yaml")
    assert set(best.best_params) == {"agent.lr", "agent.gamma", "agent.batch_size", "agent.eps_decay_steps",
                                     "agent.tau"}


@pytest.mark.parametrize("args, message", [
    (["agent.lr=interval(1e-2, 1e-4)"], "low end below its high end"),
    (["agent.gamma=interval(0.5, 1.5)"], "agent.gamma"),            # the high end is checked as a value
    (["agent.batch_size=choice(32, -1)"], "agent.batch_size"),      # so is every choice
    (["hydra.sweeper.custom_search_space=os.system"], "names code to call"),
    (["hydra.sweeper.storage=sqlite:////tmp/x.db"], "database outside the output root"),
])
def test_a_bad_search_is_refused_before_any_trial_runs(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=message):
        launch("train", ["-m", "scale=smoke", "hydra/sweeper=optuna", *args])
    assert not (tmp_path / "outputs").exists()


def test_an_optuna_search_needs_multirun(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="add -m"):
        launch("train", ["scale=smoke", "search=dqn"])
