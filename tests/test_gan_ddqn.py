"""Dueling GAN-DDQN: it learns a noisy bandit's best actions and the spread of
their value, and a checkpoint continues bit for bit."""
import numpy as np
import torch

from slicectl.agents.gan_ddqn import GANDDQNAgent
from tests.conftest import gan_ddqn


def bandit(rng, n=32, k=4):
    """Context c (one-hot of k); action c pays N(1, 0.5²), any other N(0, 0.5²)."""
    c = rng.integers(0, k, n)
    return np.eye(k, dtype=np.float32)[c], c


def make(seed=0, **kw):
    return gan_ddqn(4, 8, hidden=(64, 64), n_samples=16, batch_size=64, learning_starts=256,
                        lr=1e-3, disc_lr=1e-3, eps_decay_steps=500, tau=0.05, seed=seed, **kw)


def play(agent, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        obs, c = bandit(rng)
        a = agent.act(obs)
        r = (a == c).astype(np.float64) + rng.normal(0, 0.5, len(c))
        agent.observe(obs, a, r, obs, np.ones(len(c)))  # one-step episodes: the target is r


def test_learns_the_best_actions_and_the_value_distribution():
    agent = make()
    play(agent, 60)  # 1920 transitions
    eye = torch.eye(4)
    assert (agent.greedy(eye.numpy()) == np.arange(4)).all()
    with torch.no_grad():
        v, u, a = agent.q.parts(eye, torch.rand(4, 2000, generator=torch.Generator().manual_seed(0)))
        z = v + u + a[torch.arange(4), torch.arange(4)].unsqueeze(-1)  # Z(c, best action)
    assert (z.mean(-1) - 1.0).abs().max() < 0.1, z.mean(-1)
    # a distribution, not a point: its spread is the reward noise's (0.5)
    assert ((z.std(-1) - 0.5).abs() < 0.15).all(), z.std(-1)
    # the samples' mean is the Q that acts
    assert torch.allclose(z.mean(-1), agent.q(eye)[torch.arange(4), torch.arange(4)], atol=1e-5)


def _params(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_checkpoint_round_trip_continues_identically():
    a = make(seed=3, eps_start=1.0)
    play(a, 12)
    b = make(seed=3)
    b.load_state_dict(a.state_dict())
    play(a, 4, seed=5)
    play(b, 4, seed=5)
    assert torch.equal(_params(a.q), _params(b.q))
    assert torch.equal(_params(a.disc), _params(b.disc))
