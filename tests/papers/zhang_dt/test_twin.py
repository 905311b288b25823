"""zhang_digital_twin: the twin's data, model and env, eq. (8), and twin-train end to end."""
import json

import numpy as np
import pandas as pd
import pytest
import torch
from gymnasium.utils.env_checker import check_env

from slicectl.agents.dqn import DQNAgent
from slicectl.papers.zhang_dt import twin_data
from slicectl.papers.zhang_dt.digital_twin import empower
from slicectl.papers.zhang_dt.twin_env import TwinBatchEnv, TwinEnv
from slicectl.papers.zhang_dt.twin_model import TwinModel, errors, fit, histories
from tests.conftest import SMOKE
from tests.conftest import dqn


def synthetic(n_episodes: int, steps: int, seed: int = 0) -> dict:
    """A known system: s' = 0.6 s + 0.8 a + noise (per slice), U = Σ a·s."""
    rng = np.random.default_rng(seed)
    rows = []
    for e in range(n_episodes):
        s = rng.uniform(0.5, 1.5, 3)
        for t in range(steps):
            a = rng.dirichlet(np.ones(3))
            nxt = 0.6 * s + 0.8 * a + rng.normal(0, 0.01, 3)
            rows.append((s, a, float(a @ s), nxt, e, t))
            s = nxt
    obs, feat, u, nxt, ep, st = (np.array(c) for c in zip(*rows))
    return {"obs": obs.astype(np.float32), "action": np.zeros(len(u)), "features": feat.astype(np.float32),
            "reward": u, "utility": u, "next_obs": nxt.astype(np.float32), "episode": ep, "step": st}


def test_histories_stay_inside_each_episode_and_pad_with_its_first_step():
    data = synthetic(2, 3)
    order = np.array([3, 0, 4, 1, 5, 2])  # interleave the two episodes
    shuffled = {k: v[order] for k, v in data.items()}
    obs_h, feat_h = histories(shuffled, window=3)
    assert obs_h.shape == (6, 3, 3) and feat_h.shape == (6, 3, 3)
    for row, src in enumerate(order):
        e, t = data["episode"][src], data["step"][src]
        want = [e * 3 + max(t - k, 0) for k in (2, 1, 0)]  # oldest first, clamped to step 0
        np.testing.assert_array_equal(obs_h[row], data["obs"][want])
        np.testing.assert_array_equal(feat_h[row], data["features"][want])


def test_twin_learns_a_known_transition_and_utility():
    torch.manual_seed(0)
    data = synthetic(60, 10)
    train, held = twin_data.split(data, 5)
    model = TwinModel(3, 3, window=2, hidden=32, reward_hidden=(32,))
    before = errors(model, held)
    fit(model, train, epochs=60, lr=3e-3, batch_size=64)
    after = errors(model, held)
    assert model.next_obs(torch.zeros(4, 2, 3), torch.zeros(4, 2, 3)).shape == (4, 3)
    assert model.utility(torch.zeros(4, 3), torch.zeros(4, 3)).shape == (4,)
    # the persistence baseline is far off; the twin gets near the noise floor (1e-4)
    assert after["state_mse"] < 0.1 * after["persistence_mse"]
    assert after["state_mse"] < 2e-3 and after["utility_mse"] < 2e-3
    assert after["state_mse"] < before["state_mse"]
    np.testing.assert_allclose(model.noise_std.numpy(), 0.01, atol=0.03)


def test_eq8_mixes_every_network_parameter():
    a1, a2 = dqn(3, 10, hidden=(8,), seed=0), dqn(3, 10, hidden=(8,), seed=1)
    p1 = {n: [p.clone() for p in m.parameters()] for n, m in a1.networks().items()}
    p2 = {n: [p.clone() for p in m.parameters()] for n, m in a2.networks().items()}
    empower(a1, a2, zeta=0.3)
    for name, net in a1.networks().items():
        for got, x1, x2 in zip(net.parameters(), p1[name], p2[name]):
            torch.testing.assert_close(got, 0.3 * x1 + 0.7 * x2)
    assert not torch.equal(p1["q"][0], p2["q"][0])  # the test compares two different agents


