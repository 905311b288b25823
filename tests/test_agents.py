"""Agents on problems with known answers, and exact checkpoint round trips."""
import numpy as np
import pytest
import torch

from slicectl.agents.dqn import DQNAgent
from slicectl.agents.networks import QNetwork
from slicectl.agents.td3 import TD3Agent
from tests.conftest import dqn, td3


def bandit_batch(rng, n=16):
    """Contextual bandit: the best action is obs + 1 in a [0, 2]^2 box."""
    obs = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    return obs, obs + 1.0


def reward(actions, best):
    return -((actions - best) ** 2).sum(axis=1)


def train_bandit(agent, steps, seed=0, batch=bandit_batch, score=reward):
    """``steps`` one-step episodes of a contextual bandit: ``batch(rng)``
    draws (obs, best), ``score(actions, best)`` pays."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        obs, best = batch(rng)
        a = agent.act(obs)
        agent.observe(obs, a, score(a, best), obs, np.ones(len(obs)))


@pytest.mark.parametrize("variant", ["td3", "ddpg"])
def test_td3_and_ddpg_learn_a_contextual_bandit(variant):
    kw = dict(n_critics=1, policy_delay=1, target_noise=0.0) if variant == "ddpg" else {}
    agent = td3(2, 2, low=0.0, high=2.0, hidden=(64, 64), batch_size=64, learning_starts=256,
                     policy_delay=kw.pop("policy_delay", 2), actor_lr=1e-3, critic_lr=1e-3,
                     tau=0.01, sigma=0.2, seed=1, **kw)
    train_bandit(agent, 120)  # 1920 transitions, 1664 updates
    obs, best = bandit_batch(np.random.default_rng(99), 256)
    err = reward(agent.act(obs, explore=False), best).mean()
    random_err = reward(np.random.default_rng(0).uniform(0, 2, (256, 2)), best).mean()
    assert err > -0.05 and random_err < -1.0, (err, random_err)


def test_hybrid_exploration_takes_feasible_samples_with_probability_epsilon():
    calls = []

    def sampler(obs, rng):
        calls.append(len(obs))
        return np.full((len(obs), 2), 1.5)

    agent = td3(2, 2, low=0.0, high=2.0, hidden=(8,), epsilon=0.3, sigma=0.0,
                     sampler=sampler, learning_starts=0, seed=0)
    a = agent.act(np.zeros((10_000, 2), np.float32))
    frac = (np.abs(a - 1.5) < 1e-9).all(axis=1).mean()
    assert abs(frac - 0.3) < 0.02
    with pytest.raises(ValueError, match="sampler"):
        td3(2, 2, low=0.0, high=2.0, epsilon=0.3)


def _params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_td3_checkpoint_round_trip_continues_identically():
    make = lambda: td3(2, 2, low=0.0, high=2.0, hidden=(16, 16), batch_size=32,  # noqa: E731
                            learning_starts=32, policy_delay=2, seed=3)
    a = make()
    train_bandit(a, 10)
    b = make()
    b.load_state_dict(a.state_dict())
    train_bandit(a, 10, seed=5)
    train_bandit(b, 10, seed=5)
    assert torch.equal(_params(a.actor), _params(b.actor))
    assert torch.equal(_params(a.critic_target), _params(b.critic_target))


def test_dqn_checkpoint_round_trip_continues_identically():
    make = lambda: dqn(3, 50, hidden=(16,), learning_starts=16, batch_size=8, seed=2)  # noqa: E731
    rng = np.random.default_rng(0)
    data = [(rng.random((4, 3)), rng.integers(0, 50, 4), rng.random(4), rng.random((4, 3)))
            for _ in range(20)]
    a = make()
    for o, ac, r, n in data[:10]:
        a.observe(o, ac, r, n, np.zeros(4))
    b = make()
    b.load_state_dict(a.state_dict())
    for agent in (a, b):
        for o, ac, r, n in data[10:]:
            agent.observe(o, agent.act(o), r, n, np.zeros(4))
    assert torch.equal(_params(a.q), _params(b.q))


@pytest.mark.parametrize("dueling", [False, True])
def test_q_at_equals_the_full_forward(dueling):
    q = QNetwork(3, 4851, [32, 32], dueling=dueling)
    x, a = torch.rand(64, 3), torch.randint(0, 4851, (64,))
    torch.testing.assert_close(q.q_at(x, a), q(x).gather(1, a[:, None]).squeeze(1))
