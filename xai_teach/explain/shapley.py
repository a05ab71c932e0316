"""SHAP explanations of image models: GradientExplainer, DeepExplainer and the Partition explainer.

SHAP values (Lundberg & Lee 2017, *A Unified Approach to Interpreting Model
Predictions*) split ``f_c(x) - E[f_c(background)]`` among the pixels. What a
pixel is compared with is the **background**: a set of reference images (by
default ``background_size`` training digits drawn with ``random_state``).
A different background answers a different question.

- :func:`shap_gradient` (``shap.GradientExplainer``): expected gradients,
  integrated gradients averaged over baselines drawn from the background.
- :func:`shap_deep` (``shap.DeepExplainer``): DeepLIFT's rescale rule averaged
  over the background; exact additivity, but only for plain layer types.
- :func:`shap_partition` (``shap.Explainer`` with an image masker): Owen values
  of hierarchical pixel groups, computed by masking the image; model-agnostic.

The gradient-based two explain the **logits** by default (``output="logits"``),
the masking one the **probability** (``output="probs"``), like the other
gradient and perturbation methods.
"""

import contextlib
import functools
import re
import warnings

import keras
import numpy as np
import shap

from .. import checks, data
from .. import forward as fwd
from . import _common as c

# Layer types and activations for which shap's DeepExplainer (TF) has rules; checked before it runs.
DEEP_LAYERS = {
    "InputLayer",
    "Conv1D",
    "Conv2D",
    "Dense",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "Flatten",
    "Reshape",
    "Dropout",
    "ReLU",
    "Activation",
    "Softmax",
    "ZeroPadding2D",
}
DEEP_ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus"}
MASKER_PATTERN = re.compile(r"inpaint_telea|inpaint_ns|blur\(\d+,\s*\d+\)")


@functools.cache
def _training_digits():
    return data.load_mnist()[0][0]


def background_images(background, background_size, random_state):
    """The reference images: ``background_size`` drawn without replacement from ``background``.

    ``background=None`` draws from the embedded MNIST training digits
    (``background_size=None`` then means 100); a given ``background`` is used
    whole when ``background_size`` is None.
    """
    rng = np.random.default_rng(c.seed(random_state))
    if background is None:
        pool, size = _training_digits(), 100 if background_size is None else background_size
    else:
        pool, size = checks.image_batch(background, "background"), background_size
        if size is None:
            return pool
    size = c.positive_int(size, "background_size")
    if size > len(pool):
        raise ValueError(f"background_size={size} but the background holds only {len(pool)} images.")
    return pool[np.sort(rng.choice(len(pool), size, replace=False))]


@c.explainer
def shap_gradient(
    model,
    inputs,
    targets=None,
    *,
    background=None,
    background_size=None,
    nsamples=200,
    output="logits",
    random_state=0,
    batch_size=c.BATCH,
):
    r"""SHAP GradientExplainer (expected gradients): integrated gradients averaged over background images.

    For each image, ``nsamples`` points :math:`b + \alpha (x - b)` are drawn with a
    random background image :math:`b` and :math:`\alpha \sim U(0, 1)`, and
    :math:`\phi = \mathrm{mean}[\nabla f_c \cdot (x - b)]`. On a linear model
    :math:`\phi = W_c \odot (x - \bar b)` up to sampling error, with
    :math:`\bar b` the mean of the drawn background images.

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        background: reference images (n_b, 28, 28, 1); None: training digits.
        background_size: how many background images to use (None: 100 training digits,
            or all of ``background``). Larger: less variance, same cost per sample.
        nsamples: gradient samples per image (more: less sampling noise, slower).
        output: ``"logits"`` (default) or ``"probs"``: which score is explained.
        random_state: seed of the background draw and of shap's sampling.
        batch_size: gradient samples per model call.
    """
    batch = c.image_batch(model, inputs, targets, "shap_gradient")
    bg = background_images(background, background_size, random_state)
    nsamples = c.positive_int(nsamples, "nsamples", high=c.MAX_DRAWS)
    batch_size = c.positive_int(batch_size, "batch_size")
    explainer = shap.GradientExplainer(c.output_model(model, output), bg, batch_size=batch_size)
    with c.numpy_global_seed(c.seed(random_state)):
        values, _ = explainer.shap_values(
            batch.inputs,
            nsamples=nsamples,
            ranked_outputs=batch.targets[:, None],
            output_rank_order="custom",
            rseed=None if random_state is None else int(random_state),
        )
    return c.image_attribution(np.asarray(values)[..., 0], batch, "shap_gradient", background_size=len(bg))


