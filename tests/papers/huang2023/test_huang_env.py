"""huang2023's user-level slice: eq. (7), feasibility, Gymnasium, model shape."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import slicectl  # noqa: F401 - registers the Gymnasium ids
from slicectl.papers.huang2023.slice_model import HuangSliceCore, HuangSliceParams, reallocate
from slicectl.config.defaults import env_defaults
from slicectl.papers.huang2023.user_env import HuangUserBatchEnv
from tests.conftest import baseline


def user_env(**kw) -> HuangUserBatchEnv:
    return HuangUserBatchEnv(**env_defaults("huang_user", **kw))


def model_params() -> HuangSliceParams:
    """conf/model/huang.yaml (through conf/env/huang_user.yaml)."""
    fields = HuangSliceParams.__dataclass_fields__
    return HuangSliceParams(**{k: tuple(v) if isinstance(v, list) else v
                               for k, v in env_defaults("huang_user").items() if k in fields})


@given(arrays(np.float64, (4, 3, 5), elements=st.floats(-10, 1e4)), st.floats(1.0, 1e3))
@settings(max_examples=300, deadline=None)
def test_eq7_reallocation_never_exceeds_the_resource(x, resource):
    y = reallocate(x, resource)
    totals = y.reshape(4, -1).sum(axis=1)
    assert (y >= 0).all() and (totals <= resource * (1 + 1e-12)).all()
    under = np.maximum(x, 0).reshape(4, -1).sum(axis=1) <= resource
    np.testing.assert_array_equal(y[under], np.maximum(x, 0)[under])  # untouched when feasible


def test_check_env_passes():
    check_env(gym.make("slicectl/HuangUser-v0").unwrapped, skip_render_check=True)


def test_sampler_gives_feasible_allocations():
    env = user_env(num_envs=64)
    obs = env.reset(list(range(64)))
    x = env.sampler(obs, np.random.default_rng(0))
    assert (x >= 0).all() and (x <= env.p.resource).all()
    np.testing.assert_allclose(x.sum(axis=1), env.z, rtol=1e-6)  # z read back from float32 obs
    _, _, _, info = env.step(x)
    np.testing.assert_allclose(info["alloc_gap"], 0.0, atol=1e-4)


def test_rate_is_increasing_concave_saturating_and_degrades_under_congestion():
    core = HuangSliceCore(model_params(), batch=1)
    core.reset([0])
    theta = core.traffic()
    xs = np.linspace(0.0, 100.0, 201)
    y = np.array([core.rates(np.full((1, 5), v), theta)[0] for v in xs])
    assert (np.diff(y, axis=0) >= -1e-12).all()            # increasing
    assert (np.diff(y, 2, axis=0) <= 1e-9).all()           # concave
    assert (y[-1] <= theta[0] + 1e-9).all()                # saturates at the demand
    heavy = core.rates(np.full((1, 5), 20.0), theta * 10.0) / (theta * 10.0)
    light = core.rates(np.full((1, 5), 200.0), theta) / theta
    assert (heavy < light).all()


def test_reward_gradient_matches_finite_differences_in_both_traffic_regimes():
    core = HuangSliceCore(model_params(), batch=2)
    core.reset([0, 1])
    theta = core.traffic() * np.array([[1.0], [8.0]])      # row 1 heavily overloaded
    rng = np.random.default_rng(0)
    x, z = rng.uniform(1.0, 20.0, (2, 5)), np.array([40.0, 60.0])
    grad = core.reward_grad(x, z, theta)
    for k in range(5):
        step = np.zeros_like(x)
        step[:, k] = 1e-6
        fd = (core.evaluate(x + step, z, theta)["reward"]
              - core.evaluate(x - step, z, theta)["reward"]) / 2e-6
        np.testing.assert_allclose(grad[:, k], fd, rtol=1e-4, atol=1e-6)


def test_congestion_scenario_raises_traffic_from_step_9():
    env = user_env(scenario="congestion")
    env.reset([3])
    before = env.core.traffic().sum()
    for _ in range(9):
        env.step(np.full((1, 5), 5.0))
    assert env.core.traffic().sum() > 2.0 * before


def test_shares_mode_meets_the_budget_exactly():
    env = user_env(num_envs=32, action_mode="shares")
    obs = env.reset(list(range(32)))
    rng = np.random.default_rng(1)
    for actions in (env.sampler(obs, rng), rng.random((32, 5)), np.zeros((32, 5))):
        x = env.allocations(actions)
        assert (x >= 0).all()
        np.testing.assert_allclose(x.sum(axis=1), env.z)
    _, _, _, info = env.step(rng.random((32, 5)))
    np.testing.assert_allclose(info["alloc_gap"], 0.0, atol=1e-9)


@pytest.mark.parametrize("mode", ["absolute", "shares"])
def test_oracle_beats_every_policy_on_every_step(mode):
    env = user_env(num_envs=4, action_mode=mode)
    obs = env.reset([1, 2, 3, 4])
    oracle = baseline("oracle", env)
    rng = np.random.default_rng(0)
    for _ in range(5):
        core, theta = env.core, env.core.traffic()
        best = core.evaluate(oracle.allocations(), env.z, theta)["reward"]
        equal = np.repeat(env.z[:, None] / 5, 5, axis=1)
        rivals = [equal, *(env.allocations(env.sampler(obs, rng)) for _ in range(50))]
        if mode == "absolute":  # any allocation; in shares mode every x sums to z
            rivals.append(rng.uniform(0, 20, (4, 5)))
        for x in rivals:
            assert (best >= core.evaluate(x, env.z, theta)["reward"] - 1e-6).all()
        obs, *_ = env.step(oracle.act(obs))
