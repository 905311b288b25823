"""zhang2021's IIoT system model (slicectl/papers/zhang2021/system.py): caching pools, the
C4-C5 normalisation and eqs. (1)-(9) against hand-computed cases."""
import numpy as np
import pytest

from slicectl.config.defaults import env_defaults
from slicectl.papers.zhang2021.env import make_iiot_params
from slicectl.papers.zhang2021.system import KB_BITS, MB_BITS, IIoTParams, IIoTSystem

# Table IV's resources (experiment=zhang2021's, the paper as written), where conf/env/iiot.yaml scales them down
TABLE_IV = {"n_igws": 10, "devices_per_igw": 35, "igw_bandwidth_hz": 10e6, "bs_bandwidth_hz": 20e6,
            "igw_compute_hz": 1.5e9, "bs_compute_hz": 5e9, "igw_cache_mb": 300.0, "bs_cache_mb": 2400.0}


def table_iv(**kw) -> IIoTParams:
    """The system's parameters: conf/env/iiot.yaml with Table IV's resources, ``kw`` on top."""
    fields = IIoTParams.__dataclass_fields__
    return make_iiot_params(**{k: v for k, v in {**env_defaults("iiot"), **TABLE_IV, **kw}.items()
                               if k in fields})


def make(batch=2, **kw):
    p = table_iv(**{"n_igws": 3, "devices_per_igw": 6, "igw_cache_mb": 40.0, "bs_cache_mb": 90.0, **kw})
    sys_ = IIoTSystem(p, batch)
    rngs = [np.random.default_rng(s) for s in range(batch)]
    sys_.reset_rows(np.arange(batch), rngs)
    sys_.draw_tasks(rngs)
    return sys_, rngs


@pytest.mark.parametrize("shared_links", [False, True])
def test_pools_never_exceed_capacity_and_models_only_flow_down(shared_links):
    sys_, rngs = make(shared_links=shared_links)
    p = sys_.p
    act_rng = np.random.default_rng(0)
    placements = 0
    for _ in range(2000):
        before_l, before_e = sys_.cache_l.copy(), sys_.cache_e.copy()
        out = sys_.step(act_rng.uniform(-1, 1, (*sys_.shape, 10)), rngs)
        used_l, used_e = sys_.pool_usage()
        assert (used_l <= p.igw_cache_mb * MB_BITS + 1e-6).all()
        assert (used_e <= p.bs_cache_mb * MB_BITS + 1e-6).all()
        level = np.stack([~out["phi"], out["phi"]], axis=-1)
        # a model appears in a pool only when a task run at that node asked for that level
        new_l = sys_.cache_l & ~before_l
        new_e = sys_.cache_e & ~before_e
        assert not (new_l & ~(out["placed_l"][..., None] & level & out["m"][..., None])).any()
        assert not (new_e & ~(out["placed_e"][..., None] & level & ~out["m"][..., None])).any()
        placements += int(new_l.sum() + new_e.sum())
        # a task completes only within its deadline
        assert (out["d"][out["done"]] <= 2.0).all()
    assert placements > 100  # the pools were exercised


def test_normalised_shares_satisfy_c4_c5():
    sys_, _ = make()
    rng = np.random.default_rng(1)
    for _ in range(200):
        dec = sys_.decode(rng.uniform(-1, 1, (*sys_.shape, 10)))
        for share in (dec.alpha_l, dec.alpha_e, dec.beta_l, dec.beta_e):
            assert (share >= 0).all() and (share <= 1 + 1e-12).all()
        assert np.allclose(dec.alpha_l.sum(axis=2), 1.0)                      # per IGW, every task
        np.testing.assert_allclose((dec.beta_l * dec.m).sum(axis=2), dec.m.any(axis=2).astype(float))
        assert (dec.beta_l[~dec.m] == 0).all() and (dec.beta_e[dec.m] == 0).all()
        ecos = (~dec.m).any(axis=(1, 2)).astype(float)
        np.testing.assert_allclose(dec.alpha_e.sum(axis=(1, 2)), ecos)
        np.testing.assert_allclose(dec.beta_e.sum(axis=(1, 2)), ecos)