# --------------------------------------------------------------------------- DeepExplainer


def deep_support(model):
    """Raise a ValueError naming every layer shap's DeepExplainer cannot handle; return None if all is well."""
    if fwd.is_text_model(model):
        raise ValueError(
            f"shap_deep cannot explain {model.name}: it takes strings (and embeds integer word ids), which "
            "shap's DeepExplainer cannot differentiate. Use shap_text, or shap_gradient on images."
        )
    bad = []
    for layer in model.layers:
        kind = type(layer).__name__
        act = getattr(getattr(layer, "activation", None), "__name__", "linear")
        if kind not in DEEP_LAYERS:
            bad.append(f"{layer.name} ({kind})")
        elif act not in DEEP_ACTIVATIONS:
            bad.append(f"{layer.name} ({kind} with activation {act})")
    if bad:
        raise ValueError(
            f"shap_deep cannot explain {model.name}: shap's DeepExplainer has no rule for {', '.join(bad)} "
            "(attention, LayerNormalization, embeddings and recurrent layers are not supported, and a failed "
            "run leaves TensorFlow's gradient registry patched). Use shap_gradient instead."
        )


@contextlib.contextmanager
def _restore_tensorflow_gradients():
    """Undo the patch shap's DeepExplainer leaves on TensorFlow's eager gradient recorder when it fails midway."""
    from tensorflow.python.eager import execute

    original = execute.record_gradient
    try:
        yield
    finally:
        execute.record_gradient = original


class _Pick(keras.layers.Layer):
    """Keep column ``index`` of a (n, classes) output as (n, 1)."""

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = index

    def call(self, x):
        return x[:, self.index : self.index + 1]


