"""Stacked seeds: N members of one ensemble follow the updates their
separate runs would make, and round-trip through separate-run checkpoints."""
import numpy as np
import pytest
import torch

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.stacked import StackedDQN
from slicectl.config.defaults import agent_defaults

OBS, ACTIONS, B = 6, 5, 2


def members(kind: str, seeds=(0, 1, 2)) -> list[DQNAgent]:
    kw = agent_defaults(kind, learning_starts=8, batch_size=4)
    return [DQNAgent(obs_dim=OBS, n_actions=ACTIONS, seed=s, **kw) for s in seeds]


def transitions(steps: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield (rng.normal(size=(n * B, OBS)).astype(np.float32), rng.integers(0, ACTIONS, n * B),
               rng.normal(size=n * B), rng.normal(size=(n * B, OBS)).astype(np.float32), np.zeros(n * B))


@pytest.mark.parametrize("kind", ["dqn", "ddqn", "dueling_dqn"])
def test_each_member_follows_its_separate_runs_updates(kind):
    alone, stack = members(kind), StackedDQN(members(kind))
    for obs, a, r, obs2, d in transitions(40, 3):
        np.testing.assert_array_equal(stack.act(obs, explore=True),
                                      np.concatenate([m.act(o, explore=True) for m, o in zip(alone, np.split(obs, 3))]))
        stack.observe(obs, a, r, obs2, d)
        for m, part in zip(alone, zip(*(np.split(x, 3) for x in (obs, a, r, obs2, d)))):
            m.observe(*part)
    stack.sync()
    for mine, theirs in zip(stack.members, alone):
        assert mine.updates == theirs.updates > 50 and mine.steps == theirs.steps
        for name in ("q", "q_target"):
            for (k, p), (_, q) in zip(getattr(mine, name).state_dict().items(),
                                      getattr(theirs, name).state_dict().items()):
                torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=f"{name}.{k}")


def test_a_stack_rebuilt_from_its_members_checkpoints_continues_bit_for_bit():
    stack = StackedDQN(members("ddqn"))
    steps = list(transitions(60, 3, seed=1))
    for t in steps[:30]:
        stack.act(t[0])
        stack.observe(*t)
    stack.sync()
    states = [m.state_dict() for m in stack.members]
    fresh = members("ddqn", seeds=(7, 8, 9))           # other seeds: everything comes from the states
    for m, s in zip(fresh, states):
        m.load_state_dict(s)
    again = StackedDQN(fresh)
    for t in steps[30:]:
        np.testing.assert_array_equal(stack.act(t[0]), again.act(t[0]))
        assert stack.observe(*t)["loss"] == again.observe(*t)["loss"]
    for p, q in zip(stack.q.parameters(), again.q.parameters()):
        assert torch.equal(p, q)


def test_a_members_checkpoint_has_a_separate_runs_layout():
    stack, alone = StackedDQN(members("dueling_dqn")), members("dueling_dqn")
    for t in transitions(20, 3):
        stack.observe(*t)
    stack.sync()
    mine, theirs = stack.members[0].state_dict(), alone[0].state_dict()
    assert mine.keys() == theirs.keys()
    for name in ("q", "q_target"):
        assert {k: v.shape for k, v in mine[name].items()} == {k: v.shape for k, v in theirs[name].items()}
    assert len(mine["optimizer"]["state"]) == len(stack.members[0]._params)


def _sweeps(root):
    """Each sweep under ``root`` (oldest first): its runs by seed."""
    return [{p.name: p for p in sorted(sweep.iterdir()) if (p / "manifest.json").is_file()}
            for sweep in sorted((root / "multirun" / "train").iterdir())]


@pytest.mark.parametrize("config", [["hydra.launcher.n_jobs=1"], ["stage=1", "hydra.launcher.n_jobs=2"],
                                    ["env=multicell", "hydra.launcher.n_jobs=2"],
                                    ["experiment=zhang2021_pertask", "hydra.launcher.n_jobs=1"]],
                         ids=["dqn_ran_one_process", "td3_huang_user_two_processes", "td3_hu_cells_two_processes",
                              "td3_per_item_one_process"])
