"""ADMM at huang2023's slice level: converges, and to the right answer."""
import numpy as np

from slicectl.papers.huang2023.admm import admm_share, project_capped_simplex


def test_projection_is_feasible_and_idempotent():
    rng = np.random.default_rng(0)
    v = rng.normal(30, 40, (200, 4))
    s = project_capped_simplex(v, 100.0)
    assert (s >= 0).all() and (s.sum(axis=1) <= 100.0 + 1e-9).all()
    np.testing.assert_allclose(project_capped_simplex(s, 100.0), s, atol=1e-12)


def test_admm_converges_to_the_water_filling_optimum_on_fixed_inputs():
    # f_i(z) = a_i log(1 + z): the optimum is water filling, z_i = a_i / λ − 1
    R, a = 100.0, np.array([[1.0, 2.0, 5.0], [3.0, 3.0, 3.0]])
    grid = np.linspace(0.0, R, 2001)
    f = a[..., None] * np.log1p(grid)
    z, info = admm_share(grid, f, R, rho=0.05, tol=1e-4)
    assert info["primal"] < 1e-4 and info["dual"] < 1e-4 and info["iterations"] < 2000
    lam = a.sum(axis=1) / (R + 3)
    # exact on the interpolant: within two grid spacings (0.05) of the true optimum
    np.testing.assert_allclose(z, a / lam[:, None] - 1.0, atol=0.1)
    np.testing.assert_allclose(z.sum(axis=1), R, atol=1e-3)


def test_admm_leaves_resource_unused_when_more_would_hurt():
    R = 100.0
    grid = np.linspace(0.0, R, 1001)
    f = -((grid - np.array([[10.0], [20.0]])) ** 2)[None]   # peaks at 10 and 20
    z, info = admm_share(grid, f, R, rho=0.5, tol=1e-5)
    np.testing.assert_allclose(z[0], [10.0, 20.0], atol=1e-3)
    assert info["primal"] < 1e-5
