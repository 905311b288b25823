"""Bad input: one line naming the problem, exit status 2, no traceback, and
nothing already written is touched."""
import pickle
import shutil

import pytest
import torch
from typer.testing import CliRunner

from slicectl.cli import app
from tests.conftest import SMOKE
from tests.malformed.world import digest

BAD_OVERRIDES = [
    ("agnt=dqn", "did you mean 'agent'"),
    ("agent=dqnn", "did you mean 'dqn'"),
    ("agent.lrr=0.1", "did you mean 'lr'"),
    ("+foo=1", "foo: unknown key"),
    ("agent.lr=-1", "agent.lr"),
    ("agent.lr=abc", "agent.lr"),
    ("agent.gamma=1.5", "agent.gamma"),
    ("agent.hidden=[0,64]", "hidden"),
    ("agent.batch_size=0", "agent.batch_size"),
    ("agent.double=maybe", "agent.double"),
    ("agent.buffer_size=8", "buffer_size"),
    ("seed=-1", "seed"),
    ("seed=abc", "seed"),
    ("seed=1.5", "seed"),
    ("device=tpu", "device"),
    ("env.bandwidth_hz=0", "env.bandwidth_hz"),
    ("env.unit_hz=300000", "unit_hz"),
    ("env.action_mode=hybrid", "env.action_mode"),
    ("env.action_mode=continuous", "needs discrete actions"),
    ("env.beta=[1,1]", "beta"),
    ("env.slices.0.gap_ms.dist=weibull", "env.slices.0.gap_ms.dist"),
    ("env.reward.sigma=-1", "env.reward.sigma"),
    ("env.n_users=0", "env.n_users"),
    ("train.total_steps=0", "train.total_steps"),
    ("train.num_envs=abc", "train.num_envs"),
    ("train.checkpoint_every=0", "train.checkpoint_every"),
    ("train.keep_last=maybe", "train.keep_last"),
    ("eval.n_seeds=1", "eval.n_seeds"),
    ("checkpoint=middle", "checkpoint"),
    ("scale=smok", "did you mean 'smoke'"),
    ("scale=huge", "options: default, paper, smoke"),
    ("seed=0,1", "add -m"),
    ("env._target_=os.system", "is not a target slicectl lists"),
    ("agent._target_=builtins.eval", "is not a target slicectl lists"),
    ("novalue", "novalue"),
    ("stage=7", "stage: unknown option '7'"),
    ("agent=td3 env.action_mode=discrete", "needs continuous actions"),
    ("env._target_=slicectl.sim.ran_env.RanBatchEnvv", "did you mean"),
    ("stage=1 agent.sigma=-0.1", "agent.sigma"),
]
if not torch.cuda.is_available():
    BAD_OVERRIDES.append(("device=cuda", "no CUDA device"))


def one_line_error(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    assert "Traceback" not in text
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.mark.parametrize("override,expect", BAD_OVERRIDES)
def test_bad_override_is_one_line_and_exit_2(runner, override, expect, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", *override.split()])
    assert result.exit_code == 2, result.output
    assert expect in one_line_error(result.stderr)
    assert not (tmp_path / "outputs").exists()  # nothing started


@pytest.mark.parametrize("override", ["train.keep_last=false", "train.checkpoint_every=100"])
def test_checkpointing_keys_are_refused_by_jobs_that_read_their_phases_back(runner, override, tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["bidding", override])
    assert result.exit_code == 2, result.output
    assert "applies to slicectl train only" in one_line_error(result.stderr)
    assert not (tmp_path / "outputs").exists()


def test_bad_value_inside_a_sweep_is_caught_before_any_job(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "-m", "seed=0,-1"])
    assert result.exit_code == 2
    assert "seed" in one_line_error(result.stderr)
    assert not (tmp_path / "outputs").exists()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from tests.conftest import in_process

    root = tmp_path_factory.mktemp("trained")
    run = root / "outputs" / "run"
    r = in_process("train", *SMOKE, "eval.compare=[]", "train.total_steps=40",
                 f"hydra.run.dir={run}", cwd=root)
    assert r.returncode == 0, r.stderr
    return run


def _copy_interrupted(run, dest):
    shutil.copytree(run, dest)
    m = (dest / "manifest.json").read_text().replace('"completed"', '"interrupted"')
    (dest / "manifest.json").write_text(m)
    return dest


def test_bad_run_directories_and_checkpoints(cli, trained):
    before = digest(trained)
    # (args, expected text): run through the real process, as a user would
    truncated = _copy_interrupted(trained, cli.cwd / "truncated")
    data = (truncated / "checkpoints" / "last.pt").read_bytes()
    (truncated / "checkpoints" / "last.pt").write_bytes(data[: len(data) // 2])
    pickled = _copy_interrupted(trained, cli.cwd / "pickled")
    with open(pickled / "checkpoints" / "last.pt", "wb") as fh:
        pickle.dump({"agent": pickle.loads(pickle.dumps(ValueError("boom")))}, fh)
    torch.save({"agent": shutil.Error("x")}, pickled / "checkpoints" / "best.pt")
    corrupt = _copy_interrupted(trained, cli.cwd / "corrupt")
    (corrupt / "manifest.json").write_text("{not json")
    no_ckpt = _copy_interrupted(trained, cli.cwd / "no_ckpt")
    shutil.rmtree(no_ckpt / "checkpoints")
    cases = [
        (["train", "resume=/no/such/run"], "run directory not found"),
        (["train", f"resume={trained}"], "already completed"),
        (["train", f"resume={truncated}", "seed=4"], "drop the other overrides"),
        (["train", f"resume={truncated}"], "cannot load checkpoint"),
        (["train", f"resume={pickled}"], "pickled"),
        (["train", f"resume={corrupt}"], "corrupt manifest.json"),
        (["train", f"resume={no_ckpt}"], "no checkpoints/last.pt"),
        (["eval", "run_dir=/no/such/run", *SMOKE], "run directory not found"),
        (["eval", f"run_dir={pickled}", *SMOKE], "pickled"),
        (["eval", f"run_dir={no_ckpt}", *SMOKE], "has no checkpoints/best.pt"),
        (["eval", *SMOKE], "exactly one of"),
        (["report", "/no/such/dir"], "not a directory"),
        (["report", str(cli.cwd / "truncated" / "checkpoints")], "no run directories"),
        (["plot", str(trained), "--metric", "utilty"], "unknown metric"),
    ]
    for args, expect in cases:
        snapshot = {p: digest(p) for p in (truncated, pickled, corrupt)}
        r = cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert expect in one_line_error(r.stderr), args
        for p, d in snapshot.items():
            assert digest(p) == d, f"{args} changed {p}"
    assert digest(trained) == before