def test_stacked_seeds_write_each_run_directory_as_its_separate_run_does(tmp_path, config):
    """`train -m seed=0,1,2 hydra/launcher=stacked` trains the three seeds as
    one stack in this process (n_jobs=1), or as a stack of two and a run
    alone in two processes; each run directory has a separate run's files
    and columns, and at smoke scale its metrics are the separate run's (the
    members start from their seeds' networks, replays and generators)."""
    from tests.malformed.world import invoke

    args = ["train", "-m", "seed=0,1,2", "scale=smoke"]
    separate = [c for c in config if not c.startswith("hydra.launcher.")]
    for stacked, extra in ((True, ["hydra/launcher=stacked", *config]), (False, separate)):
        res = invoke([*args, *extra, f"outputs={tmp_path / 'outputs'}"], tmp_path)
        assert res.exit_code == 0, res.output[-2000:]
        if stacked and "hydra.launcher.n_jobs=1" in config:
            assert "× 3 seeds" in res.output   # trained as one stack, not one after the other
    _assert_runs_as_separate(tmp_path / "outputs")


def test_a_stack_beyond_its_memory_share_trains_a_part_at_a_time_each_run_as_its_separate_run(tmp_path, monkeypatch):
    """A process whose share of the memory holds two members of the stack
    (``stacked_bytes``) trains seeds 0 and 1 as a stack, then seed 2; each
    run is still its separate run."""
    from slicectl.config import processes
    from tests.malformed.world import invoke

    monkeypatch.setattr(processes, "memory_available", lambda: 2 * 10**6 + 5)
    monkeypatch.setattr("slicectl.jobs.train.stacked_bytes", lambda agent: 10**6)
    args = ["train", "-m", "seed=0,1,2", "scale=smoke", f"outputs={tmp_path / 'outputs'}"]
    res = invoke([*args, "hydra/launcher=stacked", "hydra.launcher.n_jobs=1"], tmp_path)
    assert res.exit_code == 0, res.output[-2000:]
    assert "stacking 2 of 3 seeds at a time" in res.output and "× 2 seeds" in res.output
    assert "train dqn seed 2" in res.output and "× 3 seeds" not in res.output
    assert invoke(args, tmp_path).exit_code == 0
    _assert_runs_as_separate(tmp_path / "outputs")


def test_a_stacked_member_counts_its_replay_and_each_network_twice_with_gradient_and_adam_moments():
    from slicectl.agents.stacked import stacked_bytes

    m = members("dqn", seeds=(0,))[0]
    q = sum(p.numel() for p in m.q.parameters()) * 4    # float32 bytes of one Q network
    assert stacked_bytes(m) == m.replay.storage.nbytes + 2 * (4 * q + q)


def _assert_runs_as_separate(outputs) -> None:
    """The first sweep under ``outputs`` (stacked) wrote each run as the
    second (separate runs) did: the same files, configs and metrics."""
    import json

    import pandas as pd

    mine, theirs = _sweeps(outputs)
    assert sorted(mine) == sorted(theirs) == ["0", "1", "2"]
    for seed in mine:
        a, b = mine[seed], theirs[seed]
        files = lambda d: sorted(_file_kind(p.relative_to(d)) for p in d.rglob("*")   # noqa: E731
                                 if p.is_file() and p.suffix != ".log" and p.name != ".lock")
        assert files(a) == files(b)
        ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
        assert ma["status"] == mb["status"] == "completed" and ma["seed"] == mb["seed"] == int(seed)
        assert ma["config_sha256"] == mb["config_sha256"]
        ra, rb = (pd.read_csv(d / "metrics.csv").drop(columns="wall_s") for d in (a, b))
        assert list(ra.columns) == list(rb.columns)
        pd.testing.assert_frame_equal(ra, rb, rtol=1e-4)


def _file_kind(path) -> str:
    """A run's file by what it is: TensorBoard names its event files by time,
    host and process."""
    return "tb/events.out.tfevents" if str(path).startswith("tb/events.out.tfevents") else str(path)


def td3_members(seeds=(0, 1, 2), agents=None, items=None, **kw) -> list:
    """TD3 agents, flat, over ``agents`` cells (hu) or per item (``items``
    blocks of OBS features and 3 decisions, zhang2021)."""
    from slicectl.agents.td3 import TD3Agent

    base = agent_defaults("td3", learning_starts=8, batch_size=4, epsilon=0.0, hidden=[16, 16], **kw)
    k = agents or items or 1
    return [TD3Agent(obs_dim=OBS * k, action_dim=3 * k, low=np.zeros(3 * k), high=np.ones(3 * k),
                     agents=agents, items=items, seed=s, **base) for s in seeds]


