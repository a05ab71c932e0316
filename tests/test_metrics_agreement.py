"""Rank agreement, top-k overlap and localisation: known answers on images and on token lists."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau, spearmanr
from test_metrics_helpers import exact_linear, gradient_x_input, linear_model

from xai_teach import metrics
from xai_teach.explain import Attribution


@pytest.fixture(scope="module")
def linear():
    return linear_model()


def test_identical_and_reversed_rankings():
    a = np.arange(784, dtype=float).reshape(1, 28, 28) + 1
    rev = a.max() + 1 - a  # positive too, so |value| reverses the ranking as well
    assert metrics.spearman(a, a)[0] == pytest.approx(1)
    assert metrics.kendall(a, a)[0] == pytest.approx(1)
    assert metrics.top_k_overlap(a, a, k=50)[0] == 1
    assert metrics.spearman(a, rev)[0] == pytest.approx(-1)
    assert metrics.kendall(a, rev)[0] == pytest.approx(-1)
    assert metrics.top_k_overlap(a, rev, k=392)[0] == 0
    # Signed ranking: -a reverses it; by |value| it is the same ranking.
    assert metrics.spearman(a, -a, absolute=False)[0] == pytest.approx(-1)
    assert metrics.spearman(a, -a)[0] == pytest.approx(1)
    assert metrics.top_k_overlap(a, -a, k=10, absolute=False)[0] == 0


def test_matches_scipy_on_random_values_with_ties():
    rng = np.random.default_rng(0)
    a = np.round(rng.normal(size=(5, 28, 28)), 1)
    b = np.round(a + rng.normal(size=a.shape), 1)
    rho = metrics.spearman(a, b, absolute=False)
    tau = metrics.kendall(a, b, absolute=False)
    for i in range(5):
        assert rho[i] == pytest.approx(spearmanr(a[i].ravel(), b[i].ravel())[0])
        assert tau[i] == pytest.approx(kendalltau(a[i].ravel(), b[i].ravel())[0])


def test_top_k_overlap_counts_shared_features():
    a = [np.array([5.0, 4, 3, 2, 1])]
    b = [np.array([5.0, 1, 3, 2, 4])]  # top-3 {0, 2, 4} vs {0, 1, 2}
    assert metrics.top_k_overlap(a, b, k=3)[0] == pytest.approx(2 / 3)
    assert metrics.top_k_overlap(a, b, k=5)[0] == 1


def test_text_attributions_of_different_lengths():
    a = [np.array([0.1, 0.5, -0.2]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])]
    b = [np.array([0.2, 0.6, -0.1]), np.array([5.0, 4.0, 3.0, 2.0, 1.0])]
    np.testing.assert_allclose(metrics.spearman(a, b, absolute=False), [1, -1])
    np.testing.assert_allclose(metrics.top_k_overlap(a, b, k=2, absolute=False), [1, 0])
    tokens = [["a", "b", "c"], ["d", "e", "f", "g", "h"]]
    attr_a = Attribution(a, ["a b c", "d e f g h"], [0, 1], "x", tokens=tokens)
    np.testing.assert_allclose(metrics.kendall(attr_a, b, absolute=False), [1, -1])
    with pytest.raises(ValueError, match="a\\[1\\] has 5 features but b\\[1\\] has 4"):
        metrics.spearman(a, [b[0], b[1][:4]])
    with pytest.raises(ValueError, match="k must be at least 1 and at most 3"):
        metrics.top_k_overlap(a, b, k=4)


@pytest.mark.parametrize(
    "b, error, match",
    [
        (np.zeros((3, 28, 28)), ValueError, "a has 2 explanations, b has 3"),
        (np.full((2, 28, 28), np.nan), ValueError, "NaN"),
        ("saliency", TypeError, "Attribution, an array or a list"),
    ],
)
def test_bad_pairs_are_refused(b, error, match):
    with pytest.raises(error, match=match):
        metrics.spearman(np.ones((2, 28, 28)), b)


def test_k_must_be_a_positive_int():
    a = np.ones((1, 28, 28))
    with pytest.raises(ValueError, match="k must be at least 1"):
        metrics.top_k_overlap(a, a, k=0)
    with pytest.raises(TypeError, match="k must be an int"):
        metrics.top_k_overlap(a, a, k=2.5)


def test_constant_explanation_has_no_rank_correlation():
    with pytest.warns(UserWarning, match="spearman: 1 of 1 inputs"):
        assert np.isnan(metrics.spearman(np.ones((1, 28, 28)), np.ones((1, 28, 28)))[0])


def test_agreement_frame_with_explainers(linear, digits):
    model, w, _ = linear
    x, _ = digits
    df = metrics.agreement(model, x, exact_linear(w), gradient_x_input, k=20)
    assert list(df.columns) == ["input", "target", "spearman", "kendall", "top_k_overlap"]
    # On a linear model gradient x input is the exact attribution.
    assert np.allclose(df[["spearman", "kendall", "top_k_overlap"]], 1, atol=1e-6)


def test_localisation(linear, digits):
    model, w, _ = linear
    x, _ = digits
    mask = np.zeros((28, 28), dtype=bool)
    mask[:14] = True
    inside = np.zeros((10, 28, 28))
    inside[:, 3:10, 5:20] = 1.0
    res = metrics.localisation(model, x, inside, mask=mask)
    assert np.all(res.scores == 1) and res.better == "higher"
    half = np.zeros((10, 28, 28))
    half[:, 13:15, :] = 2.0
    half[:, 0, 0] = -5  # negative evidence does not count as mass by default
    np.testing.assert_allclose(metrics.localisation(model, x, half, mask=mask).scores, 0.5)
    absolute = metrics.localisation(model, x, half, mask=mask, mass="absolute").scores
    np.testing.assert_allclose(absolute, (28 * 2 + 5) / (56 * 2 + 5))
    per_image = np.broadcast_to(mask, (10, 28, 28))
    np.testing.assert_allclose(metrics.localisation(model, x, half, mask=per_image).scores, 0.5)
    with pytest.raises(ValueError, match="needs mask"):
        metrics.localisation(model, x, inside)
    with pytest.raises(ValueError, match="mask must have shape"):
        metrics.localisation(model, x, inside, mask=np.ones((27, 28)))
    with pytest.raises(ValueError, match="boolean"):
        metrics.localisation(model, x, inside, mask=np.full((28, 28), 0.5))
    with pytest.warns(UserWarning, match="localisation: 10 of 10"):
        metrics.localisation(model, x, -inside, mask=mask)


def test_localisation_on_text(zoo):
    model = zoo("imdb_bow")
    texts = ["a great film", "bad acting"]
    tokens = [t.split() for t in texts]
    attr = Attribution([np.array([0.0, 3.0, 1.0]), np.array([2.0, 2.0])], texts, [1, 0], "x", tokens=tokens)
    res = metrics.localisation(model, texts, attr, mask=[np.array([0, 1, 0]), np.array([1, 0])])
    np.testing.assert_allclose(res.scores, [0.75, 0.5])
    with pytest.raises(ValueError, match="mask\\[1\\] has shape"):
        metrics.localisation(model, texts, attr, mask=[np.array([0, 1, 0]), np.array([1, 0, 1])])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=5, max_size=40, unique=True), st.integers(1, 5))
def test_rank_measures_ignore_monotone_rescaling(values, k):
    a = [np.array(values, dtype=float)]
    b = [np.exp(a[0] / 100)]  # strictly increasing: same signed ranking
    assert metrics.spearman(a, b, absolute=False)[0] == pytest.approx(1)
    assert metrics.kendall(a, b, absolute=False)[0] == pytest.approx(1)
    assert metrics.top_k_overlap(a, b, k=k, absolute=False)[0] == 1
    c = [np.array(values[::-1], dtype=float)]
    assert metrics.spearman(a, c)[0] == pytest.approx(metrics.spearman(c, a)[0], nan_ok=True)
    assert 0 <= metrics.top_k_overlap(a, c, k=k)[0] <= 1
