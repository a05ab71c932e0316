r"""The SENN model: concepts :math:`h(x)`, relevances :math:`\theta(x)` and the additive aggregator, in Keras 3.

.. math:: f(x) = g\big(\theta_1(x) h_1(x), \dots, \theta_k(x) h_k(x)\big), \qquad
          f_c(x) = \operatorname{softmax}_c\Big(\sum_{i=1}^{k} \theta_{ic}(x)\, h_i(x)\Big)

A :class:`SENN` is a functional Keras model (so explainers and metrics see
``model.inputs``, ``model.get_layer``) whose layers are named for what they are:

==============  ==========================================================================
layer           what it computes
==============  ==========================================================================
``image``       the input: float images (n, 28, 28, 1) in [0, 1]
``concepts``    :math:`h(x)`, shape (n, k): a small conv encoder, or pooled pixels
``relevances``  :math:`\theta(x)`, shape (n, k, 10): a conv net, one relevance per concept and class
``logits``      :math:`\sum_i \theta_{ic}(x) h_i(x)`, shape (n, 10) (the aggregator, before softmax)
``probs``       the softmax of the logits
==============  ==========================================================================

The decoder (concepts back to images, only used by the reconstruction loss) is
kept as ``model.decoder`` and saved with the model. Training (the custom
:meth:`SENN.train_step`) is explained in :mod:`xai_teach.senn.training`.
"""

import keras
import tensorflow as tf
from keras import layers, ops

from .. import checks

CLASSES = 10  #: MNIST digit classes
KINDS = ("concepts", "pixels")  #: learned concepts (the paper's SENN) or pooled pixels as concepts


@keras.saving.register_keras_serializable(package="xai_teach")
class Aggregate(layers.Layer):
    r"""The additive aggregator without its softmax: :math:`\text{logit}_c = \sum_i \theta_{ic} h_i`."""

    def call(self, inputs):
        h, theta = inputs
        return ops.einsum("nk,nkc->nc", h, theta)


def concept_encoder(k):
    """h: two 5x5 convolutions and a dense layer to ``k`` unbounded concept activations (the paper's MNIST h)."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(10, 5, activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(20, 5, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    return keras.Model(image, layers.Dense(k, name="h")(layers.Flatten()(x)), name="concepts")


def concept_decoder(k):
    """Concepts back to a 28x28 image; it exists only for the reconstruction part of the concept loss."""
    h = keras.Input((k,), name="concepts")
    x = layers.Dense(7 * 7 * 16, activation="relu", name="dense")(h)
    x = layers.Reshape((7, 7, 16))(x)
    x = layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu", name="up1")(x)
    x = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid", name="up2")(x)
    return keras.Model(h, x, name="decoder")


def pixel_concepts(pool):
    """h as the identity on pixels, average-pooled ``pool`` x ``pool`` (``pool=1``: all 784 pixels)."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.AveragePooling2D(pool, name="downsample")(image) if pool > 1 else image
    return keras.Model(image, layers.Flatten(name="h")(x), name="concepts")


