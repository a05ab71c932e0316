"""Deletion, insertion, pixel flipping, faithfulness correlation and estimate against known answers."""

import numpy as np
import pytest
from test_metrics_helpers import exact_linear, gradient_x_input, linear_model, logits_of, random_explainer

from xai_teach import metrics, models
from xai_teach.explain import Attribution
from xai_teach.metrics import _common


@pytest.fixture(scope="module")
def linear():
    return linear_model()


@pytest.fixture(scope="module")
def images(mnist):
    (_, _), (x_test, _) = mnist
    return x_test[:40]


def reversed_attr(attr):
    return Attribution(-attr.values, attr.inputs, attr.targets, "reversed")


def test_deletion_curve_of_linear_logit_is_known_in_closed_form(linear, images):
    model, w, b = linear
    x = images[:8]
    targets = np.arange(8)
    attr = exact_linear(w)(model, x, targets)
    res = metrics.deletion(model, x, attr, steps=7, output="logits")
    assert res.curve.shape == (8, 8) and res.fractions.shape == (8,)
    np.testing.assert_allclose(res.fractions, np.arange(8) / 7)
    # After removing the k most positive contributions the logit is b_c plus the others' sum.
    contrib = attr.values.reshape(8, 784)
    order = np.argsort(-contrib, axis=1, kind="stable")
    for j, k in enumerate(np.round(np.linspace(0, 784, 8)).astype(int)):
        kept = np.take_along_axis(contrib, order[:, k:], axis=1).sum(axis=1)
        np.testing.assert_allclose(res.curve[:, j], kept + b[targets], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(res.auc, np.trapezoid(res.curve, res.fractions, axis=1))
    assert res.better == "lower" and res.mean == pytest.approx(res.auc.mean())


def test_deletion_of_true_ranking_beats_reversed_and_insertion_the_opposite(linear, images, zoo):
    model, w, _ = linear
    attr = exact_linear(w)(model, images, _common.resolve_targets(model, images, None))
    for output in ("probs", "logits"):
        assert metrics.deletion(model, images, attr, output=output).mean < (
            metrics.deletion(model, images, reversed_attr(attr), output=output).mean
        )
        assert metrics.insertion(model, images, attr, output=output).mean > (
            metrics.insertion(model, images, reversed_attr(attr), output=output).mean
        )
    # The same holds for gradient x input on the shipped CNN, per image on most images.
    cnn = zoo("mnist_cnn")
    gxi = gradient_x_input(cnn, images, _common.resolve_targets(cnn, images, None))
    true, rev = metrics.deletion(cnn, images, gxi), metrics.deletion(cnn, images, reversed_attr(gxi))
    assert np.mean(true.auc < rev.auc) > 0.9
    assert true.curve[:, 0] == pytest.approx(models.predict_proba(cnn, images)[np.arange(40), gxi.targets], abs=1e-5)


def test_curve_endpoints_and_baselines(linear, images):
    model, w, b = linear
    x = images[:5]
    attr = exact_linear(w)(model, x, np.zeros(5, dtype=int))
    for baseline, fill in (("zero", 0.0), (0.3, 0.3)):
        res = metrics.deletion(model, x, attr, steps=4, baseline=baseline, output="logits")
        np.testing.assert_allclose(res.curve[:, 0], logits_of(w, b, x)[:, 0], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(res.curve[:, -1], logits_of(w, b, np.full_like(x, fill))[:, 0], rtol=1e-4, atol=1e-4)
        ins = metrics.insertion(model, x, attr, steps=4, baseline=baseline, output="logits")
        np.testing.assert_allclose(ins.curve[:, [0, -1]], res.curve[:, [-1, 0]], rtol=1e-4, atol=1e-4)
    mean = metrics.deletion(model, x, attr, steps=2, baseline="mean", output="logits")
    grey = np.repeat(x.reshape(5, -1).mean(axis=1), 784).reshape(x.shape)
    np.testing.assert_allclose(mean.curve[:, -1], logits_of(w, b, grey)[:, 0], rtol=1e-4, atol=1e-4)
    blur = metrics.deletion(model, x, attr, steps=2, baseline="blur")
    assert blur.curve.shape == (5, 3) and np.all((blur.curve >= 0) & (blur.curve <= 1))


def test_deletion_runs_one_forward_pass_per_step_over_all_images(linear, images, monkeypatch):
    model, w, _ = linear
    attr = exact_linear(w)(model, images, np.zeros(len(images), dtype=int))
    calls = []
    real = _common.forward

    def spy(model, inputs, *args, **kwargs):
        calls.append(len(inputs))
        return real(model, inputs, *args, **kwargs)

    monkeypatch.setattr(_common, "forward", spy)
    metrics.deletion(model, images, attr, steps=10)
    assert calls == [len(images)] * 11


def test_explain_fn_and_precomputed_attribution_agree(linear, images):
    model, w, _ = linear
    fn = exact_linear(w)
    from_fn = metrics.deletion(model, images, fn)
    attr = fn(model, images, from_fn.targets)
    np.testing.assert_allclose(metrics.deletion(model, images, attr).auc, from_fn.auc)
    np.testing.assert_allclose(metrics.deletion(model, images, attr.values, targets=from_fn.targets).auc, from_fn.auc)


def _bow_explainer(model, inputs, targets=None):
    """Exact per-word evidence of the bag-of-words model: w[word, c] - w[word, other class]."""
    vec = model.get_layer("vectorize")
    w = model.get_layer("logits").get_weights()[0]
    index = {word: i for i, word in enumerate(vec.get_vocabulary())}
    tokens, values = [], []
    for text, c in zip(inputs, targets):
        words = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text.lower()).split()
        ids = [index.get(word, 1) for word in words]
        tokens.append(words)
        values.append(w[ids, c] - w[ids, 1 - c])
    return Attribution(values, list(inputs), targets, "bow_weights", tokens=tokens)


def test_text_deletion_in_one_batched_call(zoo, imdb, monkeypatch):
    (_, _), (texts, _) = imdb
    model = zoo("imdb_bow")
    texts = texts[:12]
    attr = _bow_explainer(model, texts, _common.resolve_targets(model, texts, None))
    rev = Attribution([-v for v in attr.values], attr.inputs, attr.targets, "reversed", tokens=attr.tokens)
    calls = []
    real = _common.forward
    monkeypatch.setattr(_common, "forward", lambda m, x, *a, **k: calls.append(len(x)) or real(m, x, *a, **k))
    for baseline in ("unk", "remove"):
        calls.clear()
        true = metrics.deletion(model, texts, attr, steps=10, baseline=baseline)
        assert calls == [12 * 11]  # every step of every review in one batched call (split only by batch_size)
        assert true.curve.shape == (12, 11)
        assert true.mean < metrics.deletion(model, texts, rev, steps=10, baseline=baseline).mean
        assert metrics.insertion(model, texts, attr, steps=10, baseline=baseline).mean > 0.8
    probs = models.predict_proba(model, [" ".join(t) for t in attr.tokens])
    np.testing.assert_allclose(true.curve[:, 0], probs[np.arange(12), attr.targets], atol=1e-5)


def test_text_removal_of_every_word_is_refused_by_masked_models(zoo):
    model = zoo("imdb_transformer")
    texts = ["a wonderful moving film", "awful plot and boring acting"]
    targets = _common.resolve_targets(model, texts, None)
    tokens = [t.split() for t in texts]
    attr = Attribution([np.arange(len(t), dtype=float) for t in tokens], texts, targets, "position", tokens=tokens)
    assert metrics.deletion(model, texts, attr, steps=4).curve.shape == (2, 5)
    with pytest.raises(ValueError, match="NaN.*baseline='unk'"):
        metrics.deletion(model, texts, attr, steps=4, baseline="remove")
    with pytest.raises(ValueError, match="'unk' or 'remove'"):
        metrics.deletion(model, texts, attr, baseline="zero")


def test_faithfulness_correlation_perfect_near_one_random_near_zero(linear, images):
    model, w, _ = linear
    exact = exact_linear(w)
    # For the logit the exact attribution predicts every drop exactly.
    assert metrics.faithfulness_correlation(model, images, exact, output="logits").scores.min() > 0.999
    # For the softmax probability it is close to, but not exactly, linear.
    assert metrics.faithfulness_correlation(model, images, exact).mean > 0.9
    randoms = [
        metrics.faithfulness_correlation(model, images, random_explainer(s), random_state=s).mean for s in range(3)
    ]
    assert abs(np.mean(randoms)) < 0.2


def test_faithfulness_correlation_is_reproducible_under_a_seed(linear, images):
    model, w, _ = linear
    fn = exact_linear(w)
    a = metrics.faithfulness_correlation(model, images[:10], fn, random_state=3, n_subsets=20)
    b = metrics.faithfulness_correlation(model, images[:10], fn, random_state=3, n_subsets=20, batch_size=7)
    c = metrics.faithfulness_correlation(model, images[:10], fn, random_state=4, n_subsets=20)
    np.testing.assert_array_equal(a.details["attribution_sums"], b.details["attribution_sums"])
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-6)
    assert not np.allclose(a.details["attribution_sums"], c.details["attribution_sums"])
    assert a.details["drops"].shape == (10, 20)