def td3_transitions(steps: int, n: int, k: int = 1, seed: int = 0, rewards: int = 1):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        r = rng.normal(size=(n * B, rewards)) if rewards > 1 else rng.normal(size=n * B)
        yield (rng.normal(size=(n * B, OBS * k)).astype(np.float32), rng.uniform(0, 1, (n * B, 3 * k)),
               r, rng.normal(size=(n * B, OBS * k)).astype(np.float32), np.zeros_like(r))


@pytest.mark.parametrize("agents,items,kind", [(None, None, {}), (None, None, {"ddpg": True}), (2, None, {}),
                                               (None, 4, {"action_l2": 0.5})],
                         ids=["td3", "ddpg", "td3_stacked_cells", "td3_per_item"])
def test_each_td3_member_follows_its_separate_runs_updates(agents, items, kind):
    from slicectl.agents.stacked import StackedTD3

    alone = td3_members(agents=agents, items=items, **kind)
    stack = StackedTD3(td3_members(agents=agents, items=items, **kind))
    k = agents or items or 1
    for obs, a, r, obs2, d in td3_transitions(30, 3, k, rewards=agents or 1):
        np.testing.assert_allclose(stack.act(obs, explore=True),
                                   np.concatenate([m.act(o) for m, o in zip(alone, np.split(obs, 3))]),
                                   rtol=1e-5, atol=1e-6)
        stack.observe(obs, a, r, obs2, d)
        for m, part in zip(alone, zip(*(np.split(x, 3) for x in (obs, a, r, obs2, d)))):
            m.observe(*part)
    stack.sync()
    for mine, theirs in zip(stack.members, alone):
        assert mine.updates == theirs.updates > 40
        for name in ("actor", "critic", "critic_target"):
            for (key, p), (_, q) in zip(getattr(mine, name).state_dict().items(),
                                        getattr(theirs, name).state_dict().items()):
                torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=f"{name}.{key}")
        for opt in ("actor_opt", "critic_opt"):
            (_, s1), = getattr(mine, opt).state_dict()["state"].items()
            (_, s2), = getattr(theirs, opt).state_dict()["state"].items()
            torch.testing.assert_close(s1["exp_avg_sq"], s2["exp_avg_sq"], rtol=1e-3, atol=1e-9)


@pytest.mark.parametrize("items", [None, 4], ids=["flat", "per_item"])
def test_a_td3_stack_rebuilt_from_its_members_checkpoints_continues_bit_for_bit(items):
    from slicectl.agents.stacked import StackedTD3

    stack = StackedTD3(td3_members(items=items))
    steps = list(td3_transitions(40, 3, items or 1, seed=2))
    for t in steps[:20]:
        stack.act(t[0])
        stack.observe(*t)
    stack.sync()
    fresh = td3_members(seeds=(5, 6, 7), items=items)
    for m, old in zip(fresh, stack.members):
        m.load_state_dict(old.state_dict())
    again = StackedTD3(fresh)
    for t in steps[20:]:
        np.testing.assert_array_equal(stack.act(t[0]), again.act(t[0]))
        assert stack.observe(*t)["loss"] == again.observe(*t)["loss"]


def test_a_killed_stack_resumes_all_its_members_together_as_if_uninterrupted(cli):
    """kill -9 a stacked sweep mid-run (two processes: seeds 0-1 stacked, seed
    2 alone; the launcher's processes die with it); launched again into the
    same sweep directory, its members resume from their last.pt and end with
    the metrics of an uninterrupted stacked sweep."""
    import json
    import signal

    import pandas as pd

    from tests.test_resume import kill9_midway

    args = ["-m", "seed=0,1,2", "scale=smoke", "train.total_steps=600", "train.eval_every=60",
            "eval.compare=[]", "hydra/launcher=stacked", "hydra.launcher.n_jobs=2", "hydra.sweep.subdir=${seed}"]
    full, killed = cli.cwd / "outputs" / "full", cli.cwd / "outputs" / "killed"
    r = cli("train", *args, f"hydra.sweep.dir={full}")
    assert r.returncode == 0, r.stderr
    kill9_midway(cli, "train", [*args, f"hydra.sweep.dir={killed}"], killed / "2", rows=8,
                 sig=signal.SIGKILL, run_dir_arg=False)
    assert {json.loads((killed / s / "manifest.json").read_text())["status"] for s in "012"} == {"running"}
    r = cli("train", *args, f"hydra.sweep.dir={killed}")
    assert r.returncode == 0, r.stderr
    for seed in "012":
        manifest = json.loads((killed / seed / "manifest.json").read_text())
        assert manifest["status"] == "completed" and manifest["resumed_from_step"] > 0
        pd.testing.assert_frame_equal(pd.read_csv(full / seed / "metrics.csv").drop(columns="wall_s"),
                                      pd.read_csv(killed / seed / "metrics.csv").drop(columns="wall_s"))


