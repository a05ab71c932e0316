"""Saliency, SmoothGrad and integrated gradients against closed forms on a linear model, and completeness."""

import numpy as np
import pytest
from test_explain_helpers import linear_logits, linear_model

from xai_teach import explain, models


@pytest.fixture(scope="module")
def linear():
    return linear_model(seed=1)


def test_saliency_of_linear_model_is_the_class_weight_template(linear, digits):
    model, w, _ = linear
    x, _ = digits
    attr = explain.saliency(model, x)
    np.testing.assert_allclose(attr.values.reshape(10, -1), w[:, attr.targets].T, rtol=1e-5, atol=1e-7)
    # Explaining another class gives that class's template, whatever the digit.
    other = explain.saliency(model, x, targets=3)
    np.testing.assert_allclose(other.values.reshape(10, -1), np.tile(w[:, 3], (10, 1)), rtol=1e-5, atol=1e-7)
    absolute = explain.saliency(model, x, targets=3, absolute=True)
    np.testing.assert_allclose(absolute.values, np.abs(other.values), rtol=1e-6)


def test_gradient_x_input_of_linear_model_is_weight_times_pixel(linear, digits):
    model, w, b = linear
    x, _ = digits
    attr = explain.gradient_x_input(model, x)
    np.testing.assert_allclose(attr.values.reshape(10, -1), w[:, attr.targets].T * x.reshape(10, -1), atol=1e-6)
    np.testing.assert_allclose(
        attr.values.reshape(10, -1).sum(1), linear_logits(w, b, x, attr.targets) - b[attr.targets], rtol=1e-4
    )


def test_smoothgrad_of_linear_model_is_the_template_whatever_the_noise(linear, digits):
    model, w, _ = linear
    x, _ = digits
    attr = explain.smoothgrad(model, x[:4], targets=[0, 1, 2, 3], samples=5, noise=0.5)
    np.testing.assert_allclose(attr.values.reshape(4, -1), w[:, :4].T, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("baseline", [0.0, 0.3])
def test_integrated_gradients_of_linear_model_are_weight_times_difference(linear, digits, baseline):
    model, w, b = linear
    x, _ = digits
    attr = explain.integrated_gradients(model, x, steps=5, baseline=baseline)
    expected = w[:, attr.targets].T * (x.reshape(10, -1) - baseline)
    np.testing.assert_allclose(attr.values.reshape(10, -1), expected, rtol=1e-4, atol=1e-6)
    # Completeness: the values add up to f(x) - f(baseline).
    base = np.full_like(x, baseline)
    gap = linear_logits(w, b, x, attr.targets) - linear_logits(w, b, base, attr.targets)
    np.testing.assert_allclose(attr.values.reshape(10, -1).sum(1), gap, rtol=1e-4, atol=1e-4)


def test_integrated_gradients_take_one_baseline_image_per_input(linear, digits):
    model, w, _ = linear
    x, _ = digits
    base = x[::-1] * 0.5
    attr = explain.integrated_gradients(model, x, steps=3, baseline=base)
    np.testing.assert_allclose(
        attr.values.reshape(10, -1), w[:, attr.targets].T * (x - base).reshape(10, -1), rtol=1e-4, atol=1e-6
    )


def test_integrated_gradients_satisfy_completeness_on_the_cnn(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    logits = models.logits_model(model)
    attr = explain.integrated_gradients(model, x, steps=64)
    t = attr.targets
    gap = np.asarray(logits(x))[np.arange(10), t] - np.asarray(logits(np.zeros_like(x)))[np.arange(10), t]
    error = np.abs(attr.values.reshape(10, -1).sum(1) - gap)
    assert np.all(error <= 0.02 * np.abs(gap) + 0.05)
    # The step error shrinks with the number of steps (trapezoid rule).
    coarse = explain.integrated_gradients(model, x, steps=4)
    assert np.abs(coarse.values.reshape(10, -1).sum(1) - gap).mean() > error.mean()


def test_gradients_of_logits_and_probabilities_differ_by_saturation(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    on_logits = explain.saliency(model, x)
    on_probs = explain.saliency(model, x, output="probs")
    # Confident digits: the softmax saturates, so probability gradients are far smaller.
    assert np.abs(on_probs.values).mean() < 0.1 * np.abs(on_logits.values).mean()
    assert on_probs.params["output"] == "probs"


def test_smoothgrad_seeds(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    a = explain.smoothgrad(model, x[:3], samples=4, random_state=5)
    b = explain.smoothgrad(model, x[:3], samples=4, random_state=5)
    c = explain.smoothgrad(model, x[:3], samples=4, random_state=6)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    # Seeding does not leak: NumPy's global generator is restored.
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    explain.smoothgrad(model, x[:1], samples=2, random_state=0)
    assert np.random.random() == expected


def test_smoothgrad_and_ig_do_not_depend_on_the_images_per_call(zoo, digits):
    """batch_size only groups the model calls: the noise draws and the maps stay the same."""
    model = zoo("mnist_cnn")
    x, _ = digits
    one_call = explain.smoothgrad(model, x, samples=6, batch_size=1000).values
    many_calls = explain.smoothgrad(model, x, samples=6, batch_size=7).values
    np.testing.assert_allclose(many_calls, one_call, rtol=1e-5, atol=1e-6 * np.abs(one_call).max())
    one_call = explain.integrated_gradients(model, x, steps=8, batch_size=1000).values
    many_calls = explain.integrated_gradients(model, x, steps=8, batch_size=7).values
    np.testing.assert_allclose(many_calls, one_call, rtol=1e-5, atol=1e-6 * np.abs(one_call).max())


def test_one_call_explains_a_large_batch_in_chunks(zoo, mnist):
    model = zoo("mnist_cnn")
    (_, _), (x_test, _) = mnist
    x = x_test[:300]
    whole = explain.integrated_gradients(model, x, steps=4, batch_size=4096)
    chunked = explain.integrated_gradients(model, x, steps=4, batch_size=128)
    np.testing.assert_allclose(whole.values, chunked.values, rtol=1e-4, atol=1e-5)
    first = explain.integrated_gradients(model, x[:5], steps=4)
    np.testing.assert_allclose(whole.values[:5], first.values, rtol=1e-4, atol=1e-5)


def test_bad_parameters_are_refused(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    with pytest.raises(ValueError, match="steps"):
        explain.integrated_gradients(model, x, steps=0)
    with pytest.raises(ValueError, match="baseline"):
        explain.integrated_gradients(model, x, baseline=1.5)
    with pytest.raises(ValueError, match="one image or one per input"):
        explain.integrated_gradients(model, x, baseline=np.zeros((3, 28, 28), np.float32))
    with pytest.raises(ValueError, match="noise"):
        explain.smoothgrad(model, x, noise=-0.1)
    with pytest.raises(ValueError, match="output"):
        explain.saliency(model, x, output="softmax")
    with pytest.raises(TypeError, match="samples"):
        explain.smoothgrad(model, x, samples=2.5)