@c.explainer
def shap_deep(model, inputs, targets=None, *, background=None, background_size=None, output="logits", random_state=0):
    r"""SHAP DeepExplainer (DeepLIFT rescale rule averaged over background images).

    Shrikumar, Greenside & Kundaje 2017 (DeepLIFT) and Lundberg & Lee 2017. The
    values add up exactly to :math:`f_c(x) - \mathrm{mean}_b f_c(b)` (checked
    here); the result's ``base_values`` hold :math:`\mathrm{mean}_b f_c(b)`. Only
    plain layer types are supported (Conv, Dense, pooling, Flatten, Dropout,
    Softmax and the usual activations); any other model is refused before shap runs, with a message naming the layers: use :func:`shap_gradient`
    for those. Cost: one gradient pass over ``2 * background_size`` images per
    input, plus one graph trace per target class.

    Args:
        model: an MNIST model built from the supported layers (``mnist_linear``, ``mnist_cnn``).
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        background: reference images (n_b, 28, 28, 1); None: training digits.
        background_size: how many background images to use (None: 100 training digits,
            or all of ``background``).
        output: ``"logits"`` (default) or ``"probs"``: which score is explained.
        random_state: seed of the background draw (DeepExplainer itself is deterministic).
    """
    c.require_model(model, "shap_deep")
    deep_support(model)
    batch = c.image_batch(model, inputs, targets, "shap_deep")
    bg = background_images(background, background_size, random_state)
    fm = c.output_model(model, output)
    values = np.empty(batch.inputs.shape, dtype=np.float64)
    expected = np.empty(len(batch))
    for target in np.unique(batch.targets):
        idx = np.flatnonzero(batch.targets == target)
        one = keras.Model(fm.inputs, _Pick(int(target))(fm.outputs[0]))
        with _restore_tensorflow_gradients(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Your TensorFlow version is newer than 2.4.0")
            explainer = shap.DeepExplainer(one, bg)
            phi = explainer.shap_values(batch.inputs[idx], check_additivity=False)
        values[idx] = np.asarray(phi)[..., 0]
        expected[idx] = np.asarray(explainer.expected_value).ravel()[0]
    gap = values.reshape(len(batch), -1).sum(1) - (
        c.target_outputs(model, batch.inputs, batch.targets, output) - expected
    )
    scale = np.abs(expected).max() + 1.0
    if np.abs(gap).max() > 1e-3 * scale:
        raise RuntimeError(
            f"shap_deep: the DeepExplainer values miss f(x) - E[f(background)] by up to {np.abs(gap).max():.3g}; "
            "some operation of this model has no DeepLIFT rule in shap. Use shap_gradient instead."
        )
    return c.image_attribution(values, batch, "shap_deep", base_values=expected, background_size=len(bg))


# --------------------------------------------------------------------------- Partition explainer


def _masker(masker):
    if isinstance(masker, str):
        if not MASKER_PATTERN.fullmatch(masker):
            raise ValueError(
                f"masker must be a grey level in [0, 1] or one of shap's 'inpaint_telea', 'inpaint_ns', "
                f"'blur(k,k)'; got {masker!r}."
            )
        return shap.maskers.Image(masker, checks.IMAGE_SHAPE)
    value = c.number(masker, "masker", 0, 1)
    return shap.maskers.Image(np.full(checks.IMAGE_SHAPE, value, dtype=np.float32), checks.IMAGE_SHAPE)


@c.explainer
def shap_partition(
    model, inputs, targets=None, *, masker=0.0, max_evals=500, output="probs", random_state=0, batch_size=500
):
    """SHAP Partition explainer: Owen values of nested pixel groups, found by masking the image.

    ``shap.Explainer`` with a ``shap.maskers.Image`` masker: pixels are grouped
    into a hierarchy of rectangles; masking groups (and recursing into the
    groups that change the output most, up to ``max_evals`` model calls per
    image) gives values that add up to ``f_c(x) - f_c(fully masked image)``; the
    result's ``base_values`` hold ``f_c(fully masked image)``.

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        masker: what a masked pixel becomes: a grey level in [0, 1] (default 0: no ink), or
            shap's ``"blur(k,k)"``, ``"inpaint_telea"``, ``"inpaint_ns"`` (these need OpenCV).
        max_evals: masked images evaluated per input (more: finer groups, slower).
        output: ``"probs"`` (default) or ``"logits"``: which score is explained.
        random_state: seed of shap's tie-breaking between equally promising groups.
        batch_size: masked images per model call.

    The first call in a Python session also compiles shap's numba code (several seconds).
    """
    batch = c.image_batch(model, inputs, targets, "shap_partition")
    max_evals = c.positive_int(max_evals, "max_evals", low=10, high=c.MAX_DRAWS)
    batch_size = c.positive_int(batch_size, "batch_size")
    c.choice(output, "output", c.OUTPUTS)
    explainer = shap.Explainer(
        lambda x: c.forward(model, x, output, batch_size), _masker(masker), algorithm="partition"
    )
    values = np.empty(batch.inputs.shape, dtype=np.float64)
    base = np.empty(len(batch))
    with c.numpy_global_seed(c.seed(random_state)):
        for target in np.unique(batch.targets):
            idx = np.flatnonzero(batch.targets == target)
            out = explainer(
                batch.inputs[idx], max_evals=max_evals, batch_size=batch_size, outputs=np.array([target]), silent=True
            )
            values[idx] = out.values[..., 0]
            base[idx] = np.asarray(out.base_values).reshape(len(idx), -1)[:, 0]
    return c.image_attribution(values, batch, "shap_partition", base_values=base)
