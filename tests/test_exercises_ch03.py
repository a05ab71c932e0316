"""Chapter 3 auto-checks: right answers pass, typical wrong answers get specific feedback without the answer."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import spearmanr

from xai_teach import exercises, models


def _grad(model, image, target):
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x, training=False)[0, target]
    return tape.gradient(score, x).numpy()[0, :, :, 0]


@pytest.fixture(scope="module")
def case(zoo, digits):
    cnn = zoo("mnist_cnn")
    x, _ = digits
    image, target = x[4], 4
    return cnn, image, target, _grad(models.logits_model(cnn), image, target), _grad(cnn, image, target)


def test_saliency_right(case, capsys):
    cnn, image, target, grad, _ = case
    assert exercises.check_saliency(grad, cnn, image, target)
    assert exercises.check_saliency(grad.tolist(), cnn, image, target)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda g, p, x: np.abs(g), "keep the sign"),
        (lambda g, p, x: g * x[:, :, 0], "gradient x input"),
        (lambda g, p, x: p, "gradient of the probability"),
        (lambda g, p, x: -g, "GradientTape"),
        (lambda g, p, x: g[None, :, :, None], "shape"),
        (lambda g, p, x: "saliency", "array of numbers"),
    ],
)
def test_saliency_wrong(case, capsys, wrong, hint):
    cnn, image, target, grad, prob_grad = case
    assert not exercises.check_saliency(wrong(grad, prob_grad, image), cnn, image, target)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{grad.max():.3f}" not in out


@pytest.fixture(scope="module")
def logit_values(case):
    cnn, image, target, _, _ = case
    batch = np.stack([image, np.full_like(image, 0.5), np.zeros_like(image)])
    z = np.asarray(models.logits_model(cnn)(batch))[:, target].astype(np.float64)
    p = np.asarray(cnn(batch[:2], training=False))[:, target].astype(np.float64)
    return z, p


def test_completeness_right(case, logit_values, capsys):
    cnn, image, target, _, _ = case
    z, _ = logit_values
    assert exercises.check_ig_completeness(z[0] - z[1], cnn, image, target, baseline=0.5)
    assert exercises.check_ig_completeness(np.float32(z[0] - z[1]), cnn, image, target, baseline=0.5)
    assert exercises.check_ig_completeness(np.array([z[0] - z[2]]), cnn, image, target)
    assert capsys.readouterr().out.startswith("Correct")


def test_completeness_matches_integrated_gradients(case, logit_values, capsys):
    """The quantity the check accepts is what explain.integrated_gradients' values add up to."""
    from xai_teach import explain

    cnn, image, target, _, _ = case
    total = explain.integrated_gradients(cnn, image, target, baseline=0.5, steps=200).values.sum()
    z, _ = logit_values
    assert abs(total - (z[0] - z[1])) < 0.05 * abs(z[0] - z[1])


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda z, p: z[0], "logit of the image alone"),
        (lambda z, p: z[0] - z[2], "black image"),
        (lambda z, p: z[1] - z[0], "sign is reversed"),
        (lambda z, p: p[0] - p[1], "probabilities"),
        (lambda z, p: z[0] - z[1] + 1.0, "subtract"),
        (lambda z, p: "30", "one number"),
        (lambda z, p: [1.0, 2.0], "one number"),
    ],
)
def test_completeness_wrong(case, logit_values, capsys, wrong, hint):
    cnn, image, target, _, _ = case
    z, p = logit_values
    assert not exercises.check_ig_completeness(wrong(z, p), cnn, image, target, baseline=0.5)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out
    assert f"{z[0] - z[1]:.2f}" not in out


def _gradcam(cnn, x, targets, layer):
    """Grad-CAM by its formula, independent of the package: ReLU(sum_k mean_ij(dS/dA^k) A^k) (not resized)."""
    inner = keras.Model(cnn.input, [cnn.get_layer(layer).output, cnn.get_layer("logits").output])
    with tf.GradientTape() as tape:
        maps, z = inner(x)
        score = tf.reduce_sum(z * tf.one_hot(targets, 10), axis=1)
    grads = tape.gradient(score, maps)
    return tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, axis=(1, 2), keepdims=True) * maps, axis=-1)).numpy()


@pytest.fixture(scope="module")
def cam_case(zoo, digits):
    cnn = zoo("mnist_cnn")
    x, _ = digits
    x = x[:4]
    order = np.argsort(-cnn.predict(x, verbose=0), axis=1)
    alike = {}
    for layer in ("conv1", "last_conv"):
        a, b = _gradcam(cnn, x, order[:, 0], layer), _gradcam(cnn, x, order[:, 1], layer)
        alike[layer] = np.nanmean([spearmanr(u.ravel(), v.ravel())[0] for u, v in zip(a, b)])
    return cnn, x, max(alike, key=alike.get), alike


def test_cam_layer_prediction_right_and_wrong(cam_case, capsys):
    cnn, x, answer, alike = cam_case
    assert abs(alike["conv1"] - alike["last_conv"]) > 0.02  # the case separates the two answers
    assert exercises.check_cam_layer_prediction(answer, cnn, x)
    assert capsys.readouterr().out.startswith("Correct")
    wrong = "conv1" if answer == "last_conv" else "last_conv"
    assert not exercises.check_cam_layer_prediction(wrong, cnn, x)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "metrics.spearman" in out


@pytest.mark.parametrize("prediction", ["conv2", None, 1])
def test_cam_layer_prediction_malformed(cam_case, capsys, prediction):
    cnn, x, _, _ = cam_case
    assert not exercises.check_cam_layer_prediction(prediction, cnn, x)
    assert "should be one of" in capsys.readouterr().out
