"""The compiled kernel and the plain-Python reference loop of benchmarks/
compute the same model: identical counts, window after window."""
import numpy as np
import pytest

from benchmarks.reference_loop import run_window


REALISTIC = {"min_distance_m": 10.0, "tx_power_dbm": 30.0, "rx_gain_db": -9.0, "mimo_streams": 2.0,
             "se_alpha": 0.6, "se_max": 4.4, "sinr_min_db": -10.0}   # conf/radio/realistic.yaml


@pytest.mark.parametrize("radio", [{}, REALISTIC], ids=["reference", "realistic"])
def test_kernel_matches_the_python_reference(make_env, radio):
    fast, slow = make_env(**radio), make_env(**radio)
    fast.reset([21])
    slow.reset([21])
    rng = np.random.default_rng(0)
    for _ in range(3):
        units = fast.table[rng.integers(len(fast.table))]
        out = fast.core.step(units[None])
        ref = run_window(slow.core, units)
        for k in ("arrived", "resolved", "success"):
            assert ref[k] == list(out[k][0]), k
        assert abs(ref["bits"] - out["bits"][0]) < 1e-6
        assert sum(ref["arrived"]) > 0 and sum(ref["success"]) > 0
