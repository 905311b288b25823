import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from slicectl.sim.ran_env import RanBatchEnv, default_kwargs

SMOKE = ["scale=smoke"]


@pytest.fixture
def make_env():
    def _make(num_envs=1, **overrides):
        kwargs = {**default_kwargs(), **overrides, "num_envs": num_envs}
        return RanBatchEnv(**kwargs)

    return _make


def slicectl(*args, cwd: Path, timeout=600, env_extra=None):
    """Run the real CLI in a subprocess; returns CompletedProcess."""
    env = {**os.environ, "PYTHONHASHSEED": "0", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "slicectl.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def in_process(*args, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI in this process, in ``cwd`` (``tests.malformed.world.invoke``),
    as its process would end: exit status, stdout, and stderr with the
    traceback of any exception that escaped (a process would print it). A
    subprocess would add ~6 s of imports and nothing else."""
    from tests.malformed.world import invoke

    res = invoke([str(a) for a in args], cwd)
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        stderr += "".join(traceback.format_exception(res.exception))
    return subprocess.CompletedProcess(["slicectl", *args], res.exit_code, res.stdout, stderr)


@pytest.fixture
def cli(tmp_path):
    """``cli(*args)``: `slicectl *args` run in ``tmp_path``. In this process,
    unless ``env_extra`` sets environment variables (then a subprocess: what
    reads the environment at import needs one)."""
    def _run(*args, env_extra=None, timeout=600):
        if env_extra:
            return slicectl(*args, cwd=tmp_path, timeout=timeout, env_extra=env_extra)
        return in_process(*args, cwd=tmp_path)

    _run.cwd = tmp_path
    return _run


def _agent(cls_path: str, name: str):
    """An agent built as conf/agent/<name>.yaml declares it, ``kw`` on top (the
    YAML is the one declaration of an agent's defaults)."""
    def make(*args, **kw):
        from slicectl import registry
        from slicectl.config.defaults import agent_defaults

        return registry.resolve(cls_path)(*args, **{**agent_defaults(name), **kw})

    return make


dqn = _agent("slicectl.agents.dqn:DQNAgent", "dqn")
gan_ddqn = _agent("slicectl.agents.gan_ddqn:GANDDQNAgent", "dueling_gan_ddqn")
_td3 = _agent("slicectl.agents.td3:TD3Agent", "td3")


def td3(*args, **kw):
    """TD3 as td3.yaml declares it; without an env's feasible-action sampler,
    plain Gaussian exploration (σ = 0.1, no hybrid ε), as these tests were written for."""
    if "sampler" not in kw:
        kw = {"epsilon": 0.0, "sigma": 0.1, **kw}
    return _td3(*args, **kw)
ql = _agent("slicectl.agents.tabular:QLearningAgent", "ql")


def baseline(name: str, env, seed: int = 0, **options):
    """Baseline ``name`` for ``env`` as conf/baseline/<name>.yaml sets it, ``options`` on top."""
    from omegaconf import OmegaConf

    from slicectl.runner.build import baseline_cfg, make_baseline

    return make_baseline(OmegaConf.merge(baseline_cfg(name), options), env, seed)