def parametrizer(k, width=8, hidden=64):
    r""":math:`\theta(x)`: a LeNet-style conv net with a (k, 10) output: one relevance per concept and class."""
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(width, 5, activation="relu", name="conv1")(image)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(2 * width, 5, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Dense(hidden, activation="relu", name="dense")(layers.Flatten()(x))
    theta = layers.Reshape((k, CLASSES))(layers.Dense(k * CLASSES, name="theta")(x))
    return keras.Model(image, theta, name="relevances")


def _positive_int(value, name):
    return checks.positive_int(value, name)


def _weight(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a float >= 0, got {value!r}.")
    return float(value)


def build(kind="concepts", k=5, pool=2, width=8, robustness=1e-4, xi=2e-5, sparsity=1.0, seed=None):
    r"""Build an untrained :class:`SENN` for MNIST.

    Args:
        kind: ``"concepts"`` learns ``k`` concepts with a conv encoder and a decoder
            (the paper's MNIST SENN); ``"pixels"`` takes pooled pixels as the concepts,
            so :math:`\theta(x)` is a per-pixel, per-class linear model (comparable to a saliency map).
        k: number of learned concepts (``kind="concepts"``; the paper uses 5).
        pool: ``kind="pixels"``: side of the average-pooling window; 2 gives 14x14 = 196 concepts.
        width: filters of the parametrizer's first convolution (the second has twice as many).
        robustness: :math:`\lambda`, weight of the robustness penalty (see :mod:`~xai_teach.senn.training`).
        xi: :math:`\xi`, weight of the concept loss (reconstruction + sparsity; ``kind="concepts"`` only).
        sparsity: weight of the L1 sparsity of the concepts relative to the reconstruction error.
        seed: seeds the initial weights (None: Keras' global seed).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
    _positive_int(width, "width")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be an int >= 0 or None, got {seed!r}.")
        keras.utils.set_random_seed(seed)
    if kind == "concepts":
        encoder, decoder = concept_encoder(_positive_int(k, "k")), concept_decoder(k)
    else:
        if 28 % _positive_int(pool, "pool"):
            raise ValueError(f"pool must divide 28 (1, 2, 4, 7, 14), got {pool}.")
        encoder, decoder = pixel_concepts(pool), None
        k = (28 // pool) ** 2
    image = keras.Input((28, 28, 1), name="image")
    h, theta = encoder(image), parametrizer(k, width)(image)
    logits = Aggregate(name="logits")([h, theta])
    return SENN(
        image,
        layers.Softmax(name="probs")(logits),
        name=f"senn_{kind}",
        decoder=decoder,
        kind=kind,
        robustness=_weight(robustness, "robustness"),
        xi=_weight(xi, "xi"),
        sparsity=_weight(sparsity, "sparsity"),
    )


def check_senn(model):
    """Return ``model`` if it is a SENN, else raise a TypeError that says where to get one."""
    if not isinstance(model, SENN):
        raise TypeError(
            "model must be a SENN (from xai_teach.senn.build or train, or models.load_pretrained('mnist_senn')), "
            f"got {type(model).__name__}."
        )
    return model


def penalty_terms(model, x, training=False, penalty=True):
    r"""Concepts, relevances, logits and the robustness residual of a SENN for a batch ``x``.

    The residual is :math:`\nabla_x f(x) - \theta(x)^\top J_x h(x)` for all 10 classes,
    with :math:`f` the **logits**. By the product rule,
    :math:`\nabla_x f_c = \sum_i \theta_{ic} \nabla_x h_i + \sum_i h_i \nabla_x \theta_{ic}`, so the
    residual equals :math:`\sum_i h_i(x) \nabla_x \theta_{ic}(x)`: the Jacobian of the logits
    with :math:`h` held fixed. That needs one ``batch_jacobian`` (10 outputs) through
    :math:`\theta` only and no Jacobian of :math:`h` at all.

    Returns:
        ``(h, theta, logits, residual)`` as tensors; ``residual`` is (n, 10, 28, 28, 1), or None
        when ``penalty`` is False.
    """
    return _terms(*parts(model), x, training, penalty)


def parts(model):
    """The layers the loss needs: the concept encoder, the relevance network and the aggregator."""
    return tuple(model.get_layer(n) for n in ("concepts", "relevances", "logits"))


def _terms(encoder, relevance_net, aggregate, x, training, penalty):
    h = encoder(x, training=training)  # computed outside the inner tape: a constant to it
    if not penalty:
        theta = relevance_net(x, training=training)
        return h, theta, aggregate([h, theta]), None
    with tf.GradientTape() as tape:
        tape.watch(x)
        theta = relevance_net(x, training=training)
        logits = aggregate([h, theta])
    return h, theta, logits, tape.batch_jacobian(logits, x)


def penalty_norm(residual):
    """Per-input Frobenius norm of the residual over classes and pixels: shape (n,).

    Written so that an exactly zero residual has norm 0 *and* gradient 0 (the
    gradient of a plain norm is NaN there, which would poison training).
    """
    squares = tf.reduce_sum(tf.square(tf.reshape(residual, (tf.shape(residual)[0], -1))), axis=1)
    positive = squares > 0
    return tf.where(positive, tf.sqrt(tf.where(positive, squares, 1.0)), 0.0)


@keras.saving.register_keras_serializable(package="xai_teach")
class SENN(keras.Model):
    r"""A self-explaining neural network (Alvarez-Melis & Jaakkola 2018) as a functional Keras model.

    Built by :func:`build`; ``model(x)`` returns (n, 10) probabilities. ``fit`` minimises

    .. math:: \mathcal{L} = \mathcal{L}_{\text{CE}}(f(x), y) + \lambda\, \mathcal{L}_\theta(f)
              + \xi\, \big(\lVert x - \hat x \rVert_2^2 + s \lVert h(x) \rVert_1\big)

    with :math:`\mathcal{L}_\theta(f) = \lVert \nabla_x f(x) - \theta(x)^\top J_x h(x) \rVert_F`
    (:func:`penalty_terms`). Every term is averaged over the batch.

    Attributes:
        decoder: concepts -> images, used by the concept loss (None for ``kind="pixels"``).
        kind: ``"concepts"`` or ``"pixels"``.
        robustness: :math:`\lambda`; xi: :math:`\xi`; sparsity: :math:`s`. They are read when
            training starts (change them, then ``compile`` again).
    """

    def __init__(self, *args, decoder=None, kind="concepts", robustness=1e-4, xi=2e-5, sparsity=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(decoder, dict):
            decoder = keras.saving.deserialize_keras_object(decoder)
        self.decoder, self.kind = decoder, kind
        self.robustness, self.xi, self.sparsity = float(robustness), float(xi), float(sparsity)
        names = ("loss", "cross_entropy", "robustness_penalty", "concept_loss", "accuracy")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}

    def get_config(self):
        decoder = None if self.decoder is None else keras.saving.serialize_keras_object(self.decoder)
        extra = {"kind": self.kind, "robustness": self.robustness, "xi": self.xi, "sparsity": self.sparsity}
        return {**super().get_config(), "decoder": decoder, **extra}

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def concept_count(self):
        """k: the number of concepts."""
        return int(self.get_layer("concepts").output.shape[-1])

    def training_variables(self):
        """Every weight the loss trains: the prediction graph's, and the decoder's when the concept loss is on."""
        extra = self.decoder.trainable_variables if self.decoder is not None and self.xi > 0 else []
        return self.trainable_variables + extra

    def losses_for(self, x, y, training=True):
        """The loss terms for one batch, as a dict of scalar tensors (``loss`` is their weighted sum)."""
        h, _, logits, residual = penalty_terms(self, x, training=training, penalty=self.robustness > 0)
        ce = ops.mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        terms = {"cross_entropy": ce, "robustness_penalty": ops.zeros(()), "concept_loss": ops.zeros(())}
        if residual is not None:
            terms["robustness_penalty"] = ops.mean(penalty_norm(residual))
        if self.decoder is not None and self.xi > 0:
            recon = self.decoder(h, training=training)
            sse = ops.sum(ops.square(ops.reshape(x - recon, (ops.shape(x)[0], -1))), axis=1)
            terms["concept_loss"] = ops.mean(sse) + self.sparsity * ops.mean(ops.sum(ops.abs(h), axis=1))
        terms["loss"] = ce + self.robustness * terms["robustness_penalty"] + self.xi * terms["concept_loss"]
        terms["accuracy"] = ops.mean(ops.cast(ops.equal(ops.argmax(logits, axis=1), ops.cast(y, "int64")), "float32"))
        return terms

    def train_step(self, data):
        x, y = data
        variables = self.training_variables()
        with tf.GradientTape() as tape:
            terms = self.losses_for(x, y, training=True)
        self.optimizer.apply_gradients(zip(tape.gradient(terms["loss"], variables), variables))
        return self._track(terms)

    def test_step(self, data):
        x, y = data
        return self._track(self.losses_for(x, y, training=False))

    def _track(self, terms):
        for name, tracker in self.trackers.items():
            tracker.update_state(terms[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}
