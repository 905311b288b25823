"""A new paper plugs in with zero core edits: a package written into a
temporary directory, named by SLICECTL_PAPERS, with its own config dir,
declares an env, a job, a command and a baseline; the real CLI then lists
and runs them, and the core's own jobs (train, eval) run on its env."""
import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SMOKE

FILES = {
    "toypaper/__init__.py": '''
        """A toy paper: two slices share K units; the demand of each is observed."""
        from slicectl import registry

        registry.paper("toypaper", "A toy two-slice split", authors="Nobody", venue="tests",
                       conf="pkg://toypaper.conf")
        registry.add_env("toy", "toypaper.env.ToyBatchEnv", "toypaper.schema:ToyEnvCfg",
                         gym={"toypaper/Toy-v0": "toypaper.env:ToyEnv"})
        registry.add_section("toy", "toypaper.schema:ToySectionCfg")
        registry.add_job("toy-fit", "toypaper.job:run", envs=("toypaper.env.ToyBatchEnv",))
        registry.add_command("toy-fit", "toy-fit", prefix=("env=toy",),
                             help="Score every split of the toy env against its oracle.")
        registry.add_baseline("oracle", "toypaper.env:ToyOracle", env="toypaper.env.ToyBatchEnv")
    ''',
    "toypaper/schema.py": '''
        from typing import ClassVar

        from pydantic import Field

        from slicectl.config.schemas.base import Strict


        class ToyEnvCfg(Strict):
            target: str = Field(alias="_target_")
            num_envs: int = Field(ge=1)
            episode_steps: int = Field(ge=1)
            units: int = Field(ge=2, le=100)
            discrete: ClassVar[bool] = True


        class ToySectionCfg(Strict):
            splits: int = Field(ge=1)
    ''',
    "toypaper/env.py": '''
        import gymnasium as gym
        import numpy as np
        from gymnasium import spaces


        class ToyBatchEnv:
            """Observation: the two slices' demands in [0, 1]. Action: units for
            slice 0 (0..K); slice 1 gets the rest. Reward: 1 - |share0 - demand share|."""

            metric_names = ["utility"]

            def __init__(self, num_envs: int, episode_steps: int, units: int):
                self.num_envs, self.episode_steps, self.units = num_envs, episode_steps, units
                self.observation_space = spaces.Box(0.0, 1.0, (2,), np.float32)
                self.action_space = spaces.Discrete(units + 1)
                self.t = 0

            def reset(self, seeds):
                self.rngs = [np.random.default_rng(int(s)) for s in seeds]
                self.episode_t = 0
                return self._draw()

            def _draw(self):
                self.demand = np.array([r.uniform(0.05, 1.0, 2) for r in self.rngs], np.float32)
                return self.demand.copy()

            def step(self, actions):
                share = np.asarray(actions, np.float64) / self.units
                target = self.demand[:, 0] / self.demand.sum(axis=1)
                utility = 1.0 - np.abs(share - target)
                self.episode_t += 1
                truncated = np.full(self.num_envs, self.episode_t >= self.episode_steps)
                return self._draw(), utility, truncated, {"utility": utility}

            def sampler(self, obs, rng):
                return rng.integers(0, self.units + 1, len(obs))

            def state_dict(self):
                return {"rngs": [r.bit_generator.state for r in self.rngs], "episode_t": self.episode_t,
                        "demand": self.demand}

            def load_state_dict(self, state):
                for r, s in zip(self.rngs, state["rngs"]):
                    r.bit_generator.state = s
                self.episode_t, self.demand = state["episode_t"], np.asarray(state["demand"])


        class ToyOracle:
            def __init__(self, env, seed=0):
                self.env = env

            def act(self, obs, explore=False):
                return np.rint(obs[:, 0] / obs.sum(axis=1) * self.env.units).astype(np.int64)


        class ToyEnv(gym.Env):
            def __init__(self, units=10):
                self.batch = ToyBatchEnv(1, 10, units)
                self.observation_space, self.action_space = self.batch.observation_space, self.batch.action_space

            def reset(self, *, seed=None, options=None):
                return self.batch.reset([seed or 0])[0], {}

            def step(self, action):
                obs, r, trunc, info = self.batch.step(np.array([action]))
                return obs[0], float(r[0]), False, bool(trunc[0]), {}
    ''',
    "toypaper/job.py": '''
        from slicectl.runner.build import eval_seeds, make_baseline, make_env, baseline_cfg
        from slicectl.runner.evaluate import evaluate
        from slicectl.runner.rundir import MetricsWriter


        def run(cfg, run_dir):
            seeds = eval_seeds(cfg)
            env = make_env(cfg.env, len(seeds))
            oracle = make_baseline(baseline_cfg("oracle"), env, int(cfg.seed))
            res = evaluate(oracle, env, seeds, int(cfg.eval.steps))
            writer = MetricsWriter(run_dir.metrics_path, ["env_steps", "episode", "split", "utility"])
            for i in range(int(cfg.toy.splits)):
                writer.write({"env_steps": i, "episode": 0, "split": "eval",
                              "utility": float(res["utility"].mean())})
            writer.close()
            return {"utility": float(res["utility"].mean())}
    ''',
    "toypaper/conf/__init__.py": "",
    "toypaper/conf/env/toy.yaml": '''
        _target_: toypaper.env.ToyBatchEnv
        num_envs: 1
        episode_steps: 10
        units: 10
    ''',
    "toypaper/conf/job/toy-fit.yaml": '''
        # @package _global_
        job:
          name: toy-fit
        toy:
          splits: 3
    ''',
}


