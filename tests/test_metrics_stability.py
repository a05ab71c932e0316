"""Lipschitz, max-sensitivity, seed variance and SHAP background ablation against known answers."""

import functools

import numpy as np
import pytest
from test_metrics_helpers import constant_explainer, exact_linear, gradient_explainer, gradient_x_input, linear_model

from xai_teach import metrics
from xai_teach.explain import Attribution
from xai_teach.metrics import stability


@pytest.fixture(scope="module")
def linear():
    return linear_model()


@pytest.fixture(scope="module")
def images(mnist):
    (_, _), (x_test, _) = mnist
    return x_test[:12]


@pytest.mark.parametrize("normalise", [True, False])
def test_constant_explainer_is_perfectly_stable(linear, images, normalise):
    model = linear[0]
    assert np.all(metrics.local_lipschitz(model, images, constant_explainer, normalise=normalise).scores == 0)
    assert np.all(metrics.max_sensitivity(model, images, constant_explainer, normalise=normalise).scores == 0)


def test_gradient_of_linear_model_is_constant_but_gradient_x_input_moves(linear, images):
    model, w, _ = linear
    assert np.allclose(metrics.local_lipschitz(model, images, gradient_explainer).scores, 0, atol=1e-6)
    assert np.allclose(metrics.max_sensitivity(model, images, gradient_explainer).scores, 0, atol=1e-6)
    raw = metrics.local_lipschitz(model, images, gradient_x_input, normalise=False)
    assert np.all(raw.scores > 0)
    # ||W_c * (x - x')|| / ||x - x'|| can never exceed max_i |W_ci|.
    assert np.all(raw.scores <= np.abs(w[:, raw.targets]).max(axis=0) + 1e-6)
    assert np.all(metrics.max_sensitivity(model, images, gradient_x_input).scores > 0)


def test_all_perturbed_copies_are_explained_in_one_call_for_the_original_classes(linear, images):
    model, w, _ = linear
    calls = []

    def spy(model, inputs, targets=None):
        calls.append((np.asarray(inputs).copy(), np.asarray(targets).copy()))
        return exact_linear(w)(model, inputs, targets)

    res = metrics.local_lipschitz(model, images, spy, n_samples=5, epsilon=0.05, targets=3)
    assert len(calls) == 1
    x, t = calls[0]
    assert x.shape == (12 * 6, 28, 28, 1) and np.all(t == 3)
    np.testing.assert_array_equal(x[:12], images)
    moved = x[12:].reshape(12, 5, 28, 28, 1) - images[:, None]
    assert np.abs(moved).max() <= 0.05 + 1e-6 and x.min() >= 0 and x.max() <= 1
    assert res.details["ratios"].shape == (12, 5)


def test_perturbations_stay_in_the_clipped_ball_and_follow_the_seed(images):
    a = stability.perturb(images, 0.2, 4, random_state=1)
    assert a.shape == (12, 4, 28, 28, 1) and a.dtype == np.float32
    assert np.abs(a - images[:, None]).max() <= 0.2 + 1e-6 and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, stability.perturb(images, 0.2, 4, random_state=1))
    assert not np.array_equal(a, stability.perturb(images, 0.2, 4, random_state=2))


def test_stability_is_reproducible_under_a_seed(linear, images):
    model = linear[0]
    a = metrics.local_lipschitz(model, images, gradient_x_input, random_state=5)
    b = metrics.local_lipschitz(model, images, gradient_x_input, random_state=5)
    c = metrics.local_lipschitz(model, images, gradient_x_input, random_state=6)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert not np.array_equal(a.scores, c.scores)


