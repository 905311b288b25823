"""The architecture of DESIGN.md, as import-linter contracts (pyproject.toml):
floors inside the core, the core never imports a paper, papers never import
each other, no import circle. And the registry's view of the five papers."""
from pathlib import Path

import pytest

from slicectl import registry

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_every_paper_is_one_package_with_a_readme():
    reg = registry.load()
    assert set(reg.papers) == {"huang2023", "chen2022", "hu", "zhang2021", "zhang_dt"}
    for key, paper in reg.papers.items():
        assert paper.module == f"slicectl.papers.{key}"
        assert (ROOT / "slicectl" / "papers" / key / "README.md").is_file(), key


def test_every_registered_callable_resolves():
    reg = registry.load()
    refs = [j.run for variants in reg.jobs.values() for j in variants]
    refs += [j.check for variants in reg.jobs.values() for j in variants if j.check]
    refs += [b.target for b in reg.baselines.values()] + list(reg.agents.values())
    refs += [e.schema for e in reg.envs.values()] + [e.setup for e in reg.envs.values() if e.setup]
    refs += list(reg.sections.values()) + sorted(reg.targets)
    refs += [r for f in reg.figures for r in (f.detect, f.report, f.plot) if r]
    refs += [ep for e in reg.envs.values() for ep in e.gym.values()] + list(reg.envs)
    for ref in refs:
        assert callable(registry.resolve(ref)), ref


def test_packaged_package_list_is_complete():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".")
               for p in (ROOT / "slicectl").rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)


def test_env_parameters_are_declared_once_in_yaml():
    """An env's defaults live in conf/env/*.yaml only: its constructor and its
    parameter dataclass declare none of their own (they drifted before)."""
    import dataclasses
    import inspect

    from slicectl.papers.chen2022.market import MarketParams
    from slicectl.papers.hu.network import MulticellParams
    from slicectl.papers.huang2023.slice_model import HuangSliceParams
    from slicectl.papers.zhang2021.system import IIoTParams
    from slicectl.sim.radio import LinkAdaptation, LinkParams
    from slicectl.sim.ran_core import RanParams

    for target in registry.load().envs:
        for name, p in inspect.signature(registry.resolve(target).__init__).parameters.items():
            assert p.default is inspect.Parameter.empty, f"{target}: {name} has a default"
    for params in (LinkParams, LinkAdaptation, RanParams, HuangSliceParams, MarketParams, MulticellParams, IIoTParams):
        for f in dataclasses.fields(params):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, \
                f"{params.__name__}.{f.name} has a default"


def test_agent_settings_are_declared_once_in_yaml():
    """Every key an agent's YAML sets has no default in the agent's constructor."""
    import inspect
    from importlib.resources import files

    from slicectl.config.defaults import _compose, agent_defaults

    folder = files("slicectl.conf") / "agent"
    for path in folder.iterdir():
        if not path.name.endswith(".yaml"):
            continue
        name = path.name[:-5]
        target = _compose(f"agent/{name}").agent._target_
        params = inspect.signature(registry.resolve(target).__init__).parameters
        for key in agent_defaults(name):
            if key in params:
                assert params[key].default is inspect.Parameter.empty, f"{name}: {key} has a default"


def test_baseline_options_are_declared_once_in_yaml():
    """Every option a baseline's YAML sets has no default in the baselines that take it."""
    import inspect

    from slicectl.runner.build import baseline_cfg

    reg = registry.load()
    for (name, _), entry in reg.baselines.items():
        params = inspect.signature(registry.resolve(entry.target)).parameters
        for key in baseline_cfg(name):
            if key in params:
                assert params[key].default is inspect.Parameter.empty, f"{entry.target}: {key} has a default"

