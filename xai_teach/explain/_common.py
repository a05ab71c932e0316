"""The prologue every explainer shares: checked inputs, one batched forward pass, targets, parameters.

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
import numbers
import weakref
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from .. import checks, models
from .attribution import Attribution

CORE = ("model", "inputs", "targets")
OUTPUTS = ("logits", "probs")
BATCH = 1000  #: default number of inputs per model call
MAX_DRAWS = checks.MAX_DRAWS
positive_int = checks.positive_int


# --------------------------------------------------------------------------- parameters


def explainer(fn):
    """Decorate an explainer: refuse unknown keywords clearly and record the parameters used."""
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

    return wrapper


def _describe(value):
    """Parameters as recorded: arrays and callables by a short description, the rest as they are."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return value


def number(value, name, low=None, high=None, low_open=False):
    """A real number in [low, high] (or (low, high] with ``low_open``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    if not np.isfinite(value) or too_low or (high is not None and value > high):
        lo = "-inf" if low is None else f"{low}"
        hi = "inf" if high is None else f"{high}"
        raise ValueError(f"{name} must lie in {'(' if low_open else '['}{lo}, {hi}], got {value}.")
    return value


def choice(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}.")
    return value


def seed(value, name="random_state"):
    """An int seed >= 0, or None for fresh (irreproducible) randomness."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int seed or None, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return int(value)


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


def require_model(model, method):
    if not isinstance(model, keras.Model):
        raise TypeError(f"{method} explains a Keras model, got {type(model).__name__}.")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError) as err:
        raise ValueError(
            f"{method}: the model has no defined inputs yet; build it with keras.Input(...) first ({err})."
        ) from err
    if len(inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"{method} explains models with one input and one output; this one has "
            f"{len(inputs)} inputs and {len(model.outputs)} outputs."
        )


def require_image_model(model, method):
    require_model(model, method)
    if models.is_text_model(model):
        raise TypeError(f"{method} explains image models; {model.name} takes text.")
    shape = tuple(model.inputs[0].shape[1:])
    if shape != checks.IMAGE_SHAPE:
        raise ValueError(
            f"{method} feeds images of shape (n, 28, 28, 1); {model.name} expects inputs of shape (n, *{shape})."
        )


def require_text_model(model, method):
    require_model(model, method)
    if not models.is_text_model(model):
        raise TypeError(f"{method} explains text models that take raw strings; {model.name} takes images.")


def has_layer(model, name):
    return any(layer.name == name for layer in model.layers)


def output_model(model, output="logits"):
    """The model as a functional model with a list of one input, ending at its logits or probabilities.

    ``output="logits"`` reads the layer named ``logits`` (every zoo model has
    one); a model without such a layer is used with its output as it is.
    The input is a list so that shap and tf-keras-vis, which call models with
    a list of inputs, match its structure; call it as ``fm([x])``. Keras 3
    ``Sequential`` models are converted here (tf-keras-vis cannot read them).
    """
    choice(output, "output", OUTPUTS)
    end = model.get_layer("logits").output if output == "logits" and has_layer(model, "logits") else model.outputs[0]
    return keras.Model(list(model.inputs), end)


_COMPILED = weakref.WeakKeyDictionary()  # model -> {key: tf.function}; entries go when the model does


def _input_spec(model):
    if models.is_text_model(model):
        return tf.TensorSpec((None,), tf.string)
    return tf.TensorSpec((None,) + tuple(model.inputs[0].shape[1:]), tf.float32)


def compiled(model, key, build):
    """``build()`` once per model and key: a ``tf.function`` traced once, so repeated calls skip Python overhead."""
    per_model = _COMPILED.setdefault(model, {})
    if key not in per_model:
        per_model[key] = build()
    return per_model[key]


def predictor(model, output="probs"):
    """A compiled function ``inputs -> (n, classes)`` logits or outputs of ``model`` in inference mode."""

    def build():
        fm = output_model(model, output)
        return tf.function(lambda x: fm([x], training=False), input_signature=[_input_spec(model)], autograph=False)

    return compiled(model, ("predict", output), build)


def gradient_function(model, output="logits"):
    """A compiled function ``(images, targets) -> d output[i, targets[i]] / d images``."""

    def build():
        fm = output_model(model, output)

        def grad(x, targets):
            with tf.GradientTape() as tape:
                tape.watch(x)
                picked = tf.gather(fm([x], training=False), targets, axis=1, batch_dims=1)
            return tape.gradient(picked, x)

        signature = [_input_spec(model), tf.TensorSpec((None,), tf.int64)]
        return tf.function(grad, input_signature=signature, autograph=False)

    return compiled(model, ("gradient", output), build)


def forward(model, inputs, output="probs", batch_size=BATCH):
    """The (n, classes) outputs of ``model`` for images or a list of str, in batches of ``batch_size``."""
    fn = predictor(model, output)
    text = isinstance(inputs, list)
    chunks = []
    for start in range(0, len(inputs), batch_size):
        part = inputs[start : start + batch_size]
        chunks.append(fn(tf.constant(part) if text else tf.convert_to_tensor(part, tf.float32)).numpy())
    return np.concatenate(chunks).astype(np.float64)


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
    fn = gradient_function(model, output)
    grads = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), batch_size):
        stop = start + batch_size
        part = tf.convert_to_tensor(x[start:stop], tf.float32)
        grads[start:stop] = fn(part, tf.constant(targets[start:stop], tf.int64)).numpy()
    return grads


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


def text_batch(model, inputs, targets, method):
    """Check a text model and its reviews, run it once over them and resolve ``targets``."""
    require_text_model(model, method)
    texts = checks.text_batch(inputs)
    probs = checks.probabilities(forward(model, texts), len(texts))
    return Batch(texts, probs, checks.targets(targets, probs))


def image_attribution(values, batch, method, **params):
    """An image Attribution from (n, 28, 28) or (n, 28, 28, 1) values; the channel axis is summed away."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 4:
        values = values.sum(axis=-1)
    return Attribution(values, batch.inputs, batch.targets, method, params, probs=batch.probs)
