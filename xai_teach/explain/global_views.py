"""Global views of MNIST models: weight templates, activation maximization, global SHAP, class prototypes.

These describe a model as a whole rather than one prediction. They keep the
call shape ``(model, inputs, targets=None, **params)`` where it means
something: ``inputs`` is a dataset (global SHAP, prototypes), starting images
(activation maximization) or may be None (weight templates), and ``targets``
picks classes.
"""

import keras
import numpy as np
import tensorflow as tf
from tf_keras_vis.activation_maximization import ActivationMaximization
from tf_keras_vis.activation_maximization.input_modifiers import Jitter
from tf_keras_vis.activation_maximization.regularizers import Norm, TotalVariation2D

from .. import checks
from . import _common as c
from .attribution import Attribution
from .prototypes import Prototypes
from .shapley import shap_gradient

LINEAR_LAYERS = {"InputLayer", "Flatten", "Reshape", "Dense", "Softmax", "Activation"}


def _classes(model):
    return int(model.outputs[0].shape[-1])


def _class_list(targets, classes, name="targets"):
    """None -> every class; an int or a sequence of ints -> those classes, checked."""
    if targets is None:
        return np.arange(classes)
    wanted = np.atleast_1d(np.asarray(targets))
    return checks.targets(wanted, np.zeros((len(wanted), classes)))


# --------------------------------------------------------------------------- weights of a linear model


def linear_dense(model):
    """The one Dense layer of a linear image model (pixels -> logits), or a ValueError saying why not."""
    kinds = {layer.name: type(layer).__name__ for layer in model.layers}
    other = [f"{n} ({k})" for n, k in kinds.items() if k not in LINEAR_LAYERS]
    dense = [model.get_layer(n) for n, k in kinds.items() if k == "Dense"]
    if other or len(dense) != 1 or dense[0].activation.__name__ not in ("linear", "softmax"):
        raise ValueError(
            f"linear_weights reads the weights of a linear model (pixels -> one Dense layer -> softmax); "
            f"{model.name} is not one ({', '.join(other) or f'{len(dense)} Dense layers'}). "
            "For other models use global_shap, activation_maximization or class_prototypes."
        )
    return dense[0]


@c.explainer
def linear_weights(model, inputs=None, targets=None):
    """The weight template of each class of a linear model, or each pixel's exact contribution to a logit.

    ``mnist_linear`` computes ``logit_c = sum_i W[i, c] x_i + b_c``. With
    ``inputs=None`` the result has one row per class (``targets``: which classes,
    default all) holding the template ``W[:, c]`` as a 28x28 image (inputs are
    blank images). With images, row i holds ``W[:, c] * x_i``: the exact
    contribution of every pixel to the logit of class ``c = targets[i]``
    (default: the predicted class); they add up to ``logit_c - b_c``.

    Args:
        model: a linear image model such as ``mnist_linear``.
        inputs: None for the templates, or images (n, 28, 28, 1) for their contributions.
        targets: classes (templates) or the class per image (contributions).
    """
    c.require_image_model(model, "linear_weights")
    kernel = linear_dense(model).kernel.numpy().astype(np.float64)
    if inputs is None:
        t = _class_list(targets, kernel.shape[1])
        blank = np.zeros((len(t),) + checks.IMAGE_SHAPE, dtype=np.float32)
        return Attribution(kernel[:, t].T.reshape(-1, 28, 28), blank, t, "linear_weights")
    batch = c.image_batch(model, inputs, targets, "linear_weights")
    values = kernel[:, batch.targets].T.reshape(-1, 28, 28) * batch.inputs[..., 0]
    return c.image_attribution(values, batch, "linear_weights")


# --------------------------------------------------------------------------- activation maximization