def hand_system(**kw):
    """One IGW with two devices, every quantity set by hand."""
    s = IIoTSystem(table_iv(n_igws=1, devices_per_igw=2, **kw), 1)
    s.gain_l[:] = 1e-10
    s.gain_e[:] = 1e-12
    s.size_bits[:] = [4 * MB_BITS, 10 * MB_BITS]
    s.workload[:] = [15e6, 30e6]
    s.task["data_bits"][:] = 50 * KB_BITS
    s.task["t_max"][:] = 2.0
    return s


def test_delays_match_hand_computed_cases():
    s = hand_system()
    s.cache_e[0, 0, 0, 1] = True              # device 0's heavy model is at the ECaS only
    # device 0: IGW, heavy; device 1: ECoS, light; shares equal by construction
    a = np.zeros((1, 1, 2, 10))
    a[0, 0, 0, :2] = [1, 1]
    a[0, 0, 1, :2] = [-1, -1]
    dec = s.decode(a)
    ones = np.ones((1, 1, 2)), np.ones((1, 1, 1))
    out = s.outcome(dec, *ones)
    gl = np.log2(1 + 10 ** ((30 + 104) / 10) * 1e-10)
    ge = np.log2(1 + 10 ** ((40 + 104) / 10) * 1e-12)
    D = 50 * KB_BITS
    t_l = D / (0.5 * 10e6 * gl)                                # eqs. (2)-(3): half the IGW band
    d0 = max(t_l, 10 * MB_BITS / 200e6) + 30e6 / (1.0 * 1.5e9)  # eq. (7): model from the ECaS
    t_e = t_l + D / (1.0 * 20e6 * ge)                          # eq. (4): the only ECoS task
    d1 = max(t_e, 4 * MB_BITS / 300e6) + 15e6 / (1.0 * 5e9)    # eq. (8): model from the CCaS
    assert out["d"][0, 0, 0] == pytest.approx(d0, rel=1e-12)
    assert out["d"][0, 0, 1] == pytest.approx(d1, rel=1e-12)
    assert out["fetch"][0, 0, 0] == pytest.approx(10 * MB_BITS / 200e6)
    # an IGW task whose model is nowhere below the cloud fetches over both hops
    s.cache_e[:] = False
    out = s.outcome(dec, *ones)
    assert out["fetch"][0, 0, 0] == pytest.approx(10 * MB_BITS / 300e6 + 10 * MB_BITS / 200e6)
    assert out["fetch"][0, 0, 1] == pytest.approx(4 * MB_BITS / 300e6)
    # links shared: both models queue on the cloud-BS link in device order,
    # the heavy one (device 0) first; then it crosses the BS-IGW link alone
    s = hand_system(shared_links=True)
    out = s.outcome(s.decode(a), *ones)
    assert out["fetch"][0, 0, 0] == pytest.approx(10 * MB_BITS / 300e6 + 10 * MB_BITS / 200e6)
    assert out["fetch"][0, 0, 1] == pytest.approx(14 * MB_BITS / 300e6)


def test_transfers_share_an_igw_link_and_late_models_are_not_placed():
    s = hand_system(rate_bs_igw_bps=50e6, shared_links=True)
    s.cache_e[:] = True                       # both models come from the ECaS over one BS-IGW link
    s.size_bits[:] = [6 * MB_BITS, 10 * MB_BITS]
    a = np.zeros((1, 1, 2, 10))
    a[..., 0], a[0, 0, :, 1] = 1.0, [-1.0, -1.0]  # both at the IGW, light (6 MB each)
    out = s.outcome(s.decode(a), np.ones((1, 1, 2)), np.ones((1, 1, 1)))
    # device 0's model first (6 MB, 1.01 s), device 1's after it (12 MB, 2.01 s)
    np.testing.assert_allclose(out["fetch"][0, 0], [6 * MB_BITS / 50e6, 12 * MB_BITS / 50e6])
    # the second arrives after T_max = 2 s: not placed, its task cannot run
    assert out["placed_l"][0, 0].tolist() == [True, False]
    assert out["runnable"][0, 0].tolist() == [True, False]
    # a model that could not arrive in time even alone is not sent at all
    a[0, 0, 0, 1] = 1.0                       # device 0 heavy: 10 MB alone takes 1.68 s; 11 MB would not
    s.size_bits[0, 0, 0, 1] = 13 * MB_BITS    # 13 MB alone: 2.18 s > 2 s
    out = s.outcome(s.decode(a), np.ones((1, 1, 2)), np.ones((1, 1, 1)))
    assert np.isinf(out["fetch"][0, 0, 0]) and not out["placed_l"][0, 0, 0]
    assert out["fetch"][0, 0, 1] == pytest.approx(6 * MB_BITS / 50e6)   # alone on the link now


