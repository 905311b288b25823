"""radio=reference|realistic: the single-cell RAN's link model (conf/radio/).

Under the realistic radio no link carries more than the MCS table's top
efficiency times its layers (TR 36.942 Annex A.2: 4.4 bit/s/Hz per layer,
2 layers); the reference radio, plain Shannon over 8 layers, is far above."""
import numpy as np
import pytest

from slicectl.config.overrides import resolved
from slicectl.errors import UserError
from slicectl.papers.chen2022.env import default_kwargs as bidding_kwargs
from slicectl.sim.ran_env import RanBatchEnv, default_kwargs

RADIO_KEYS = ("min_distance_m", "tx_power_dbm", "rx_gain_db", "path_loss_a_db", "path_loss_b_db",
              "mimo_streams", "se_alpha", "se_max", "sinr_min_db")


def radio(name: str, job: str = "train", env: str = "ran") -> dict:
    """The radio keys `slicectl <job> env=<env> radio=<name>` composes to."""
    cfg = resolved(job, [f"env={env}", f"radio={name}", "scale=smoke"])
    assert cfg["radio"] == name
    return {k: cfg["env"][k] for k in RADIO_KEYS}


def test_the_reference_radio_is_what_the_env_files_already_hold():
    ran = default_kwargs()
    assert radio("reference") == {k: ran[k] for k in RADIO_KEYS}
    assert radio("reference", "bidding", "bidding") == {k: bidding_kwargs("lower")[k] for k in RADIO_KEYS}


def test_realistic_efficiency_never_exceeds_the_mcs_maximum_times_the_layers():
    p = RanBatchEnv(**{**default_kwargs(), **radio("realistic"), "num_envs": 1}).core.p
    cap = p.se_max * p.mimo_streams
    assert cap == pytest.approx(8.8)
    snr_db = np.linspace(-40.0, 120.0, 1601)
    se = p.efficiency(10.0 ** (snr_db / 10.0))
    assert se.max() == pytest.approx(cap) and (se <= cap + 1e-12).all()
    assert se.min() > 0           # below -10 dB the lowest MCS still serves
    ref = RanBatchEnv(**{**default_kwargs(), "num_envs": 1}).core.p
    assert ref.efficiency(np.array([10.0 ** 7.4]))[0] > 190   # 74 dB, 8 layers: ~197 bit/s/Hz


@pytest.mark.parametrize("name", ["realistic", "reference"])
def test_a_cell_carries_at_most_its_band_times_the_capped_efficiency_in_the_kernel(name):
    """Bits delivered in a window, with the whole band to the busiest slice,
    against band x window x cap: the compiled kernel applies the cap."""
    kw = {**default_kwargs(), **radio(name), "n_users": 100}
    kw["slices"] = [{**s, "size_bits": {"dist": "constant", "a": 2.0e5}, "gap_ms": {"dist": "constant", "a": 1.0},
                     "latency_ms": 1.0e4} for s in kw["slices"]]       # every user always backlogged
    env = RanBatchEnv(**{**kw, "num_envs": 1})
    env.reset([3])
    window_s = kw["slots_per_step"] * kw["slot_ms"] / 1000.0
    bound = kw["bandwidth_hz"] * window_s * 4.4 * 2
    bits = sum(env.core.step(units[None])["bits"][0] for units in env.table[:: len(env.table) // 5])
    n = len(env.table[:: len(env.table) // 5])
    if name == "realistic":
        assert bits <= n * bound
        assert bits > 0.5 * n * bound   # most users near the cell centre sit at the cap
    else:
        assert bits > 10 * n * bound    # the reference radio's ~200 bit/s/Hz


def test_radio_on_an_env_with_its_own_radio_model_is_one_line_error():
    with pytest.raises(UserError, match="env=iiot has its own radio model"):
        resolved("train", ["env=iiot", "radio=realistic"])