@c.explainer
def activation_maximization(
    model,
    inputs=None,
    targets=None,
    *,
    steps=100,
    learning_rate=0.05,
    tv_weight=1.0,
    l2_weight=0.3,
    jitter=0,
    output="probs",
    random_state=0,
):
    """Images synthesised to maximise a class: what the model "looks for" (tf-keras-vis ActivationMaximization).

    Starting from a faint grey image, gradient ascent (Adam) changes the pixels,
    kept in [0, 1], to raise the class score minus two regularisers: total
    variation (favours smooth images) and the L2 norm (favours little ink).
    ``values`` and ``inputs`` both hold the synthesised images. A CNN's images
    are textures it classifies with near certainty, not digits a person would
    recognise: a global view, not transparency.

    Args:
        model: an MNIST model.
        inputs: starting images (n, 28, 28, 1); None: one faint grey image per class with
            a little noise drawn from ``random_state``.
        targets: class per image; None: every class when ``inputs`` is None, else the
            class predicted for each starting image.
        steps: gradient-ascent steps (more: stronger, slower).
        learning_rate: Adam's step size.
        tv_weight: weight of the total-variation regulariser (larger: smoother, blurrier).
        l2_weight: weight of the L2-norm regulariser (larger: less ink).
        jitter: random shift in pixels applied at each step (0: none; tf-keras-vis's Jitter).
        output: ``"probs"`` (default) maximises the log-probability, which also pushes the
            other classes down; ``"logits"`` maximises the pre-softmax score alone, which more
            ink can raise for every class at once.
        random_state: seed of the starting noise and of the jitter.
    """
    c.require_image_model(model, "activation_maximization")
    c.choice(output, "output", c.OUTPUTS)
    steps = c.positive_int(steps, "steps", high=c.MAX_DRAWS)
    lr = c.number(learning_rate, "learning_rate", 0, low_open=True)
    tv = c.number(tv_weight, "tv_weight", 0)
    l2 = c.number(l2_weight, "l2_weight", 0)
    jitter = c.positive_int(jitter, "jitter", 0, 14)
    seed = c.seed(random_state)
    if inputs is None:
        t = _class_list(targets, _classes(model))
        noise = np.random.default_rng(seed).normal(0.0, 0.01, (len(t),) + checks.IMAGE_SHAPE)
        start = np.clip(0.1 + noise, 0, 1).astype(np.float32)
    else:
        batch = c.image_batch(model, inputs, targets, "activation_maximization")
        start, t = batch.inputs, batch.targets
    picked = tf.constant(t)

    def score(out):
        out = tf.nn.log_softmax(out) if output == "probs" else out
        return tf.gather(out, picked, axis=1, batch_dims=1)

    modifiers = ([Jitter(jitter=jitter)] if jitter else []) + [lambda x: tf.clip_by_value(x, 0.0, 1.0)]
    with c.numpy_global_seed(seed):
        images = ActivationMaximization(c.output_model(model, "logits"), clone=False)(
            score,
            seed_input=start,
            input_range=(0.0, 1.0),
            input_modifiers=modifiers,
            regularizers=[TotalVariation2D(weight=tv), Norm(weight=l2, p=2)],
            steps=steps,
            optimizer=keras.optimizers.Adam(lr),
        )
    images = np.asarray(images, dtype=np.float32)
    probs = c.forward(model, images)
    return Attribution(images[..., 0], images, t, "activation_maximization", probs=probs)


# --------------------------------------------------------------------------- dataset summaries


@c.explainer
def global_shap(
    model,
    inputs,
    targets=None,
    *,
    background=None,
    background_size=None,
    nsamples=100,
    random_state=0,
    batch_size=c.BATCH,
):
    """Mean |SHAP| map per class over a dataset: which pixels matter to each class overall.

    Every image is explained for its class with :func:`shap_gradient`; the
    result has one row per class c: the mean of ``|values|`` over the images of
    class c (``values``) and their mean image (``inputs``). Every class must
    have at least one image.

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), e.g. some test digits of every class.
        targets: the class of each image (e.g. the true labels); None: the predicted class.
        background, background_size, random_state, batch_size: as for :func:`shap_gradient`.
        nsamples: gradient samples per image (the cost is n x nsamples gradients).
    """
    local = shap_gradient(
        model,
        inputs,
        targets,
        background=background,
        background_size=background_size,
        nsamples=nsamples,
        random_state=random_state,
        batch_size=batch_size,
    )
    classes = _classes(model)
    missing = sorted(set(range(classes)) - set(local.targets.tolist()))
    if missing:
        raise ValueError(f"global_shap needs images of every class; none of the inputs is of class {missing}.")
    members = [local.targets == k for k in range(classes)]
    values = np.stack([np.abs(local.values[m]).mean(axis=0) for m in members])
    means = np.stack([local.inputs[m].mean(axis=0) for m in members])
    counts = [int(m.sum()) for m in members]
    return Attribution(values, means, np.arange(classes), "global_shap", {"images_per_class": counts})


@c.explainer
def class_prototypes(model, inputs, targets=None, *, top=5, output="probs"):
    """For each class, the ``top`` images of a dataset to which the model gives the highest output for that class.

    Returns a :class:`Prototypes` (images, dataset indices and scores per class,
    with ``plot()`` and ``to_frame()``), not an Attribution: prototypes are whole
    images, not values per pixel.

    Args:
        model: an MNIST model.
        inputs: the images to search (n, 28, 28, 1), e.g. the test set.
        targets: the classes to find prototypes for (an int or a list); None: every class.
        top: prototypes per class.
        output: ``"probs"`` (default) ranks by probability, ``"logits"`` by pre-softmax score
            (which still separates images that all get p ~ 1).
    """
    c.require_image_model(model, "class_prototypes")
    x = checks.image_batch(inputs)
    top = c.positive_int(top, "top", 1, len(x))
    scores = c.forward(model, x, c.choice(output, "output", c.OUTPUTS))
    checks.probabilities(scores, len(x))
    classes = _class_list(targets, scores.shape[1])
    order = np.argsort(-scores[:, classes], axis=0, kind="stable")[:top].T
    params = {"top": top, "output": output}
    scores = np.take_along_axis(scores[:, classes].T, order, axis=1)
    return Prototypes(np.asarray(classes), order, x[order], scores, "class", params, "class_prototypes")
