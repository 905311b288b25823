"""huang2023's system: slice level over user level, eq. (7) across slices."""
import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env

import slicectl  # noqa: F401 - registers the Gymnasium ids
from slicectl.config.defaults import env_defaults
from slicectl.papers.huang2023.system import HuangSliceLevelBatchEnv, HuangUserInSystemBatchEnv
from tests.conftest import baseline


def slice_env(cls=HuangSliceLevelBatchEnv, user: dict | None = None, **kw):
    """conf/env/huang_slice.yaml with three like slices whose users act with
    absolute allocations, 30-step episodes of 3-step periods; ``kw`` on top."""
    d = env_defaults("huang_slice", episode_steps=30, tau=3, slices=[{}, {}, {}])
    d["user"] = {**d["user"], "action_mode": "absolute", **(user or {})}
    return cls(**{**d, **kw})


SLICES = ({"n_users": 5}, {"n_users": 3}, {"n_users": 7, "alpha_range": None, "alpha": 1.0})


def test_check_env_passes():
    check_env(gym.make("slicectl/HuangSlice-v0").unwrapped, skip_render_check=True)


def test_reallocation_keeps_every_step_within_the_resource():
    env = slice_env(num_envs=8, tau=2, episode_steps=10, slices=SLICES)
    env.reset(range(8))
    served = []
    for e in env.system.slices:   # record what each slice is actually served
        e.apply = (lambda f: lambda x: (served.append(x.sum(axis=1)), f(x))[1])(e.apply)
    rng = np.random.default_rng(0)
    for _ in range(5):
        z = rng.uniform(0, 100, (8, 3))  # often Σz > R
        _, _, _, info = env.step(z)
    totals = np.array(served).reshape(-1, 3, 8).sum(axis=1)
    assert (totals <= env.system.resource * (1 + 1e-9)).all()
    assert info["excess"].max() > 0  # the test did exercise eq. (7)


def test_without_reallocation_the_excess_is_served_and_penalised():
    kw = dict(num_envs=4, tau=2, episode_steps=10, slices=SLICES)
    on = slice_env(**kw, realloc=True, realloc_penalty=0.0)
    off = slice_env(**kw, realloc=False, realloc_penalty=5.0)
    on.reset(range(4)), off.reset(range(4))
    z = np.full((4, 3), 80.0)
    _, r_on, _, i_on = on.step(z)
    _, r_off, _, i_off = off.step(z)
    np.testing.assert_allclose(i_on["excess"], i_off["excess"])
    assert (i_off["excess"] > 0).all()
    gap = (i_off["utility"] + i_off["qos_penalty"]) - r_off   # the penalty and β terms
    assert (gap >= 5.0 * i_off["excess"] - 1e-9).all()


def test_slices_with_different_user_counts_and_feasible_sampler():
    env = slice_env(num_envs=16, tau=2, episode_steps=4, slices=SLICES)
    obs = env.reset(range(16))
    assert [e.p.n_users for e in env.system.slices] == [5, 3, 7]
    z = env.sampler(obs, np.random.default_rng(0))
    assert (z >= 0).all() and (z.sum(axis=1) <= env.system.resource + 1e-9).all()
    obs, _, trunc, info = env.step(z)
    assert obs.shape == (16, 6) and not trunc.any() and (info["excess"] == 0).all()
    _, _, trunc, _ = env.step(z)
    assert trunc.all()


def test_state_dict_round_trip_continues_identically():
    a = slice_env(num_envs=3, tau=2, episode_steps=10)
    b = slice_env(num_envs=3, tau=2, episode_steps=10)
    a.reset([1, 2, 3]), b.reset([9, 9, 9])
    a.step(np.full((3, 3), 30.0))
    b.load_state_dict(a.state_dict())
    z = np.full((3, 3), 20.0)
    oa, ra, _, _ = a.step(z)
    ob, rb, _, _ = b.step(z)
    np.testing.assert_array_equal(oa, ob)
    np.testing.assert_array_equal(ra, rb)