def test_faithfulness_estimate_known_answers(linear, images):
    model, w, _ = linear
    exact = exact_linear(w)
    for patch in (1, 4):
        res = metrics.faithfulness_estimate(model, images[:10], exact, patch_size=patch, output="logits")
        assert res.scores.min() > 0.999
        assert res.details["drops"].shape == (10, (28 // patch) ** 2)
    assert abs(metrics.faithfulness_estimate(model, images[:20], random_explainer()).mean) < 0.2
    with pytest.raises(ValueError, match="divide 28"):
        metrics.faithfulness_estimate(model, images[:2], exact, patch_size=5)


def test_undefined_correlation_is_nan_with_a_warning(linear, images):
    model, w, _ = linear
    flat = np.zeros((3, 28, 28))  # a constant attribution has no correlation with anything
    with pytest.warns(UserWarning, match="3 of 3 inputs have no defined value"):
        res = metrics.faithfulness_estimate(model, images[:3], flat, targets=0)
    assert np.isnan(res.scores).all() and np.isnan(res.mean)
    with pytest.warns(UserWarning, match="faithfulness_correlation: 3 of 3"):
        metrics.faithfulness_correlation(model, images[:3], flat, targets=0, n_subsets=10)


def test_pixel_flipping_orders(linear, images):
    model, w, _ = linear
    exact = exact_linear(w)
    morf = metrics.pixel_flipping(model, images[:10], exact, flip="zero", pixels_per_step=16)
    lerf = metrics.pixel_flipping(model, images[:10], exact, flip="zero", pixels_per_step=16, order="least_relevant")
    assert morf.better == "lower" and lerf.better == "higher"
    assert np.all(morf.auc < lerf.auc)
    inv = metrics.pixel_flipping(model, images[:10], exact, max_fraction=0.5, pixels_per_step=49)
    assert inv.fractions[-1] == pytest.approx(0.5) and inv.curve.shape == (10, 9)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.zeros((40, 28, 27)), ValueError, r"shape \(40, 28, 28\)"),
        (np.zeros((39, 28, 28)), ValueError, r"shape \(40, 28, 28\)"),
        (np.full((40, 28, 28), np.nan), ValueError, "NaN"),
        ("saliency", TypeError, "Attribution"),
    ],
)
def test_bad_attributions_are_refused(linear, images, bad, error, match):
    with pytest.raises(error, match=match):
        metrics.deletion(linear[0], images, bad)