@pytest.fixture
def toy(tmp_path):
    for rel, text in FILES.items():
        path = tmp_path / "src" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return {"PYTHONPATH": str(tmp_path / "src"), "SLICECTL_PAPERS": "toypaper"}


def _run_dir(out: str) -> Path:
    return Path(next(l for l in out.splitlines() if l.startswith("run directory:")).split(":", 1)[1].strip())


def test_a_paper_outside_the_tree_runs_its_own_job_from_the_cli(cli, toy):
    help_ = cli("--help", env_extra=toy)
    assert help_.returncode == 0 and "toy-fit" in help_.stdout
    res = cli("toy-fit", *SMOKE, "seed=1", env_extra=toy)
    assert res.returncode == 0, res.stderr
    run = _run_dir(res.stdout)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["job"] == "toy-fit"
    rows = (run / "metrics.csv").read_text().splitlines()
    assert len(rows) == 1 + 3  # toy.splits rows, from the paper's own config section
    # the oracle matches the demand share to within half a unit
    assert float(rows[1].split(",")[-1]) > 0.95


def test_the_core_train_and_eval_jobs_run_on_a_new_papers_env(cli, toy):
    res = cli("train", "env=toy", "agent=dqn", *SMOKE, env_extra=toy)
    assert res.returncode == 0, res.stderr
    assert json.loads((_run_dir(res.stdout) / "manifest.json").read_text())["status"] == "completed"
    res = cli("eval", "--baseline", "oracle", "env=toy", *SMOKE, env_extra=toy)
    assert res.returncode == 0, res.stderr
    bad = cli("eval", "--baseline", "greedy", "env=toy", *SMOKE, env_extra=toy)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "greedy" in bad.stderr


def test_a_new_papers_key_is_validated_by_its_own_schema(cli, toy):
    res = cli("toy-fit", *SMOKE, "toy.splits=0", env_extra=toy)
    assert res.returncode == 2
    assert res.stderr.strip().startswith("error: toy.splits:")


def test_a_new_papers_gym_env_registers_on_import(toy, monkeypatch):
    import subprocess
    import sys

    code = "import slicectl, gymnasium as gym; e = gym.make('toypaper/Toy-v0'); print(e.reset(seed=3)[0].shape)"
    out = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, **toy},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(2,)"