def test_recording_env_keeps_the_exact_transitions(make_env):
    rec = twin_data.RecordingEnv(make_env(num_envs=2, episode_steps=4))
    obs = rec.reset([1, 2])
    rng = np.random.default_rng(0)
    for _ in range(4):
        obs, _, _, _ = rec.step(rec.sampler(obs, rng))
    rec.reset([3, 4])
    rec.step(rec.sampler(obs, rng))
    d = rec.data()
    assert len(d["reward"]) == 10 and sorted(set(d["episode"])) == [0, 1, 2, 3]
    np.testing.assert_allclose(d["features"].sum(axis=1), 1.0, rtol=1e-6)
    for e in (0, 1):  # within an episode, each next state is the following state
        rows = np.flatnonzero(d["episode"] == e)
        np.testing.assert_array_equal(d["next_obs"][rows[:-1]], d["obs"][rows[1:]])
        assert list(d["step"][rows]) == [0, 1, 2, 3]
    copy = twin_data.RecordingEnv(make_env(num_envs=2, episode_steps=4))
    copy.load_state_dict(rec.state_dict())
    for k in twin_data.FIELDS:
        np.testing.assert_array_equal(copy.data()[k], d[k])


def test_dataset_file_round_trip_and_bad_file(tmp_path):
    data = synthetic(3, 4)
    twin_data.save(data, tmp_path / "d.npz")
    back = twin_data.load(tmp_path / "d.npz")
    for k in twin_data.FIELDS:
        np.testing.assert_array_equal(back[k], data[k])
    np.savez(tmp_path / "bad.npz", obs=np.zeros(3))
    with pytest.raises(ValueError, match="missing"):
        twin_data.load(tmp_path / "bad.npz")


def _twin(make_env, num_envs=1):
    real = make_env(num_envs=1, episode_steps=5)
    rec = twin_data.RecordingEnv(real)
    obs, rng = rec.reset([0]), np.random.default_rng(0)
    for _ in range(5):
        obs, *_ = rec.step(rec.sampler(obs, rng))
    data = rec.data()
    model = TwinModel(3, 3, window=2, hidden=8, reward_hidden=(8,))
    fit(model, data, epochs=2)
    return TwinBatchEnv(model, real, data["obs"][:1], num_envs, episode_steps=5), model, real, data


def test_twin_env_is_a_gymnasium_env_and_repeats_with_its_seed(make_env):
    batch, model, real, data = _twin(make_env, num_envs=2)
    check_env(TwinEnv(model, real, data["obs"][:1], episode_steps=5), skip_render_check=True)

    def rollout():
        obs, out = batch.reset([7, 8]), []
        for a in range(5):
            obs, r, trunc, info = batch.step(np.array([a, 2 * a]))
            out.append(obs.copy())
        assert trunc.all() and set(info) == {"utility"}
        return np.stack(out)

    first = rollout()
    np.testing.assert_array_equal(first, rollout())
    assert (first >= 0).all()


def test_twin_train_smoke_writes_dataset_twin_and_both_arms(cli):
    r = cli("twin-train", *SMOKE, "agent=ddqn")
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "twin-train").iterdir())
    m = pd.read_csv(run / "metrics.csv")
    assert list(m["env_steps"]) == [20, 40]  # (rounds + 1) · real_steps real interactions
    assert m["plain_reward"].notna().all() and m["reward"].notna().all()
    assert np.isfinite(m["twin_state_mse"].iloc[0]) or m["twin_transitions"].iloc[0] > 0
    data = twin_data.load(run / "data" / "real0.npz")
    assert len(data["reward"]) == 20
    assert (run / "checkpoints" / "twin0.pt").is_file()
    assert {"real0", "twin0", "real1", "plain"} <= {p.name for p in run.iterdir()}
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed" and "plain_reach" in manifest["final"]


def test_twin_train_refuses_a_bad_zeta_and_another_env(cli):
    r = cli("twin-train", *SMOKE, "twin.zeta=1.5")
    assert r.returncode == 2 and "twin.zeta" in r.stderr and "Traceback" not in r.stderr
    r = cli("twin-train", *SMOKE, "env=huang_user", "agent=td3")
    assert r.returncode == 2 and "needs env=ran" in r.stderr


