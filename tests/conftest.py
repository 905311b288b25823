import os
import subprocess
import sys
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


@pytest.fixture
def cli(tmp_path):
    def _run(*args, **kw):
        return slicectl(*args, cwd=tmp_path, **kw)

    _run.cwd = tmp_path
    return _run