def test_stability_refuses_what_it_cannot_use(linear, images, zoo):
    model, w, _ = linear
    attr = exact_linear(w)(model, images, np.zeros(12, dtype=int))
    with pytest.raises(TypeError, match="needs an explainer"):
        metrics.local_lipschitz(model, images, attr)
    with pytest.raises(ValueError, match="epsilon"):
        metrics.max_sensitivity(model, images, constant_explainer, epsilon=0)
    with pytest.raises(ValueError, match="n_samples"):
        metrics.max_sensitivity(model, images, constant_explainer, n_samples=0)
    with pytest.raises(TypeError, match="image models"):
        metrics.local_lipschitz(zoo("imdb_bow"), ["a film"], constant_explainer)
    wrong_size = lambda m, x, targets=None: constant_explainer(m, x[:-1], targets[:-1])  # noqa: E731
    with pytest.raises(ValueError, match="explanations but there are"):
        metrics.local_lipschitz(model, images, wrong_size)


def noisy_explainer(w, noise):
    """The exact linear attribution plus seeded noise: a stand-in for LIME's sampling."""

    def explain_fn(model, inputs, targets=None, random_state=None):
        exact = exact_linear(w)(model, inputs, targets)
        jitter = np.random.default_rng(random_state).normal(0, noise, exact.values.shape)
        return Attribution(exact.values + jitter, inputs, targets, "noisy")

    return explain_fn


def test_seed_variance(linear, images):
    model, w, _ = linear
    steady = metrics.seed_variance(model, images, noisy_explainer(w, 0.0), n_seeds=3, k=20)
    assert np.allclose(steady.scores, 1) and np.allclose(steady.details["top_k_overlap"], 1)
    shaky = metrics.seed_variance(model, images, noisy_explainer(w, 0.05), n_seeds=4, k=20)
    assert steady.mean > shaky.mean and shaky.details["pairwise_spearman"].shape == (12, 6)
    again = metrics.seed_variance(model, images, noisy_explainer(w, 0.05), n_seeds=4, k=20)
    np.testing.assert_array_equal(shaky.scores, again.scores)
    with pytest.raises(TypeError, match="random_state"):
        metrics.seed_variance(model, images, exact_linear(w))
    with pytest.raises(ValueError, match="n_seeds"):
        metrics.seed_variance(model, images, noisy_explainer(w, 0.1), n_seeds=1)
    with pytest.raises(ValueError, match="k must be at least 1 and at most 784, got 785"):
        metrics.seed_variance(model, images, noisy_explainer(w, 0.1), k=785)


def test_background_ablation_converges_to_the_largest_background(linear, images):
    model, w, _ = linear

    def shap_like(model, inputs, targets=None, background_size=100):
        """Exact attribution plus an estimation error that shrinks like 1 / sqrt(background size)."""
        exact = exact_linear(w)(model, inputs, targets)
        err = np.random.default_rng(background_size).normal(0, 0.05 / np.sqrt(background_size), exact.values.shape)
        return Attribution(exact.values + err, inputs, targets, "shap_like")

    result = metrics.background_ablation(model, images, shap_like)
    df = result.frame
    assert isinstance(result, metrics.Steps) and result.better == "lower"
    np.testing.assert_array_equal(result.scores, df.loc[df["size"] == 10, "distance"])
    assert list(df.columns) == ["size", "input", "target", "distance", "spearman", "top_k_overlap"]
    means = df.groupby("size")["distance"].mean()
    assert list(means.index) == [10, 50, 100, 500] and means[500] == 0
    assert means[10] > means[50] > means[100] > 0
    assert df.loc[df["size"] == 500, "spearman"].eq(1).all()
    renamed = functools.partial(lambda m, x, targets=None, n_background=10: shap_like(m, x, targets, n_background))
    df2 = metrics.background_ablation(model, images, renamed, sizes=(10, 40), param="n_background").frame
    assert set(df2["size"]) == {10, 40}
    with pytest.raises(TypeError, match="does not take it"):
        metrics.background_ablation(model, images, shap_like, param="n_background")
    with pytest.raises(ValueError, match="two different"):
        metrics.background_ablation(model, images, shap_like, sizes=(50,))
