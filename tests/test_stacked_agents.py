"""TD3 stacked over agents (hu: one per cell): every agent is independent
of the others, though all train in one batched update."""
import numpy as np
import pytest
import torch

from slicectl.agents.td3 import TD3Agent
from tests.conftest import td3

K, D, A = 4, 5, 3


def make(seed=0, **kw):
    return td3(obs_dim=K * D, action_dim=K * A, low=np.zeros(K * A), high=np.ones(K * A),
                    hidden=(16, 8), critic_hidden=(16, 8), batch_size=8, buffer_size=100,
                    learning_starts=8, policy_delay=1, agents=K, seed=seed,
                    sampler=lambda obs, rng: rng.dirichlet(np.ones(A), (len(obs), K)), **kw)


def test_each_agent_reads_only_its_own_observation_and_action():
    agent = make()
    obs = torch.rand(6, K, D)
    act = torch.rand(6, K * A) * 2 - 1
    pi, q = agent.actor(obs), agent.critic(obs, act)
    assert pi.shape == (6, K * A) and q.shape == (2, 6, K)
    obs2, act2 = obs.clone(), act.clone()
    obs2[:, 1] += 1.0
    act2[:, A:2 * A] = 0.0  # agent 1's action
    pi2, q2 = agent.actor(obs2), agent.critic(obs2, act2)
    others = [k for k in range(K) if k != 1]
    cols = np.concatenate([np.arange(k * A, (k + 1) * A) for k in others])
    torch.testing.assert_close(pi2[:, cols], pi[:, cols])
    torch.testing.assert_close(q2[:, :, others], q[:, :, others])
    assert not torch.allclose(q2[:, :, 1], q[:, :, 1])
    torch.testing.assert_close(agent.critic.first(obs, act), q[0])


def test_an_update_moves_each_agent_by_its_own_rewards_only():
    """Two stacked agents fed the same transitions except agent 0's rewards:
    after the updates, agents 1..K-1 have identical parameters."""
    rng = np.random.default_rng(0)
    obs = rng.random((20, K, D))
    nxt = rng.random((20, K, D))
    acts = rng.dirichlet(np.ones(A), (20, K))
    rew = rng.random((20, K))
    a, b = make(seed=1), make(seed=1)
    rew_b = rew.copy()
    rew_b[:, 0] = 1.0 - rew_b[:, 0]
    for t in range(20):
        a.observe(obs[t:t + 1], acts[t:t + 1], rew[t:t + 1], nxt[t:t + 1], np.zeros((1, K)))
        b.observe(obs[t:t + 1], acts[t:t + 1], rew_b[t:t + 1], nxt[t:t + 1], np.zeros((1, K)))
    assert a.updates == b.updates > 0
    for net in ("actor", "critic"):
        for pa, pb in zip(getattr(a, net).parameters(), getattr(b, net).parameters()):
            # member axis first: agents (actor) or critic·K + agent (critic)
            members = pa.shape[0]
            others = [m for m in range(members) if m % K != 0]
            torch.testing.assert_close(pa[others], pb[others])
            assert not torch.allclose(pa[0], pb[0])


def test_exploration_keeps_every_cells_action_in_the_box():
    agent = make(epsilon=0.5)
    agent.steps = 100  # past the warm-up
    acts = agent.act(np.random.default_rng(0).random((7, K, D)))
    assert acts.shape == (7, K * A) and (acts >= 0).all() and (acts <= 1).all()


def trained(seed=0):
    rng = np.random.default_rng(seed)
    agent = make(seed=seed)
    for _ in range(30):
        agent.observe(rng.random((1, K, D)), rng.dirichlet(np.ones(A), (1, K)), rng.random((1, K)),
                      rng.random((1, K, D)), np.zeros((1, K)))
    return agent