def test_mixed_scenario_congests_whole_cells_at_the_stated_rate():
    seeds = list(range(400))
    env = slice_env(num_envs=len(seeds), user={"scenario": "mixed",
                                                             "congestion_prob": 0.3})
    env.reset(seeds)
    flags = np.stack([e.core.congestion for e in env.system.slices], axis=1)
    assert (flags == flags[:, :1]).all()  # one draw per cell, shared by its slices
    assert abs(flags[:, 0].mean() - 0.3) < 0.07
    again = slice_env(num_envs=len(seeds), user={"scenario": "mixed",
                                                               "congestion_prob": 0.3})
    again.reset(seeds)  # the draw is the seed's: evaluations repeat exactly
    np.testing.assert_array_equal(again.system.slices[0].core.congestion, flags[:, 0])
    b = slice_env(num_envs=len(seeds), user={"scenario": "mixed"})
    b.load_state_dict(env.state_dict())  # and it is part of the state
    np.testing.assert_array_equal(b.system.slices[2].core.congestion, flags[:, 2])


def test_user_in_system_env_sees_its_slice_and_the_others_act():
    env = slice_env(HuangUserInSystemBatchEnv, num_envs=2, learner=1, tau=2, episode_steps=6, slices=SLICES)
    obs = env.reset([4, 5])
    assert obs.shape == (2, 2 * 3 + 1)
    env.slice_policy = lambda o: np.tile([10.0, 50.0, 40.0], (len(o), 1))
    rng = np.random.default_rng(0)
    for t in range(6):
        obs, r, trunc, info = env.step(env.sampler(obs, rng))
        np.testing.assert_allclose(obs[:, -1], 0.5)   # its budget, set by the slice policy
        assert trunc.all() == (t == 5)
    np.testing.assert_allclose(env.outer.system.budgets()[0], [10.0, 50.0, 40.0])


def test_system_oracle_beats_every_policy_on_every_step():

    env = slice_env(num_envs=3, tau=2, episode_steps=10, slices=SLICES)
    twin = slice_env(num_envs=3, tau=2, episode_steps=10, slices=SLICES)
    env.reset([1, 2, 3])
    oracle, rng = baseline("oracle", env), np.random.default_rng(0)
    R = env.system.resource
    for _ in range(4):
        state = env.state_dict()
        x_star = oracle.allocations(env.system)
        assert sum(x.sum(axis=1) for x in x_star).max() <= R * (1 + 1e-9)
        candidates = [[x * 0.9 for x in x_star]]                      # the optimum, scaled down
        for _ in range(5):                                           # random feasible splits
            shares = rng.dirichlet(np.ones(15), 3) * R
            candidates.append(np.split(shares, [5, 8], axis=1))
        candidates.append(np.split(np.full((3, 15), R / 15), [5, 8], axis=1))  # equal
        best = None
        for xs in [x_star, *candidates]:
            twin.load_state_dict(state)
            twin.system.set_budgets(np.stack([x.sum(axis=1) for x in xs], axis=1))
            _, r, _, _ = twin.system.step_allocations(xs)
            total = r.sum(axis=1)
            if best is None:
                best = total
            else:
                assert (best >= total - 1e-6).all()
        env.system.set_budgets(np.stack([x.sum(axis=1) for x in x_star], axis=1))
        env.system.step_allocations(x_star)


def test_user_in_system_state_round_trip_mid_period():
    kw = dict(num_envs=2, learner=0, tau=4, episode_steps=8, slices=SLICES)
    a, b = slice_env(HuangUserInSystemBatchEnv, **kw), slice_env(HuangUserInSystemBatchEnv, **kw)
    for env in (a, b):
        env.slice_policy = lambda o: np.full((len(o), 3), 30.0) + o[:, :3]  # reads the period's state
    a.reset([1, 2])
    b.reset([7, 8])
    x = np.full((2, 5), 0.2)
    for _ in range(3):   # stop inside the slice level's first period
        a.step(x)
    b.load_state_dict(a.state_dict())
    for _ in range(5):   # crosses the period boundary: the slice policy sees the same averages
        oa, ra, _, _ = a.step(x)
        ob, rb, _, _ = b.step(x)
        np.testing.assert_array_equal(oa, ob)
        np.testing.assert_array_equal(ra, rb)
