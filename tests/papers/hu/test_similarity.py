"""hu section IV-B: the VAE distance of eq. (7), exact and by Lemma 1."""
import numpy as np

from slicectl.papers.hu.similarity import (VAE, closed_form_distance, distances, lemma1_distance,
                                         pick_sources, train_vae)


def kl_diag(mu_p, var_p, mu_q, var_q):
    """KL(N(mu_p, var_p) || N(mu_q, var_q)), diagonal, by eq. (8) term by term."""
    return 0.5 * (np.log(var_q / var_p) - 1 + (mu_p - mu_q) ** 2 / var_q + var_p / var_q).sum(-1)


def brute_force(mu, var):
    K = len(mu)
    D = np.zeros((K, K))
    for i in range(K):
        for k in range(K):
            D[i, k] = kl_diag(mu[i][:, None], var[i][:, None], mu[k][None], var[k][None]).mean()
    return D


def test_closed_form_equals_the_mean_of_pairwise_kl():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(5, 7, 4))
    var = rng.uniform(0.1, 2.0, size=(5, 7, 4))
    np.testing.assert_allclose(closed_form_distance(mu, var), brute_force(mu, var), rtol=1e-10)


def test_lemma1_matches_the_closed_form_with_equal_small_variances():
    rng = np.random.default_rng(1)
    for sigma2 in (1e-5, 1e-3):
        mu = rng.normal(size=(6, 9, 4))
        var = np.full(mu.shape, sigma2)
        np.testing.assert_allclose(lemma1_distance(mu, sigma2), closed_form_distance(mu, var), rtol=1e-8)
        np.testing.assert_allclose(lemma1_distance(mu, sigma2), brute_force(mu, var), rtol=1e-8)


def test_sources_exclude_the_target_itself():
    D = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 2.0], [5.0, 2.0, 0.0]])
    np.testing.assert_array_equal(pick_sources(D), [1, 0, 1])
    np.testing.assert_array_equal(pick_sources(D, "farthest"), [2, 2, 0])
    np.testing.assert_array_equal(pick_sources(D, "3"), [2, 2, 2])
    np.testing.assert_array_equal(pick_sources(D, "self"), [0, 1, 2])  # the no-transfer control


def test_the_vae_learns_to_reconstruct_and_tells_two_sources_apart():
    rng = np.random.default_rng(2)
    a = rng.normal(0.0, 0.1, size=(300, 1, 17))
    b = rng.normal(1.0, 0.1, size=(300, 1, 17))
    samples = np.concatenate([a, a + 0.01, b], axis=1).astype(np.float32)  # agents 0, 1 alike; 2 apart
    vae, history = train_vae(samples, epochs=40, alpha=0.01)
    assert history[-1] < 0.5 * history[0]
    assert isinstance(vae, VAE)
    D, _ = distances(vae, samples)
    assert D[0, 1] < D[0, 2] and D[1, 0] < D[1, 2]
    assert pick_sources(D)[0] == 1 and pick_sources(D)[1] == 0
