"""A non-editable install works: a wheel built from this tree, installed into
a directory of its own (its dependencies are the test environment's), runs
`slicectl train scale=smoke` from elsewhere, and `import slicectl` registers
every Gymnasium env."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp / "dist"), str(ROOT)], capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr
    (whl,) = (tmp / "dist").glob("slicectl-*.whl")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                              str(tmp / "site"), str(whl)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    # the wheel's files come first on the path, before any editable install of this tree
    env = {**os.environ, "PYTHONPATH": str(tmp / "site"), "PYTHONHASHSEED": "0"}
    return tmp, env


def test_the_wheel_holds_the_configs_and_every_package(wheel_site):
    tmp, _ = wheel_site
    site = tmp / "site" / "slicectl"
    assert (site / "conf" / "config.yaml").is_file() and (site / "conf" / "env" / "iiot.yaml").is_file()
    for key in ("huang2023", "chen2022", "hu", "zhang2021", "zhang_dt"):
        assert (site / "papers" / key / "__init__.py").is_file(), key
        assert (site / "papers" / key / "claims.yaml").is_file(), key   # what `reproduce` reads


def test_the_installed_wheel_trains_from_another_directory(wheel_site):
    tmp, env = wheel_site
    work = tmp / "work"
    work.mkdir()
    res = subprocess.run([sys.executable, "-m", "slicectl.cli", "train", "scale=smoke"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    (manifest,) = work.glob("outputs/train/*/manifest.json")
    assert json.loads(manifest.read_text())["status"] == "completed"
    where = subprocess.run([sys.executable, "-c", "import slicectl; print(slicectl.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, timeout=120)
    assert where.stdout.strip().startswith(str(tmp / "site"))


def test_import_slicectl_registers_every_gym_env(wheel_site):
    tmp, env = wheel_site
    code = ("import gymnasium as gym, slicectl\n"
            "from slicectl import registry\n"
            "ids = [i for e in registry.load().envs.values() for i in e.gym]\n"
            "for i in ids:\n"
            "    obs, _ = gym.make(i).reset(seed=0)\n"
            "print(len(ids))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout.strip()) == 8