def test_bad_attribution_objects_and_parameters_are_refused(linear, images):
    model, w, _ = linear
    attr = exact_linear(w)(model, images, np.zeros(40, dtype=int))
    with pytest.raises(ValueError, match="holds 10 explanations but there are 40"):
        metrics.deletion(model, images, attr[:10])
    with pytest.raises(ValueError, match="explains classes"):
        metrics.deletion(model, images, attr, targets=1)
    with pytest.raises(ValueError, match="other inputs"):
        metrics.deletion(model, images[::-1], attr)
    with pytest.raises(TypeError, match="must return an Attribution"):
        metrics.deletion(model, images, lambda m, x, targets=None: np.zeros((len(x), 28, 28)))
    with pytest.raises(ValueError, match="baseline must be"):
        metrics.deletion(model, images, attr, baseline="noise")
    with pytest.raises(ValueError, match="lie in"):
        metrics.deletion(model, images, attr, baseline=2.0)
    with pytest.raises(ValueError, match="steps must be at least 1"):
        metrics.deletion(model, images, attr, steps=0)
    with pytest.raises(ValueError, match="output must be"):
        metrics.deletion(model, images, attr, output="softmax")
    with pytest.raises(ValueError, match="subset_size"):
        metrics.faithfulness_correlation(model, images, attr, subset_size=785)
    with pytest.raises(TypeError, match="image models"):
        metrics.faithfulness_correlation(models.load_pretrained("imdb_bow"), ["a film"], attr)
    with pytest.raises(ValueError, match="0, 28, 28|inputs must have shape"):
        metrics.deletion(model, images[:, :20], attr)


def test_progress_bar_only_when_asked(linear, images, capsys, monkeypatch):
    model, w, _ = linear
    attr = exact_linear(w)(model, images[:4], np.zeros(4, dtype=int))
    metrics.deletion(model, images[:4], attr, steps=3)
    assert capsys.readouterr().err == ""  # not interactive under pytest: no bar
    metrics.deletion(model, images[:4], attr, steps=3, progress=True)
    assert "deletion" in capsys.readouterr().err
    monkeypatch.setenv("XAI_TEACH_PROGRESS", "1")
    assert _common.interactive()
    monkeypatch.setenv("XAI_TEACH_PROGRESS", "0")
    assert not _common.interactive()