def test_model_transfer_gives_each_cell_its_sources_networks():
    from slicectl.papers.hu.transfer import apply_transfer

    src = trained()
    sources = np.array([2, 0, 0, 1])
    dst = make(seed=5)
    apply_transfer(dst, src.state_dict(), sources, "model")
    obs = torch.rand(6, K, D)
    # cell k of dst acting on some inputs = cell s(k) of src acting on the same inputs
    pi_dst = dst.actor(obs).reshape(6, K, A)
    for k, s in enumerate(sources):
        feed = torch.zeros(6, K, D)
        feed[:, s] = obs[:, k]
        torch.testing.assert_close(pi_dst[:, k], src.actor(feed).reshape(6, K, A)[:, s])
    assert dst.learning_starts <= dst.batch_size and not dst.random_warmup


def test_instance_transfer_fills_each_cells_replay_columns_from_its_source():
    from slicectl.papers.hu.transfer import apply_transfer

    src = trained()
    sources = np.array([3, 3, 1, 0])
    dst = make(seed=5)
    apply_transfer(dst, src.state_dict(), sources, "instance")
    s_obs, s_act, s_rew, _, _ = src.replay._split(src.replay.storage[:src.replay.size])
    d_obs, d_act, d_rew, _, _ = dst.replay._split(dst.replay.storage[:dst.replay.size])
    assert dst.replay.size == src.replay.size
    for k, s in enumerate(sources):
        torch.testing.assert_close(d_obs.reshape(-1, K, D)[:, k], s_obs.reshape(-1, K, D)[:, s])
        torch.testing.assert_close(d_act.reshape(-1, K, A)[:, k], s_act.reshape(-1, K, A)[:, s])
        torch.testing.assert_close(d_rew[:, k], s_rew[:, s])


def test_feature_transfer_freezes_the_lower_layer_and_trains_the_rest():
    from slicectl.papers.hu.transfer import apply_transfer

    src = trained()
    dst = make(seed=5)
    apply_transfer(dst, src.state_dict(), np.array([1, 0, 3, 2]), "feature")
    before = {n: p.detach().clone() for n, p in dst.actor.named_parameters()}
    rng = np.random.default_rng(9)
    for _ in range(40):
        dst.observe(rng.random((1, K, D)), rng.dirichlet(np.ones(A), (1, K)), rng.random((1, K)),
                    rng.random((1, K, D)), np.zeros((1, K)))
    after = dict(dst.actor.named_parameters())
    assert dst.updates > 0
    torch.testing.assert_close(after["layers.0.weight"], before["layers.0.weight"])
    assert not torch.allclose(after["layers.1.weight"], before["layers.1.weight"])


@pytest.mark.parametrize("capacity", [10, 100])  # the ring wrapped, and not
def test_instance_selection_keeps_the_newest_transitions_in_order(capacity):
    from slicectl.agents.replay import ReplayBuffer
    from slicectl.papers.hu.transfer import newest

    buf = ReplayBuffer(capacity, obs_dim=2, action_shape=(1,), action_dtype=torch.float32)
    for t in range(15):
        buf.add(np.full((1, 2), t), np.zeros((1, 1)), np.array([float(t)]), np.zeros((1, 2)), np.zeros(1))
    kept = newest(buf.state_dict(), 4)
    assert kept["size"] == 4 and kept["rewards"].tolist() == [11.0, 12.0, 13.0, 14.0]
    assert kept["obs"][:, 0].tolist() == [11.0, 12.0, 13.0, 14.0]
    again = ReplayBuffer(capacity, obs_dim=2, action_shape=(1,), action_dtype=torch.float32)
    again.load_state_dict(kept)
    assert again.size == 4
    assert newest(buf.state_dict(), None)["size"] == min(15, capacity)


def test_instance_transfer_takes_only_the_sources_newest_rows():
    from slicectl.papers.hu.transfer import apply_transfer

    src = trained()
    sources = np.array([3, 3, 1, 0])
    dst = make(seed=5)
    record = apply_transfer(dst, src.state_dict(), sources, "integrated", instances=7)
    assert dst.replay.size == record["instances"] == 7
    _, _, s_rew, _, _ = src.replay._split(src.replay.storage[:src.replay.size])
    _, _, d_rew, _, _ = dst.replay._split(dst.replay.storage[:dst.replay.size])
    torch.testing.assert_close(d_rew, s_rew[-7:][:, torch.as_tensor(sources)])
