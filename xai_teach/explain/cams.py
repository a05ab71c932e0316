"""Class activation maps of convolutional image models: Grad-CAM, Grad-CAM++ and Score-CAM (as tf-keras-vis).

A CAM weights the feature maps of one convolutional layer (``mnist_cnn``:
``last_conv``, 14x14) by how much each map matters to the target class, sums
them, keeps the positive part and resizes the result to 28x28 (bilinear). The
maps are therefore coarse (one value per 2x2 pixels here) and non-negative:
they say *where* the evidence is, not which pixel, and never what speaks
against the class. Values are left unnormalised; plots scale each map.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import Model
from scipy.ndimage import zoom
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus

from .. import forward as fwd
from . import _common as c

CONV_TYPES = ("Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D")


def conv_layer(model, layer, method):
    """The name of the convolutional layer a CAM reads: ``layer``, else ``last_conv``, else the last Conv2D."""
    if layer is not None:
        if not isinstance(layer, str) or not c.has_layer(model, layer):
            names = [lay.name for lay in model.layers]
            raise ValueError(f"{method}: layer must be the name of a layer of {model.name} ({names}), got {layer!r}.")
        if len(model.get_layer(layer).output.shape) != 4:
            raise ValueError(f"{method}: layer {layer!r} must output (n, height, width, channels) feature maps.")
        return layer
    if c.has_layer(model, "last_conv"):
        return "last_conv"
    convs = [lay.name for lay in model.layers if type(lay).__name__ in CONV_TYPES]
    if not convs:
        raise ValueError(
            f"{method} needs a convolutional layer, and {model.name} has none; "
            "use saliency or integrated_gradients for models without convolutions."
        )
    return convs[-1]


def _gradcam_function(model, output, layer):
    """Compiled ``(images, targets) -> ReLU(sum_k mean(d score / d A_k) * A_k)`` on ``layer``'s maps, built once."""

    def build():
        both = Model(list(model.inputs), [fwd.head_tensor(model, output), model.get_layer(layer).output])

        def cam(x, targets):
            with tf.GradientTape() as tape:
                scores, maps = both([x], training=False)
                picked = tf.gather(scores, targets, axis=1, batch_dims=1)
            weights = tf.reduce_mean(tape.gradient(picked, maps), axis=(1, 2), keepdims=True)
            return tf.nn.relu(tf.reduce_sum(maps * weights, axis=-1))

        signature = [fwd.input_spec(model), tf.TensorSpec((None,), tf.int64)]
        return tf.function(cam, input_signature=signature, autograph=False)

    return fwd.compiled(model, ("gradcam", output, layer), build)


def _compiled_gradcam(model, batch, output, name):
    """Grad-CAM as tf-keras-vis computes it (same weights, ReLU and linear zoom to 28x28), compiled once per model."""
    fn = _gradcam_function(model, output, name)
    parts = []
    for start in range(0, len(batch), c.BATCH):
        x = tf.constant(batch.inputs[start : start + c.BATCH])
        parts.append(fn(x, tf.constant(batch.targets[start : start + c.BATCH], tf.int64)).numpy())
    cam = np.concatenate(parts)
    factors = tuple(float(t) / float(f) for f, t in zip(cam.shape, batch.inputs.shape))
    return zoom(cam, factors, order=1)


def _gradient_cam(cls, model, inputs, targets, layer, output, method):
    batch = c.image_batch(model, inputs, targets, method)
    c.choice(output, "output", c.OUTPUTS)
    name = conv_layer(model, layer, method)
    if cls is Gradcam:
        return c.image_attribution(_compiled_gradcam(model, batch, output, name), batch, method, layer=name)
    fm = c.output_model(model, output)
    cam = cls(fm, clone=False)(
        c.target_score(batch.targets, remove_exp=cls is GradcamPlusPlus),
        batch.inputs,
        penultimate_layer=name,
        seek_penultimate_conv_layer=False,
        normalize_cam=False,
    )
    return c.image_attribution(np.asarray(cam), batch, method, layer=name)


@c.explainer
def gradcam(model, inputs, targets=None, *, layer=None, output="logits"):
    """Grad-CAM: feature maps weighted by the mean gradient of the class score over each map.

    Selvaraju et al. 2017, *Grad-CAM: Visual Explanations from Deep Networks via
    Gradient-based Localization*. Computes exactly what :class:`tf_keras_vis.gradcam.Gradcam`
    does (a test compares them) in one compiled function per model and layer.

    Args:
        model: an MNIST model with a convolutional layer.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        layer: name of the convolutional layer to read; None takes ``last_conv`` or the last Conv2D.
        output: ``"logits"`` (default) or ``"probs"``: which score is differentiated.
    """
    return _gradient_cam(Gradcam, model, inputs, targets, layer, output, "gradcam")


