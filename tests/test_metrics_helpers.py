"""Test doubles shared by the metric tests, and checks that they are what they claim to be.

The metric tests must not depend on ``xai_teach.explain``'s methods, so they use
a linear softmax model with known weights (logits = W x + b), whose exact
explanation of the logit is known in closed form, and tiny explainers written here.
"""

import keras
import numpy as np
import tensorflow as tf

from xai_teach import models
from xai_teach.explain import Attribution


def linear_model(scale=0.05, seed=0):
    """A functional softmax regression on 28x28 images with seeded weights; returns (model, W, b)."""
    rng = np.random.default_rng(seed)
    image = keras.Input((28, 28, 1), name="image")
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Flatten()(image))
    model = keras.Model(image, keras.layers.Softmax(name="probs")(logits), name="linear")
    w = rng.normal(0, scale, (784, 10)).astype("float32")
    b = rng.normal(0, 0.1, 10).astype("float32")
    model.get_layer("logits").set_weights([w, b])
    return model, w, b


def exact_linear(w):
    """The exact contribution of every pixel to the target logit of a linear model: W[:, c] * x."""

    def explain_fn(model, inputs, targets=None):
        x = np.asarray(inputs).reshape(len(inputs), 784)
        return Attribution((w[:, targets].T * x).reshape(-1, 28, 28), inputs, targets, "exact")

    return explain_fn


def random_explainer(seed=0):
    """Gaussian noise, unrelated to the model."""

    def explain_fn(model, inputs, targets=None):
        values = np.random.default_rng(seed).normal(size=(len(inputs), 28, 28))
        return Attribution(values, inputs, targets, "random")

    return explain_fn


def constant_explainer(model, inputs, targets=None):
    """The same map for every input."""
    return Attribution(np.ones((len(inputs), 28, 28)), inputs, targets, "constant")


def gradient_explainer(model, inputs, targets=None):
    """Plain TensorFlow gradient of the target logit with respect to the pixels."""
    x = tf.convert_to_tensor(np.asarray(inputs), tf.float32)
    logits = models.logits_model(model)
    with tf.GradientTape() as tape:
        tape.watch(x)
        chosen = tf.gather(logits(x, training=False), targets, batch_dims=1)
    return Attribution(tape.gradient(chosen, x).numpy()[..., 0], inputs, targets, "gradient")


def gradient_x_input(model, inputs, targets=None):
    """Gradient times input."""
    g = gradient_explainer(model, inputs, targets).values
    return Attribution(g * np.asarray(inputs)[..., 0], inputs, targets, "gradient_x_input")


def logits_of(w, b, x):
    return np.asarray(x).reshape(len(x), 784).astype(np.float64) @ w + b


def test_exact_linear_attribution_is_complete(digits):
    model, w, b = linear_model()
    x, _ = digits
    targets = np.arange(10)
    attr = exact_linear(w)(model, x, targets)
    logits = np.asarray(models.logits_model(model)(x))
    np.testing.assert_allclose(attr.values.sum(axis=(1, 2)) + b[targets], logits[np.arange(10), targets], rtol=1e-4)


def test_gradient_of_linear_model_is_its_weight_template(digits):
    model, w, _ = linear_model()
    x, _ = digits
    attr = gradient_explainer(model, x, np.arange(10))
    np.testing.assert_allclose(attr.values.reshape(10, 784), w.T, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        gradient_x_input(model, x, np.arange(10)).values,
        exact_linear(w)(model, x, np.arange(10)).values,
        rtol=1e-4,
        atol=1e-7,
    )
