"""Global views: weight templates, activation maximization, global SHAP and class prototypes."""

import matplotlib
import numpy as np
import pytest

from xai_teach import explain, models

matplotlib.use("Agg")


def test_linear_weights_are_the_dense_kernel(zoo, digits):
    model = zoo("mnist_linear")
    kernel, bias = model.get_layer("logits").get_weights()
    templates = explain.linear_weights(model)
    assert templates.targets.tolist() == list(range(10)) and templates.inputs.shape == (10, 28, 28, 1)
    np.testing.assert_allclose(templates.values.reshape(10, -1), kernel.T)
    np.testing.assert_allclose(explain.linear_weights(model, targets=[7, 2]).values.reshape(2, -1), kernel[:, [7, 2]].T)
    # With images: each pixel's exact contribution, adding up to the logit minus the bias.
    x, _ = digits
    contributions = explain.linear_weights(model, x)
    logits = np.asarray(models.logits_model(model)(x))[np.arange(10), contributions.targets]
    np.testing.assert_allclose(
        contributions.values.reshape(10, -1).sum(1), logits - bias[contributions.targets], rtol=1e-4
    )


def test_linear_weights_refuse_non_linear_models(zoo):
    with pytest.raises(ValueError, match="not one .*conv1"):
        explain.linear_weights(zoo("mnist_cnn"))
    with pytest.raises(ValueError, match="targets must lie in 0..9"):
        explain.linear_weights(zoo("mnist_linear"), targets=10)


def test_activation_maximization_synthesises_confident_images(zoo):
    model = zoo("mnist_cnn")
    attr = explain.activation_maximization(model, targets=[1, 7], steps=30)
    assert attr.values.shape == (2, 28, 28) and attr.inputs.shape == (2, 28, 28, 1)
    assert attr.values.min() >= 0 and attr.values.max() <= 1
    np.testing.assert_allclose(attr.values, attr.inputs[..., 0])
    start = np.clip(0.1 + np.random.default_rng(0).normal(0, 0.01, (2, 28, 28, 1)), 0, 1)
    before = models.predict_proba(model, start.astype(np.float32))[[0, 1], [1, 7]]
    after = attr.probs[[0, 1], [1, 7]]
    assert np.all(after > 0.9) and np.all(after > before)
    again = explain.activation_maximization(model, targets=[1, 7], steps=30)
    np.testing.assert_array_equal(attr.values, again.values)
    other = explain.activation_maximization(model, targets=[1, 7], steps=30, random_state=1)
    assert not np.allclose(attr.values, other.values)


def test_activation_maximization_from_given_images(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    attr = explain.activation_maximization(model, x[:2], targets=3, steps=10, jitter=2)
    assert attr.targets.tolist() == [3, 3]
    assert not np.allclose(attr.values, x[:2, :, :, 0])
    assert models.predict_proba(model, attr.inputs)[:, 3].min() > models.predict_proba(model, x[:2])[:, 3].max()


def test_global_shap_summarises_mean_absolute_shap_per_class(zoo, mnist):
    model = zoo("mnist_cnn")
    (_, _), (x_test, y_test) = mnist
    idx = np.concatenate([np.flatnonzero(y_test == c)[:2] for c in range(10)])
    x, y = x_test[idx], y_test[idx]
    attr = explain.global_shap(model, x, y, nsamples=8, background_size=10)
    assert attr.targets.tolist() == list(range(10)) and attr.values.shape == (10, 28, 28)
    assert attr.params["images_per_class"] == [2] * 10
    local = explain.shap_gradient(model, x, y, nsamples=8, background_size=10)
    for c in range(10):
        np.testing.assert_allclose(attr.values[c], np.abs(local.values[y == c]).mean(0))
        np.testing.assert_allclose(attr.inputs[c], x[y == c].mean(0))
    with pytest.raises(ValueError, match=r"class \[9\]"):
        explain.global_shap(model, x[y != 9], y[y != 9], nsamples=4, background_size=5)


def test_class_prototypes_are_the_most_probable_images(zoo, mnist):
    model = zoo("mnist_cnn")
    (_, _), (x_test, _) = mnist
    x = x_test[:300]
    protos = explain.class_prototypes(model, x, top=3)
    probs = models.predict_proba(model, x)
    assert protos.indices.shape == (10, 3) and protos.images.shape == (10, 3, 28, 28, 1)
    for row, c in enumerate(protos.classes):
        np.testing.assert_array_equal(protos.indices[row], np.argsort(-probs[:, c], kind="stable")[:3])
        np.testing.assert_allclose(protos.scores[row], probs[protos.indices[row], c], rtol=1e-5)
        np.testing.assert_array_equal(protos.images[row], x[protos.indices[row]])
    frame = protos.to_frame()
    assert len(frame) == 30 and list(frame.columns) == ["class", "rank", "index", "score"]
    assert protos.plot() is not None
    by_logit = explain.class_prototypes(model, x, targets=[4], top=2, output="logits")
    assert by_logit.classes.tolist() == [4] and by_logit.indices.shape == (1, 2)
    with pytest.raises(ValueError, match="top"):
        explain.class_prototypes(model, x, top=0)