@c.explainer
def gradcam_plus_plus(model, inputs, targets=None, *, layer=None, output="logits"):
    """Grad-CAM++: like Grad-CAM, with per-location weights from higher-order gradient terms.

    Chattopadhyay, Sarkar, Howlader & Balasubramanian 2018, *Grad-CAM++*. Wraps
    :class:`tf_keras_vis.gradcam_plus_plus.GradcamPlusPlus`. The exponential of the
    class score in the paper's formula only rescales each map by a positive
    constant; it is removed here so that maps do not overflow.

    Args:
        model, inputs, targets, layer, output: as for :func:`gradcam`.
    """
    return _gradient_cam(GradcamPlusPlus, model, inputs, targets, layer, output, "gradcam_plus_plus")


def _linear_zoom_matrix(size_in, size_out):
    """The (size_out, size_in) matrix of ``scipy.ndimage.zoom(order=1)`` along one axis (corners aligned)."""
    coords = np.arange(size_out) * ((size_in - 1) / (size_out - 1) if size_out > 1 else 0.0)
    low = np.minimum(np.floor(coords).astype(int), size_in - 1)
    high = np.minimum(low + 1, size_in - 1)
    frac = coords - low
    matrix = np.zeros((size_out, size_in))
    matrix[np.arange(size_out), low] += 1 - frac
    matrix[np.arange(size_out), high] += frac
    return matrix.astype(np.float32)


def _scorecam_function(model, layer):
    """Compiled ``(images, targets) -> ReLU(sum_k softmax(f(x * norm(up(A_k))))[target] * A_k)`` on ``layer``.

    Score-CAM as :class:`tf_keras_vis.scorecam.Scorecam` computes it, in one graph:
    each feature map is resized to the input (linear, corners aligned, as
    ``scipy.ndimage.zoom(order=1)``), scaled to [0, 1] per image and map, masks
    the image, and the target's softmax probability of the masked image is the
    map's weight. Built once per model and layer.
    """

    def build():
        maps_model = Model(list(model.inputs), model.get_layer(layer).output)
        logits = fwd.head(model, "logits")
        height, width = (int(d) for d in model.get_layer(layer).output.shape[1:3])
        size = tuple(int(d) for d in model.inputs[0].shape[1:])
        rows = tf.constant(_linear_zoom_matrix(height, size[0]))
        cols = tf.constant(_linear_zoom_matrix(width, size[1]))

        def cam(x, targets):
            maps = maps_model([x], training=False)
            up = tf.einsum("Hh,nhwc,Ww->ncHW", rows, maps, cols)
            low = tf.reduce_min(up, axis=(2, 3), keepdims=True)
            high = tf.reduce_max(up, axis=(2, 3), keepdims=True)
            masks = (up - low) / (high - low + keras.config.epsilon())
            masked = x[:, None] * masks[..., None]  # (n, channels, H, W, input channels)
            scores = logits([tf.reshape(masked, (-1,) + size)], training=False)
            probs = tf.nn.softmax(tf.reshape(scores, (tf.shape(x)[0], tf.shape(maps)[-1], -1)))
            weights = tf.gather(probs, targets, axis=2, batch_dims=1)  # (n, channels)
            return tf.nn.relu(tf.einsum("nhwc,nc->nhw", maps, weights))

        signature = [fwd.input_spec(model), tf.TensorSpec((None,), tf.int64)]
        return tf.function(cam, input_signature=signature, autograph=False)

    return fwd.compiled(model, ("scorecam", layer), build)


@c.explainer
def scorecam(model, inputs, targets=None, *, layer=None, batch_size=c.BATCH):
    """Score-CAM: feature maps weighted by the class probability of the image masked by each map.

    Wang et al. 2020, *Score-CAM: Score-Weighted Visual Explanations for
    Convolutional Neural Networks*. Gradient-free: each of the layer's feature
    maps, scaled to [0, 1] and resized to 28x28, masks the image, and the
    softmax probability of the target class for that masked image is the map's
    weight. Computes exactly what :class:`tf_keras_vis.scorecam.Scorecam` does
    (a test compares them) in one compiled function per model and layer; like
    it, the softmax is applied to the model's ``logits`` (or to its output as it
    is when there is no ``logits`` layer).

    Args:
        model, inputs, targets, layer: as for :func:`gradcam`.
        batch_size: masked images per model call (there are channels x n of them; a call
            takes ``batch_size // channels`` images, at least one).
    """
    batch = c.image_batch(model, inputs, targets, "scorecam")
    name = conv_layer(model, layer, "scorecam")
    batch_size = c.positive_int(batch_size, "batch_size")
    fn = _scorecam_function(model, name)
    per_call = max(1, batch_size // int(model.get_layer(name).output.shape[-1]))
    parts = []
    for start in range(0, len(batch), per_call):
        x = tf.constant(batch.inputs[start : start + per_call])
        parts.append(fn(x, tf.constant(batch.targets[start : start + per_call], tf.int64)).numpy())
    cam = np.concatenate(parts)
    factors = tuple(float(t) / float(f) for f, t in zip(cam.shape, batch.inputs.shape))
    return c.image_attribution(zoom(cam, factors, order=1), batch, "scorecam", layer=name)
