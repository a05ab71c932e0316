"""Grad-CAM, Grad-CAM++ and Score-CAM: layers, coarse non-negative maps, no overflow, no progress bars."""

import keras
import numpy as np
import pytest
from test_explain_helpers import linear_model

from xai_teach import explain

CAMS = [explain.gradcam, explain.gradcam_plus_plus, explain.scorecam]


@pytest.mark.parametrize("method", CAMS, ids=lambda f: f.__name__)
def test_cams_are_non_negative_and_follow_the_14x14_layer(method, zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    attr = method(model, x)
    assert attr.params["layer"] == "last_conv"
    assert attr.values.shape == (10, 28, 28) and np.all(attr.values >= 0) and np.all(np.isfinite(attr.values))
    assert np.all(attr.values.reshape(10, -1).max(1) > 0)
    # Another layer can be named; the map then follows that layer.
    other = method(model, x[:2], layer="conv1")
    assert other.params["layer"] == "conv1" and not np.allclose(other.values, attr.values[:2])


def test_gradcam_weights_maps_by_mean_gradient(zoo, digits):
    """Grad-CAM by hand: ReLU(sum_k mean(dy/dA_k) A_k) on last_conv, resized 14 -> 28 by linear interpolation."""
    import tensorflow as tf
    from scipy.ndimage import zoom

    model = zoo("mnist_cnn")
    x, _ = digits
    attr = explain.gradcam(model, x[:3])
    sub = keras.Model(model.inputs[0], [model.get_layer("last_conv").output, model.get_layer("logits").output])
    with tf.GradientTape() as tape:
        maps, logits = sub(x[:3])
        picked = tf.gather(logits, attr.targets, axis=1, batch_dims=1)
    grads = tape.gradient(picked, maps).numpy()
    cam = np.maximum((grads.mean(axis=(1, 2), keepdims=True) * maps.numpy()).sum(-1), 0)
    np.testing.assert_allclose(attr.values, zoom(cam, (1, 2, 2), order=1), rtol=1e-4, atol=1e-6)


def test_gradcam_plus_plus_does_not_overflow_on_large_logits(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    big = keras.models.clone_model(model)
    big.set_weights(model.get_weights())
    kernel, bias = big.get_layer("logits").get_weights()
    big.get_layer("logits").set_weights([kernel * 20, bias * 20])  # logits well above 88: exp() overflows float32
    attr = explain.gradcam_plus_plus(big, x)
    assert np.all(np.isfinite(attr.values)) and np.all(attr.values.reshape(10, -1).max(1) > 0)


def test_cams_refuse_models_without_convolutions(digits):
    model, _, _ = linear_model()
    x, _ = digits
    for method in CAMS:
        with pytest.raises(ValueError, match="convolutional layer"):
            method(model, x)


def test_cam_layer_must_exist_and_hold_feature_maps(zoo, digits):
    model = zoo("mnist_cnn")
    x, _ = digits
    with pytest.raises(ValueError, match="name of a layer"):
        explain.gradcam(model, x, layer="conv9")
    with pytest.raises(ValueError, match="feature maps"):
        explain.gradcam(model, x, layer="dense")


def test_scorecam_prints_no_progress_bar(zoo, digits, capsys):
    explain.scorecam(zoo("mnist_cnn"), digits[0][:2])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_cams_accept_keras_sequential_models(digits):
    """tf-keras-vis cannot read Keras 3 Sequential models (no output_names); the explainers convert them."""
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    assert not hasattr(model, "output_names")
    for method in CAMS:
        attr = method(model, digits[0][:2])
        assert attr.params["layer"] == "conv" and attr.values.shape == (2, 28, 28)