def test_student_matches_a_teacher_on_a_toy_problem():
    from slicectl.papers.zhang_dt.distill import Student, agreement, fit

    class Teacher:  # argmax of 4 linear scores: regions a 16-unit student can draw
        w = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])

        def act(self, obs, explore=False):
            return (obs @ self.w.T).argmax(axis=1)

    rng = np.random.default_rng(0)
    train, held = rng.uniform(-1, 1, (4000, 2)), rng.uniform(-1, 1, (1000, 2))
    student = Student(2, 4, width=16, seed=0)
    fit(student, train, Teacher().act(train), steps=1500, lr=3e-3)
    assert agreement(student, Teacher(), held) > 0.95


def test_a_students_reward_share_is_its_reward_over_its_teachers_and_whole_for_a_teacher_at_zero():
    from slicectl.papers.zhang_dt.job_distill import reward_share
    assert reward_share(0.9, 1.2) == pytest.approx(0.75)
    assert reward_share(1.2, None) == 1.0          # the teacher's own row
    assert reward_share(0.0, 0.0) == 1.0           # a teacher at eq. (6)'s floor: no division by zero
    assert reward_share(0.4, 0.0) == 1.0


def test_distill_after_twin_train_compares_dt_and_plain_students(cli):
    assert cli("twin-train", *SMOKE).returncode == 0
    r = cli("distill", *SMOKE, "teacher=latest")
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "distill").iterdir())
    m = pd.read_csv(run / "metrics.csv").set_index("policy")
    assert list(m.index) == ["dt", "dt_w4", "dt_w16", "plain", "plain_w4", "plain_w16"]
    assert m.loc["dt_w16", "params"] < m.loc["dt", "params"] / 5
    np.testing.assert_allclose(m.loc["dt_w16", "reward_share"], m.loc["dt_w16", "reward"] / m.loc["dt", "reward"])
    assert (m["seconds_per_decision"] > 0).all()


def test_distill_needs_a_teacher(cli):
    r = cli("distill", *SMOKE)
    assert r.returncode == 2 and "teacher=" in r.stderr and "Traceback" not in r.stderr
    r = cli("distill", *SMOKE, "teacher=nowhere")
    assert r.returncode == 2 and "not found" in r.stderr


def test_twin_train_killed_mid_run_resumes_to_the_same_rounds(cli):
    import os
    import signal
    import subprocess
    import sys
    import time

    args = [*SMOKE, "twin.rounds=3", "twin.plain=false"]
    full = cli.cwd / "outputs" / "full"
    assert cli("twin-train", *args, f"hydra.run.dir={full}").returncode == 0
    killed = cli.cwd / "outputs" / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "slicectl.cli", "twin-train", *args,
                             f"hydra.run.dir={killed}"], cwd=cli.cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not (killed / "twin1" / "metrics.csv").exists():
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "real3").exists(), "the kill must land mid-run"
    r = cli("train", f"resume={killed}")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_csv(full / "metrics.csv"), pd.read_csv(killed / "metrics.csv"))
    for i in range(4):
        a, b = (twin_data.load(d / "data" / f"real{i}.npz") for d in (full, killed))
        for k in twin_data.FIELDS:
            np.testing.assert_array_equal(a[k], b[k])


def test_report_pools_students_of_teachers_that_differ_only_in_seed(tmp_path):
    from slicectl.analysis.runs import find_runs

    for i in range(2):
        teacher = tmp_path / f"teacher{i}" / ".hydra"
        teacher.mkdir(parents=True)
        (teacher / "overrides.yaml").write_text(f"- agent=ddqn\n- seed={i}\n")
        run = tmp_path / "students" / str(i)
        (run / ".hydra").mkdir(parents=True)
        (run / ".hydra" / "overrides.yaml").write_text(f"- teacher={tmp_path / f'teacher{i}'}\n")
        (run / "manifest.json").write_text('{"job": "distill", "status": "completed"}')
        (run / "metrics.csv").write_text("env_steps,episode,split,policy,reward\n1,0,eval,dt,0.5\n")
    runs = find_runs([tmp_path / "students"])
    assert len(runs) == 2 and runs[0].group == runs[1].group
