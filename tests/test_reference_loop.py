"""The compiled kernel and the plain-Python reference loop of benchmarks/
compute the same model: identical counts, window after window."""
import numpy as np

from benchmarks.reference_loop import run_window


def test_kernel_matches_the_python_reference(make_env):
    fast, slow = make_env(), make_env()
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
