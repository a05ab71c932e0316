"""Class activation maps of convolutional image models: Grad-CAM, Grad-CAM++ and Score-CAM (tf-keras-vis).

A CAM weights the feature maps of one convolutional layer (``mnist_cnn``:
``last_conv``, 14x14) by how much each map matters to the target class, sums
them, keeps the positive part and resizes the result to 28x28 (bilinear). The
maps are therefore coarse (one value per 2x2 pixels here) and non-negative:
they say *where* the evidence is, not which pixel, and never what speaks
against the class. Values are left unnormalised; plots scale each map.
"""

import numpy as np
import tensorflow as tf
from keras import Model
from scipy.ndimage import zoom
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
from tf_keras_vis.scorecam import Scorecam

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


@c.explainer
def scorecam(model, inputs, targets=None, *, layer=None, batch_size=c.BATCH):
    """Score-CAM: feature maps weighted by the class probability of the image masked by each map.

    Wang et al. 2020, *Score-CAM: Score-Weighted Visual Explanations for
    Convolutional Neural Networks*. Gradient-free: each of the layer's feature
    maps, scaled to [0, 1] and resized to 28x28, masks the image, and the
    softmax probability of the target class for that masked image is the map's
    weight. Wraps :class:`tf_keras_vis.scorecam.Scorecam`, which applies the
    softmax itself, so it is given the model's ``logits`` (or its output as it is
    when there is no ``logits`` layer).

    Args:
        model, inputs, targets, layer: as for :func:`gradcam`.
        batch_size: masked images per model call (there are channels x n of them).
    """
    batch = c.image_batch(model, inputs, targets, "scorecam")
    name = conv_layer(model, layer, "scorecam")
    batch_size = c.positive_int(batch_size, "batch_size")
    fm = c.output_model(model, "logits")
    # tf-keras-vis calls model.predict with Keras' default progress bar; silence it on this private copy.
    fm.predict = lambda x, **kw: type(fm).predict(fm, x, **{**kw, "verbose": 0})
    cam = Scorecam(fm, clone=False)(
        c.target_score(batch.targets),
        batch.inputs,
        penultimate_layer=name,
        seek_penultimate_conv_layer=False,
        batch_size=batch_size,
        normalize_cam=False,
    )
    return c.image_attribution(np.asarray(cam), batch, "scorecam", layer=name)