def test_jobs_that_cannot_stack_run_on_n_jobs_worker_processes(tmp_path):
    """A stacked sweep's unstackable jobs (baseline evaluations here) run as
    the launcher's units on n_jobs worker processes, a worker serving one
    job after another, each job into its own complete run directory."""
    import json
    import os

    from tests.malformed.world import invoke

    res = invoke(["eval", "--baseline", "random", "-m", "seed=0,1,2", "scale=smoke", "hydra/launcher=stacked",
                  "hydra.launcher.n_jobs=2", f"outputs={tmp_path / 'outputs'}"], tmp_path)
    assert res.exit_code == 0, res.output[-2000:]
    manifests = [json.loads(p.read_text()) for p in sorted((tmp_path / "outputs").rglob("manifest.json"))]
    assert [m["seed"] for m in manifests] == [0, 1, 2]
    assert {m["status"] for m in manifests} == {"completed"}
    pids = {m["pid"] for m in manifests}
    assert len(pids) == 2 and os.getpid() not in pids   # two workers, three jobs: one worker served two


def test_the_launcher_halves_the_largest_stack_while_processes_are_idle():
    from slicectl.config.stacked_launcher import _spread

    five = [(True, [0, 1, 2, 3, 4])]
    assert _spread(five, 2) == [(True, [0, 1, 2]), (True, [3, 4])]
    assert _spread(five, 1) == five
    assert _spread(five, 4) == [(True, [0]), (True, [1]), (True, [2]), (True, [3, 4])]
    two_stacks = [(True, [0, 1, 2]), (True, [3, 4, 5])]
    assert _spread(two_stacks, 2) == two_stacks                    # a stack per process already
    alone = [(False, [0]), (False, [1])]
    assert _spread(alone, 4) == alone                              # jobs that do not stack stay whole
    assert _spread([(False, [0]), (True, [1, 2])], 3) == [(False, [0]), (True, [1]), (True, [2])]


def test_sigterm_to_the_launcher_interrupts_the_runs_in_its_processes(cli):
    """SIGTERM to a launcher spreading runs over two processes reaches both:
    each run ends interrupted (resumable), as a run alone does on SIGTERM."""
    import json
    import signal

    from tests.test_resume import kill9_midway

    sweep = cli.cwd / "outputs" / "sweep"
    args = ["-m", "seed=0,1", "scale=smoke", "train.total_steps=3000", "train.eval_every=60", "eval.compare=[]",
            "hydra/launcher=stacked", "hydra.launcher.n_jobs=2", "hydra.sweep.subdir=${seed}",
            f"hydra.sweep.dir={sweep}"]
    kill9_midway(cli, "train", args, sweep / "1", rows=4, sig=signal.SIGTERM, run_dir_arg=False)
    assert [json.loads((sweep / s / "manifest.json").read_text())["status"] for s in "01"] == ["interrupted"] * 2


def test_a_stacks_members_return_their_objective_as_separate_runs_do(tmp_path):
    """A sweeper (Optuna) reads each job's return: a member's is its run's
    final evaluation of the env's objective, as ``task`` returns for a run."""
    from omegaconf import OmegaConf

    from slicectl.config.overrides import resolved
    from slicectl.config.stacked_launcher import run_members
    from slicectl.runner.objective import declared, final_value

    cfgs = [OmegaConf.create(resolved("train", ["scale=smoke", f"seed={s}", f"outputs={tmp_path}", "eval.compare=[]"]))
            for s in (0, 1)]
    dirs = [tmp_path / str(s) for s in (0, 1)]
    values = run_members(cfgs, dirs, "dqn")
    metric, _ = declared(str(cfgs[0].env._target_))
    assert all(isinstance(v, float) for v in values)
    assert values == [final_value(d, metric) for d in dirs]
    assert values[0] != values[1]   # each member's own


def test_a_worker_killed_by_the_kernel_is_reported_by_its_signal_not_silently():
    import os
    import signal

    from slicectl.config import processes

    calls = [(lambda: os.kill(os.getpid(), signal.SIGKILL), ()), (lambda: 7, ())]
    with pytest.raises(SystemExit, match=r"killed by signal 9 \(SIGKILL: the kernel's out-of-memory killer"):
        processes.run_all(calls, 2)
