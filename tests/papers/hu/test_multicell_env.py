"""hu's multi-cell network: the load-coupling fixed point, the simplex, the
reward's range, the Gymnasium views, the reference partitions, and state
round trips."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import slicectl  # noqa: F401 - registers the Gymnasium ids
from slicectl.papers.hu.baselines import best_response, least_shares, proportional
from slicectl.sim.actions import normalise_shares
from slicectl.config.defaults import env_defaults
from slicectl.papers.hu.env import MulticellBatchEnv
from slicectl.sim.radio import attenuated_shannon, sector_gain_db, winner_c2_nlos_db


def make(num_envs=3, **kw):
    env = MulticellBatchEnv(**env_defaults("multicell", num_envs=num_envs, **kw))
    env.reset(list(range(num_envs)))
    return env


def test_radio_models_match_hand_computed_values():
    # WINNER+ C2 NLOS at 2.6 GHz, h_BS 25 m, 1 km:
    # (44.9 - 6.55·log10 25)·3 + 34.46 + 5.83·log10 25 + 23·log10(2.6/5)
    h = np.log10(25.0)
    expected = (44.9 - 6.55 * h) * 3 + 34.46 + 5.83 * h + 23 * np.log10(0.52)
    assert winner_c2_nlos_db(np.array([1000.0]), 2.6, 25.0)[0] == pytest.approx(expected)
    assert expected == pytest.approx(143.31, abs=0.01)
    g = sector_gain_db(np.array([0.0, 65.0, 180.0, 390.0]), 15.0, 65.0, 20.0)
    np.testing.assert_allclose(g, [15.0, 3.0, -5.0, 15.0 - 12 * (30 / 65) ** 2])
    se = attenuated_shannon(np.array([0.0, 1.0, 1e6]), 0.6, 4.4, -10.0)
    np.testing.assert_allclose(se, [0.6 * np.log2(1.1), 0.6, 4.4])


def test_load_fixed_point_satisfies_its_equations():
    env = make(num_envs=4)
    s, rng = env.system, np.random.default_rng(0)
    for _ in range(20):
        shares = rng.dirichlet(np.ones(4), (4, 12))
        load, iters, gap = s.solve_load(shares)
        assert iters < s.p.fixed_point_iters
        # ρ_k = Σ_n min(T_{k,n}(ρ), a_{k,n}), to the stated tolerance
        again = np.minimum(s.time_share(load), shares).sum(axis=-1)
        assert np.abs(again - load).max() <= s.p.fixed_point_tol
        assert (load >= 0).all() and (load <= 1 + 1e-12).all()
        s.advance(env.rngs)


def test_interference_lowers_every_users_efficiency():
    s = make().system
    light = s.inv_se_sum(np.full((3, 12), 0.1))
    heavy = s.inv_se_sum(np.full((3, 12), 0.9))
    assert (heavy >= light).all() and (heavy > light).any()


def test_actions_map_onto_the_simplex_and_rewards_stay_in_0_1():
    env = make(num_envs=2)
    rng = np.random.default_rng(1)
    for i in range(200):
        raw = rng.uniform(-0.5, 1.5, (2, 12, 4))
        if i % 10 == 0:
            raw[0, 0] = 0.0          # all-zero cell: equal split
            raw[1, 3, 2] = np.nan    # a NaN weight counts as 0
        obs, reward, _, info = env.step(raw)
        shares = env.last["shares"]
        assert (shares >= 0).all() and np.allclose(shares.sum(-1), 1.0)
        assert reward.shape == (2, 12) and (reward >= 0).all() and (reward <= 1).all()
        assert env.observation_space.contains(obs[0])
        assert ((info["fail_rate"] >= 0) & (info["fail_rate"] <= 1)).all()
        # a starved slice (share 0) waits at most the discard timer
        assert (info["cell_max_delay_ms"] <= env.system.p.discard_ms + 1e-9).all()
    starved = np.ones((2, 12, 4))
    starved[:, :, 0] = 0.0
    env.step(starved)
    assert env.last["delay"][..., 0].max() == pytest.approx(env.system.p.discard_ms * 1e-3)
    np.testing.assert_allclose(normalise_shares(np.zeros((1, 4))), 0.25)


def test_gymnasium_views_are_check_env_clean():
    for env_id in ("slicectl/Multicell-v0", "slicectl/MulticellCell-v0"):
        env = gym.make(env_id, episode_steps=5)
        check_env(env.unwrapped, skip_render_check=True)


def test_uncoordinated_ablation_drops_the_neighbour_loads():
    assert make(coordinated=True).observation().shape == (3, 12, 16)
    assert make(coordinated=False).observation().shape == (3, 12, 12)


def test_best_response_reaches_its_level_and_beats_the_traffic_aware_baseline():
    env = make(num_envs=4)
    s = env.system
    prop, best = [], []
    for _ in range(30):
        b = best_response(s)
        assert np.allclose(b.sum(-1), 1.0) and (b >= 0).all()
        prop.append(s.outcome(proportional(s))["reward"].mean())
        best.append(s.outcome(b)["reward"].mean())
        s.advance(env.rngs)
    assert np.mean(best) > np.mean(prop) + 0.03
    # the least shares for a level give exactly that level (given the loads)
    load, _, _ = s.solve_load(proportional(s))
    h = s.inv_se_sum(load)
    level = np.full(load.shape, 0.6)
    a = least_shares(s, h, level)
    u, O, W = s.users, s.offered, s.p.bandwidth_hz
    phi = np.maximum(a * W * u / np.maximum(h, 1e-12) - u * O, a * W / np.maximum(h, 1e-12))
    busy = u > 0
    delay = s.p.base_delay_ms * 1e-3 + s.packet / np.where(busy, phi, 1.0)
    sat = np.minimum(phi / s.phi_req, s.d_req / delay)
    np.testing.assert_allclose(sat[busy], 0.6, rtol=1e-9)


def test_state_round_trip_continues_identically():
    env = make(num_envs=2)
    rng = np.random.default_rng(3)
    for _ in range(5):
        env.step(env.sampler(np.zeros((2, 1)), rng))
    state = env.state_dict()
    actions = [env.sampler(np.zeros((2, 1)), rng) for _ in range(4)]
    first = [env.step(a) for a in actions]
    env.load_state_dict(state)
    second = [env.step(a) for a in actions]
    for (o1, r1, _, _), (o2, r2, _, _) in zip(first, second):
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_array_equal(r1, r2)
