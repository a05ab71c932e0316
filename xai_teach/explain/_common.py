"""The prologue and epilogue every explainer shares: checked inputs, one batched forward pass, targets, parameters.

Each explainer is a plain function decorated with :func:`explainer`, which
refuses unknown parameters with a message that lists the known ones and records
the parameters a call ran with in ``Attribution.params``. Inside, an image
explainer starts with :func:`image_batch` and a text explainer with
:func:`text_batch`: both check the inputs, run the model once over the whole
batch and resolve ``targets``.
"""

import contextlib
import functools
import inspect
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from .. import checks
from .. import forward as fwd
from .attribution import Attribution

CORE = ("model", "inputs", "targets")
OUTPUTS = fwd.OUTPUTS
BATCH = fwd.BATCH["images"]  #: default number of images per model call
MAX_DRAWS = checks.MAX_DRAWS
positive_int = checks.positive_int


# --------------------------------------------------------------------------- parameters


#: every registered method by name, and the local methods by the data they explain (filled by :func:`explainer`)
METHODS, IMAGE_METHODS, TEXT_METHODS, GLOBAL_METHODS = {}, {}, {}, {}
_BY_KIND = {"image": IMAGE_METHODS, "text": TEXT_METHODS, "global": GLOBAL_METHODS}
#: the kind of a method defined in one of the package's explain modules, when the decorator does not say
_MODULE_KINDS = {"gradients": "image", "cams": "image", "perturbation": "image", "shapley": "image", "text": "text"}


def explainer(fn=None, *, kinds=None):
    """Decorate and register an explainer: refuse unknown keywords clearly and record the parameters used.

    ``@explainer`` puts the method in :data:`METHODS` and in the tables of the data it
    explains: ``kinds`` is a tuple of ``"image"``, ``"text"``, ``"global"`` (default: from
    the module it is defined in; ``global_views`` methods are ``"global"``). Adding a
    method is one decorated function; no list is edited.
    """
    if fn is None:
        return lambda f: explainer(f, kinds=kinds)
    if kinds is None:
        kinds = (_MODULE_KINDS.get(fn.__module__.rsplit(".", 1)[-1], "global"),)
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in _BY_KIND]
    if unknown or not kinds:
        raise ValueError(f"kinds must be a tuple of {sorted(_BY_KIND)}, got {kinds!r}.")
    sig = inspect.signature(fn)
    allowed = [p for p in sig.parameters if p not in CORE]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        checks.known_params({k: v for k, v in kwargs.items() if k not in CORE}, allowed, fn.__name__)
        result = fn(*args, **kwargs)
        if isinstance(result, Attribution):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            used = {k: _describe(v) for k, v in bound.arguments.items() if k not in CORE}
            result.params = {**used, **result.params}
        return result

    METHODS[fn.__name__] = wrapper
    for kind in kinds:
        _BY_KIND[kind][fn.__name__] = wrapper
    return wrapper


def unregister(name):
    """Remove method ``name`` from the tables (for tests that register a toy method)."""
    for table in (METHODS, *_BY_KIND.values()):
        table.pop(name, None)


def _describe(value):
    """Parameters as recorded: arrays and callables by a short description, the rest as they are."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return value


number = checks.number
choice = checks.choice
seed = checks.random_state


@contextlib.contextmanager
def numpy_global_seed(value):
    """Seed NumPy's global generator (which shap and tf-keras-vis draw from) and restore it afterwards."""
    state = np.random.get_state()
    np.random.seed(value)
    try:
        yield
    finally:
        np.random.set_state(state)


# --------------------------------------------------------------------------- models

require_model = checks.require_model
require_image_model = checks.require_image_model
require_text_model = checks.require_text_model
has_layer = fwd._has_layer
compiled = fwd.compiled
predictor = fwd.predictor
gradient_function = fwd.gradient_function


def output_model(model, output="logits"):
    """The model ending at its logits or output, built once per model: see :func:`xai_teach.forward.head`."""
    return fwd.head(model, choice(output, "output", OUTPUTS))


def forward(model, inputs, output="probs", batch_size=BATCH):
    """The (n, classes) outputs of ``model`` (float64) for images or a list of str, in batches of ``batch_size``."""
    return fwd.predict(model, inputs, output, batch_size).astype(np.float64)


def target_outputs(model, inputs, targets, output="probs", batch_size=BATCH):
    """``model(inputs)[i, targets[i]]`` (logits or outputs) for every i, batched."""
    out = forward(model, inputs, output, batch_size)
    return out[np.arange(len(out)), targets]


def target_score(targets, remove_exp=False):
    """tf-keras-vis score function: each image's output for its own target class.

    ``remove_exp`` is for Grad-CAM++ (see the comment inside).
    """
    picked = tf.constant(targets)

    def score(out):
        value = tf.gather(out, picked, axis=1, batch_dims=1)
        # Grad-CAM++ multiplies every map by exp(score), a positive constant per image that
        # overflows float32 for scores above ~88. Subtracting the score's own (gradient-free)
        # value makes that constant 1 and leaves every gradient unchanged.
        return value - tf.stop_gradient(value) if remove_exp else value

    return score


def gradients(model, x, targets, output="logits", batch_size=BATCH):
    """d output[i, targets[i]] / d x_i for a batch of images, in chunks of ``batch_size`` images."""
    return fwd.gradients(model, x, targets, output, batch_size)


# --------------------------------------------------------------------------- inputs and targets


@dataclass
class Batch:
    """Checked inputs, the model's (n, classes) output on them, and one target class per input."""

    inputs: object
    probs: np.ndarray
    targets: np.ndarray

    def __len__(self):
        return len(self.targets)


def image_batch(model, inputs, targets, method):
    """Check an image model and its inputs, run it once over them and resolve ``targets``."""
    require_image_model(model, method)
    x = checks.image_batch(inputs)
    probs = checks.probabilities(forward(model, x), len(x))
    return Batch(x, probs, checks.targets(targets, probs))


def image_gradients(model, inputs, targets, method, output="logits"):
    """:func:`image_batch` and the gradients of each image's target output, in one forward and backward pass."""
    require_image_model(model, method)
    choice(output, "output", OUTPUTS)
    x = checks.image_batch(inputs)
    shape = tuple(model.outputs[0].shape)
    if len(shape) != 2 or (shape[1] is not None and shape[1] < 2):
        returned = (len(x),) + tuple(shape[1:])
        raise ValueError(
            f"The model must return (n, classes) probabilities; for {len(x)} inputs it returned shape {returned}."
        )
    classes = shape[1]
    wanted = np.full(len(x), -1) if targets is None else checks.targets(targets, np.zeros((len(x), classes or 2)))
    probs, used, grads = fwd.outputs_and_gradients(model, x, wanted, output, BATCH)
    probs = checks.probabilities(probs.astype(np.float64), len(x))
    return Batch(x, probs, used.astype(np.int64)), grads


def text_batch(model, inputs, targets, method):
    """Check a text model and its reviews, run it once over them and resolve ``targets``."""
    require_text_model(model, method)
    texts = checks.text_batch(inputs)
    probs = checks.probabilities(forward(model, texts), len(texts))
    return Batch(texts, probs, checks.targets(targets, probs))


def image_attribution(values, batch, method, base_values=None, **params):
    """An image Attribution from (n, 28, 28) or (n, 28, 28, 1) values; the channel axis is summed away."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 4:
        values = values.sum(axis=-1)
    return Attribution(values, batch.inputs, batch.targets, method, params, probs=batch.probs, base_values=base_values)
