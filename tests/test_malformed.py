"""Malformed invocations (tests/malformed/cases.py), each refused cleanly:
exit status 2, one line ``error: ...`` naming the problem, no traceback,
nothing already written changed, and no file made by attempted code.

Most run in this process through the CLI's own entry point (Typer's runner);
a representative share also as real processes (test_cli_processes...)."""
from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from tests.malformed import cases
from tests.malformed.world import build, digest, invoke

CASES = cases.all_cases()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("world"))


def _argv(args: str, world, marker) -> list[str]:
    return shlex.split(args.replace("{w}", str(world)).replace("{marker}", str(marker)))


def assert_refused(code: int, stdout: str, stderr: str, expect: str) -> None:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert code == 2, f"exit {code}: {stderr[-2000:]!r} {stdout[-500:]!r}"
    assert "Traceback" not in stderr + stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), f"not one line: {stderr!r}"
    assert expect in lines[0], f"{expect!r} not in {lines[0]!r}"


def test_at_least_250_malformed_invocations():
    assert len(CASES) >= 250


@pytest.mark.parametrize("args,expect", CASES, ids=[c[0][:120] for c in CASES])
def test_malformed_invocation_is_refused_cleanly(world, args, expect, tmp_path):
    before = digest(world.parent)
    marker = tmp_path / "MARKER"
    res = invoke(_argv(args, world, marker), tmp_path)
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), \
        f"raised {res.exception!r}"
    assert_refused(res.exit_code, res.stdout, res.stderr, expect)
    assert digest(world.parent) == before, "changed files already written"
    assert not marker.exists() and not (world.parent / "MARKER").exists(), "ran code from an override"


PROCESS = [c for c in CASES if any(k in c[0] for k in (
    "hydra.callbacks", "name=../", "resume={w}/callback", "resume={w}/ckpt_other_run", "env.alpha=1e308",
    "seed=true", "eval.seed_base=9999", "interval(", "--cfg", "hydra.run.dir=/proc", "report {w}/run --out",
    "metrics_header_only", "dataset={w}/data/nan", "eval run_dir={w}/run env=iiot", "agent.buffer_size=1000000000000"))]


@pytest.mark.parametrize("args,expect", PROCESS, ids=[c[0][:120] for c in PROCESS])
def test_cli_process_refuses_malformed_invocation(world, args, expect, tmp_path):
    before = digest(world.parent)
    marker = tmp_path / "MARKER"
    r = subprocess.run([sys.executable, "-m", "slicectl.cli", *_argv(args, world, marker)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert_refused(r.returncode, r.stdout, r.stderr, expect)
    assert digest(world.parent) == before
    assert not marker.exists() and not (world.parent / "MARKER").exists()