def test_accuracy_counts_only_completed_tasks_with_the_chosen_level():
    sys_, rngs = make(batch=1)
    a = np.full((*sys_.shape, 10), -1.0)
    a[..., 0] = 1.0                       # everything at the IGWs, light models, nothing kept
    acc_before = sys_.acc.copy()
    noisy = sys_.task["noisy"].astype(int)
    out = sys_.step(a, rngs)
    expect = np.take_along_axis(acc_before[..., 0], noisy[..., None], -1)[..., 0]   # [θ, n=0]
    np.testing.assert_allclose(out["accuracy"], np.where(out["done"], expect, 0.0))
    assert not sys_.cache_l.any() and not sys_.cache_e.any()  # ω = 0 deletes


def test_gymnasium_check_env_and_state_round_trip():
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env

    from slicectl.papers.zhang2021.env import IIoTBatchEnv

    env = gym.make("slicectl/IIoT-v0", n_igws=2, devices_per_igw=4, episode_steps=5)
    check_env(env.unwrapped, skip_render_check=True)
    kw = {**env_defaults("iiot"), **TABLE_IV, "num_envs": 2, "n_igws": 2, "devices_per_igw": 4,
          "igw_cache_mb": 30.0}
    a, b = IIoTBatchEnv(**kw), IIoTBatchEnv(**kw)
    a.reset([3, 4])
    rng = np.random.default_rng(0)
    for _ in range(7):
        a.step(a.sampler(np.zeros(2), rng))
    b.load_state_dict(a.state_dict())
    for _ in range(5):
        act = a.sampler(np.zeros(2), rng)
        oa, ra, _, _ = a.step(act)
        ob, rb, _, _ = b.step(act)
        assert np.array_equal(oa, ob) and np.array_equal(ra, rb)


def test_slot_reward_is_eq_14_all_or_nothing_and_task_reward_counts_each_task():
    """reward=slot (eq. 14 as written) pays the slot's mean accuracy only when
    every task is done, else 0; reward=task pays the mean with failed tasks
    at 0. Both see the same system, so they differ exactly on the slots
    where some task failed."""
    from slicectl.papers.zhang2021.env import IIoTBatchEnv

    kw = {**env_defaults("iiot"), "num_envs": 4, "n_igws": 1, "devices_per_igw": 2}
    per_task, per_slot = IIoTBatchEnv(**{**kw, "reward": "task"}), IIoTBatchEnv(**{**kw, "reward": "slot"})
    per_task.reset([0, 1, 2, 3])
    per_slot.reset([0, 1, 2, 3])
    rng = np.random.default_rng(0)
    seen_partial = seen_full = False
    for _ in range(30):
        act = per_task.sampler(np.zeros(4), rng)
        _, r_task, _, info = per_task.step(act)
        _, r_slot, _, _ = per_slot.step(act)
        all_done = info["completion"] == 1.0
        np.testing.assert_allclose(r_task, info["accuracy"])
        np.testing.assert_allclose(r_slot, np.where(all_done, info["accuracy"], 0.0))
        seen_full |= bool(all_done.any())
        seen_partial |= bool(((info["completion"] > 0) & ~all_done).any())
    assert seen_full and seen_partial   # both cases were exercised
