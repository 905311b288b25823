"""chen2022's agents and `slicectl bidding`: tabular Q-learning, independent
learners, the hard target copy, the job end to end, its references."""
import numpy as np
import pandas as pd
import torch

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.independent import IndependentAgents
from slicectl.agents.tabular import QLearningAgent
from tests.conftest import SMOKE
from tests.conftest import dqn, ql


def contextual_bandit(agents, steps, rng, n_ctx=2, n_actions=3):
    """Column m's best action in context c is (c + m) mod n_actions; one-step episodes."""
    for _ in range(steps):
        c = rng.integers(0, n_ctx, (8, len(agents.agents)))
        obs = (c[..., None] * 1.5 + 0.25).astype(np.float32)       # bins 0 and 3 of [0, 2)
        a = agents.act(obs)
        best = (c + np.arange(len(agents.agents))) % n_actions
        r = (a == best).astype(np.float64)
        agents.observe(obs, a, r, obs, np.ones_like(r))


def test_tabular_q_learning_learns_a_bandit_and_independent_agents_keep_their_columns():
    agents = IndependentAgents([ql(1, 3, bins=4, lr=0.5, eps_decay_steps=50, seed=m)
                                for m in range(2)])
    contextual_bandit(agents, 200, np.random.default_rng(0))
    obs = np.array([[[0.25], [0.25]], [[1.75], [1.75]]], dtype=np.float32)   # contexts 0 and 1
    assert (agents.act(obs, explore=False) == np.array([[0, 1], [1, 2]])).all()


def test_tabular_ties_are_broken_at_random():
    """An unvisited state has all-zero values: greedy picks uniformly among them
    (not always action 0); a state with one best action always picks it."""
    agent = ql(1, 4, seed=0)
    obs = np.full((400, 1), 0.25, np.float32)
    counts = np.bincount(agent.act(obs, explore=False), minlength=4)
    assert (counts > 60).all(), counts
    agent.q[agent.state_index(obs[:1]), 2] = 0.1
    assert (agent.act(obs, explore=False) == 2).all()


def test_tabular_checkpoint_continues_identically():
    def make():
        return IndependentAgents([ql(1, 3, target_every=7, seed=m) for m in range(2)])
    a, b = make(), make()
    contextual_bandit(a, 20, np.random.default_rng(1))
    b.load_state_dict(a.state_dict())
    contextual_bandit(a, 10, np.random.default_rng(2))
    contextual_bandit(b, 10, np.random.default_rng(2))
    for x, y in zip(a.agents, b.agents):
        assert np.array_equal(x.q, y.q) and np.array_equal(x.q_target, y.q_target)


def test_dqn_hard_target_copy_every_n_updates():
    agent = dqn(2, 3, hidden=(8,), learning_starts=4, batch_size=4, target_every=5, seed=0)
    rng = np.random.default_rng(0)

    def same():
        return all(torch.equal(p, q) for p, q in zip(agent.q.parameters(), agent.q_target.parameters()))

    for _ in range(12):
        obs = rng.random((1, 2)).astype(np.float32)
        agent.observe(obs, np.array([1]), np.array([1.0]), obs, np.array([0.0]))
        assert same() == (agent.updates % 5 == 0), agent.updates


def test_bidding_smoke_writes_table4_and_every_window(cli):
    r = cli("bidding", *SMOKE, "agent=ddqn")
    assert r.returncode == 0, r.stderr
    run = next((cli.cwd / "outputs" / "bidding").iterdir())
    assert "Table 4" in r.stdout and str(run) in r.stdout
    for phase in ("lower", "upper"):
        assert (run / phase / "checkpoints" / "best.pt").is_file()
        m = pd.read_csv(run / phase / "metrics.csv")
        assert {"utility_m0", "se_m3", "ssr_urllc_m2"} <= set(m.columns)
    metrics = pd.read_csv(run / "metrics.csv")
    (row,) = metrics[metrics.split == "eval"].to_dict("records")
    for k in ("profit", "utility", "F", "lower_se", "lower_utility", "oracle_F", "gap_F",
              "truthful_F", "hard_F", "table_a_lower_se", "gap_lower_se"):
        assert np.isfinite(row[k]), k
    steps = metrics[metrics.split == "step"].rename(columns={"episode": "seed", "env_steps": "step"})
    upper = steps[steps.tier == "upper"]
    assert set(upper.policy) == {"agent", "truthful", "hard", "oracle"}
    assert {"profit_m0", "utility_m1", "se_m2", "ssr_embb_m3"} <= set(steps.columns)
    # every decider met the same windows: the oracle's F is the best in each
    f = upper.pivot_table(index=["seed", "step"], columns="policy", values="F")
    assert (f["oracle"].to_numpy()[:, None] >= f.to_numpy() - 1e-9).all()
    lower = steps[steps.tier == "lower"].pivot_table(index=["seed", "step"], columns="policy",
                                                     values="utility")
    assert (lower["oracle"].to_numpy()[:, None] >= lower.to_numpy() - 1e-9).all()


def test_bidding_refuses_another_env_and_a_continuous_agent_and_tabular_runs(cli):
    r = cli("bidding", *SMOKE, "env=ran")
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert "env=bidding" in r.stderr
    r = cli("bidding", *SMOKE, "agent=td3")
    assert r.returncode == 2 and "needs continuous actions" in r.stderr and "Traceback" not in r.stderr
    r = cli("bidding", *SMOKE, "experiment=chen2022", "agent=ql")
    assert r.returncode == 0, r.stderr


def test_bidding_sweep_report_prints_table4_and_plot_draws_the_figures(cli):
    r = cli("bidding", "-m", *SMOKE, "agent=ql,dqn", "seed=0,1")
    assert r.returncode == 0, r.stderr
    sweep = next((cli.cwd / "outputs" / "multirun" / "bidding").iterdir())
    r = cli("report", str(sweep))
    assert r.returncode == 0, r.stderr
    assert "Table 4, upper tier" in r.stdout and "Table 4, lower tier" in r.stdout
    assert "agent=dqn" in r.stdout and "oracle" in r.stdout and "QL's SE" in r.stdout
    r = cli("plot", str(sweep))
    assert r.returncode == 0, r.stderr
    plots = sweep / "plots"   # in the sweep, not in run 0
    for name in ("profit_violin", "utility_violin", "lower_se", "lower_utility"):
        assert (plots / f"bidding_{name}.png").stat().st_size > 1000
