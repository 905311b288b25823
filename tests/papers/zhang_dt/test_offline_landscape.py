"""zhang_digital_twin: offline RL (Algorithm 2, eq. 13, CQL) and loss landscapes (eq. 11)."""
import numpy as np
import pandas as pd
import torch

from slicectl.agents.dqn import DQNAgent
from slicectl.papers.zhang_dt import landscape, offline
from tests.conftest import SMOKE
from tests.conftest import dqn


def bandit_data(n: int = 400, n_actions: int = 6, seed: int = 0) -> dict:
    """One-step data where only actions 0 and 1 were ever taken (action 1 pays 1)."""
    rng = np.random.default_rng(seed)
    obs = rng.uniform(0, 1, (n, 3)).astype(np.float32)
    action = rng.integers(0, 2, n)
    return {"obs": obs, "action": action, "reward": (action == 1).astype(np.float64),
            "next_obs": obs.copy()}


def agent(n_actions: int = 6, seed: int = 0) -> DQNAgent:
    return dqn(3, n_actions, hidden=(32,), lr=3e-3, gamma=0.0, batch_size=64, seed=seed)


def test_twin_penalty_is_eq13_and_pulls_the_agent_onto_theta2():
    a, theta2 = agent(seed=0), agent(seed=1)
    penalty = offline.twin_penalty(theta2.q, v=0.3)
    want = 0.15 * sum(((p - q) ** 2).sum() for p, q in zip(a.q.parameters(), theta2.q.parameters()))
    torch.testing.assert_close(penalty(a, None), want)
    # with a strong penalty the offline agent ends next to θ2, without it far away
    data = bandit_data()
    dist = {}
    for v in (0.0, 10.0):
        a = agent(seed=0)
        offline.load_dataset(a, data)
        a.regulariser = offline.twin_penalty(theta2.q, v) if v else None
        offline.train_offline(a, 300, 300, lambda u, loss: None)
        dist[v] = sum(((p - q) ** 2).sum().item() for p, q in zip(a.q.parameters(), theta2.q.parameters()))
    assert dist[10.0] < 0.05 * dist[0.0]


def test_cql_pushes_down_actions_the_dataset_never_took():
    data = bandit_data()
    q_unseen = {}
    for name, reg in (("plain", None), ("cql", offline.cql_penalty(1.0))):
        a = agent()
        offline.load_dataset(a, data)
        a.regulariser = reg
        offline.train_offline(a, 600, 600, lambda u, loss: None)
        q = a.q(torch.as_tensor(data["obs"])).detach()
        q_unseen[name] = q[:, 2:].max(dim=1).values.mean().item()
        assert (q.argmax(dim=1) == 1).float().mean() > 0.9 or name == "plain"
    assert q_unseen["cql"] < q_unseen["plain"] - 0.2


def test_flatness_of_a_known_parabola():
    lam = np.linspace(-1, 1, 41)
    flat = landscape.flatness(lam, 0.5 + 2.0 * lam ** 2)
    assert abs(flat["loss0"] - 0.5) < 1e-12
    assert abs(flat["curvature"] - 4.0) < 1e-9
    assert abs(flat["curvature_rel"] - 8.0) < 1e-9
    assert abs(flat["width2x"] - 2 * np.sqrt(0.5 / 2.0)) < 0.01  # L ≤ 1 on |λ| ≤ 0.5
    assert landscape.flatness(lam, 0.5 + 0.1 * lam ** 2)["width2x"] == 2.0  # censored at the grid


def test_landscape_moves_along_the_normalised_gradient_and_restores_the_weights():
    data = bandit_data()
    a = agent()
    offline.load_dataset(a, data)
    offline.train_offline(a, 100, 100, lambda u, loss: None)
    batch = a.replay.sample(256, torch.Generator().manual_seed(1))
    before = [p.detach().clone() for p in a.q.parameters()]
    d = landscape.direction(a, batch)
    for p, di in zip(a.q.parameters(), d):
        if p.dim() == 2:  # each unit's slice has the norm of that unit's weights (dead units: 0)
            live = di.norm(dim=1) > 0
            assert live.float().mean() > 0.3
            torch.testing.assert_close(di.norm(dim=1)[live], p.detach().norm(dim=1)[live])
    losses = landscape.curve(a, batch, np.array([-0.01, 0.0, 0.01]))
    assert losses[0] < losses[1] < losses[2]  # uphill along the gradient
    assert all(torch.equal(p, b) for p, b in zip(a.q.parameters(), before))


def test_offline_and_landscape_from_the_cli(cli):
    r = cli("offline", *SMOKE)
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "offline").iterdir())
    m = pd.read_csv(run / "metrics.csv")
    assert list(m["policy"].unique()) == ["behaviour", "twin_agent", "dt", "plain", "cql"]
    assert (m.query("policy in ['dt', 'plain', 'cql']")["env_steps"] == 60).all()
    for f in ("data/dataset.npz", "checkpoints/twin.pt", "checkpoints/dt.pt", "checkpoints/plain.pt",
              "checkpoints/cql.pt", "twin/checkpoints/last.pt"):
        assert (run / f).is_file(), f
    # the same dataset given back by path trains the same arms to the same figures
    r = cli("offline", *SMOKE, f"dataset={run / 'data' / 'dataset.npz'}")
    assert r.returncode == 0, r.stderr
    run2 = max((cli.cwd / "outputs" / "offline").iterdir())
    pd.testing.assert_frame_equal(m.drop(columns="loss"), pd.read_csv(run2 / "metrics.csv").drop(columns="loss"))

    r = cli("landscape", *SMOKE, f"run_dir={run}")
    assert r.returncode == 0, r.stderr
    ls = next((cli.cwd / "outputs" / "landscape").iterdir())
    curves = pd.read_csv(ls / "landscape.csv")
    assert set(curves["policy"]) == {"dt", "plain", "cql", "twin_agent"}
    assert len(curves) == 4 * 11 and (ls / "landscape.png").stat().st_size > 0
    flat = pd.read_csv(ls / "metrics.csv").set_index("policy")
    assert (flat["width2x"] > 0).all() and (flat["loss0"] > 0).all()


def test_landscapes_of_a_twin_train_sweep_pool_in_one_report(cli):
    r = cli("twin-train", "-m", *SMOKE, "seed=0,1")
    assert r.returncode == 0, r.stderr
    sweep = next((cli.cwd / "outputs" / "multirun" / "twin-train").iterdir())
    r = cli("landscape", "-m", *SMOKE, f"run_dir={sweep / '0'},{sweep / '1'}")
    assert r.returncode == 0, r.stderr
    ls = next((cli.cwd / "outputs" / "multirun" / "landscape").iterdir())
    r = cli("report", str(ls))
    assert r.returncode == 0, r.stderr
    rep = pd.read_csv(ls / "report.csv")
    # the two runs differ only in seed: one group, DT and plain side by side
    assert len(rep) == 1 and rep.loc[0, "n"] == 2
    assert {"dt/width2x", "plain/width2x", "dt/curvature_rel", "plain/curvature_rel"} <= set(rep.columns)


def test_offline_and_landscape_refuse_bad_input(cli, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a dataset")
    for args, words in ((["offline", f"dataset={bad}"], "dataset:"),
                        (["offline", "dataset=/no/such.npz"], "not found"),
                        (["landscape", "run_dir=latest"], "no completed"),
                        (["landscape", "landscape.points=10"], "odd")):
        r = cli(*args, *SMOKE)
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
