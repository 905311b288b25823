"""The RAN environment: constraints, determinism, Gymnasium compliance."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import slicectl  # noqa: F401 - registers the Gymnasium ids
from slicectl.sim.actions import shares_to_units, split_table
from tests.conftest import baseline


def test_split_table_matches_the_paper():
    table = split_table(100, 3)
    assert table.shape == (4851, 3)
    assert (table >= 1).all() and (table.sum(axis=1) == 100).all()
    assert len({tuple(r) for r in table}) == 4851
    assert split_table(50, 3).shape == (1176, 3)  # chen2022: 10 MHz in 0.2 MHz blocks


@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf"))),
                min_size=3, max_size=3),
       st.integers(3, 200))
@settings(max_examples=300, deadline=None)
def test_shares_to_units_is_a_feasible_split(shares, n):
    units = shares_to_units(np.array([shares]), n)[0]
    assert (units >= 1).all() and units.sum() == n


def test_gymnasium_check_env_passes():
    env = gym.make("slicectl/RanSlicing-v0", episode_steps=5)
    check_env(env.unwrapped, skip_render_check=True)
    cont = gym.make("slicectl/RanSlicing-v0", episode_steps=5, action_mode="continuous")
    check_env(cont.unwrapped, skip_render_check=True)


def test_constraints_hold_over_thousands_of_random_steps(make_env):
    """Shares >= 0 and summing to the band, SSR in [0, 1], finite SE/utility,
    for random discrete and random (even degenerate) continuous actions."""
    rng = np.random.default_rng(0)
    for mode in ("discrete", "continuous"):
        env = make_env(num_envs=64, action_mode=mode, episode_steps=10_000)
        env.reset(list(range(64)))
        W = env.params.bandwidth_hz
        for _ in range(40):  # 64 cells x 40 windows = 2560 steps per mode
            if mode == "discrete":
                actions = rng.integers(0, env.action_space.n, 64)
            else:
                actions = rng.exponential(size=(64, 3)) * (rng.random((64, 3)) < 0.7)
            _, reward, _, info = env.step(actions)
            bw = info["bandwidth_hz"]
            assert (bw > 0).all()
            np.testing.assert_allclose(bw.sum(axis=1), W)
            for name in env.slice_names:
                assert ((info[f"ssr_{name}"] >= 0) & (info[f"ssr_{name}"] <= 1)).all()
            assert np.isfinite(info["se"]).all() and (info["se"] >= 0).all()
            assert np.isfinite(reward).all() and (reward >= 0).all()


def test_batch_rows_equal_single_envs(make_env):
    """Row b of a batch is the same cell as a batch of one with the same seed."""
    batch = make_env(num_envs=3)
    batch.reset([11, 12, 13])
    singles = [make_env(num_envs=1) for _ in range(3)]
    for s, seed in zip(singles, [11, 12, 13]):
        s.reset([seed])
    actions = np.array([5, 2000, 4000])
    for _ in range(3):
        obs, _, _, info = batch.step(actions)
        for b, s in enumerate(singles):
            o1, _, _, i1 = s.step(actions[b:b + 1])
            np.testing.assert_array_equal(obs[b], o1[0])
            assert info["utility"][b] == i1["utility"][0]


def test_same_seed_same_trajectory(make_env):
    a, b = make_env(), make_env()
    oa, ob = a.reset([7]), b.reset([7])
    np.testing.assert_array_equal(oa, ob)
    for act in (0, 100, 4850):
        ra, rb = a.step([act]), b.step([act])
        np.testing.assert_array_equal(ra[0], rb[0])
        assert ra[3]["utility"][0] == rb[3]["utility"][0]


def test_oracle_prediction_is_what_the_real_step_yields(make_env):
    """Common random numbers: the utility the oracle scores on a copy of the
    state is exactly what the env then returns, and no split does better."""
    env = make_env(num_envs=2)
    obs = env.reset([3, 4])
    oracle = baseline("oracle", env, search="exhaustive")
    best = [oracle.best(b) for b in range(2)]
    scores = env.core.score(0, env.table)["utility"]
    _, _, _, info = env.step(oracle.act(obs))
    for b in range(2):
        assert info["utility"][b] == pytest.approx(best[b][1], abs=1e-12)
    assert best[0][1] == pytest.approx(scores.max())


def test_load_matters_and_the_oracle_beats_fixed_splits(make_env):
    env = make_env(num_envs=4, episode_steps=5)
    obs = env.reset([0, 1, 2, 3])
    oracle = baseline("oracle", env)
    equal_u, oracle_u = [], []
    for _ in range(5):
        units = env.table[[env._equal_index()] * 4]
        eq = np.array([env.core.score(b, units[b:b + 1])["utility"][0] for b in range(4)])
        _, _, _, info = env.step(oracle.act(obs))
        equal_u.append(eq)
        oracle_u.append(info["utility"])
    assert np.mean(oracle_u) > np.mean(equal_u) + 0.3


def test_coarse_oracle_is_within_half_a_percent_of_exhaustive(make_env):
    """The coarse-to-fine search the evaluations use finds (nearly) the
    exhaustive optimum over all 4851 splits."""
    env = make_env(num_envs=3)
    obs = env.reset([5, 6, 7])
    coarse, full = baseline("oracle", env, search="coarse"), baseline("oracle", env, search="exhaustive")
    gaps = []
    for _ in range(4):
        for b in range(3):
            gaps.append(full.best(b)[1] - coarse.best(b)[1])
        obs, *_ = env.step(coarse.act(obs))
    assert min(gaps) >= -1e-12  # exhaustive is the true best
    assert np.mean(gaps) < 0.005 * 3.0


@pytest.mark.parametrize("observe", ["arrivals", "demand"])
def test_only_the_demand_observation_depends_on_the_previous_allocation(make_env, observe):
    """observe=demand (zhang_digital_twin §III: d_n depends on the previous
    allocation) adds the packets a window's allocation left waiting to its
    arrivals: starving the video slice for a window raises its observation;
    the arrivals alone are the same whatever the allocation."""
    starve, feed = make_env(observe=observe), make_env(observe=observe)
    starve.reset([7])
    feed.reset([7])
    n = starve.params.n_units
    video = starve.slice_names.index("video")
    low = np.array([[n - 2 if s != video else 1 for s in range(3)]])
    low[0, (video + 1) % 3] = 1
    high = np.array([[1, 1, 1]])
    high[0, video] = n - 2
    a = starve.step(np.flatnonzero((starve.table == low[0]).all(axis=1)))[0]
    b = feed.step(np.flatnonzero((feed.table == high[0]).all(axis=1)))[0]
    if observe == "arrivals":
        np.testing.assert_array_equal(a, b)
    else:
        assert a[0, video] > b[0, video]
