"""Input validation shared by explainers and metrics: clear errors, no silent reshaping.

Each function either returns the input in the one canonical form the rest of
the package uses or raises a ``TypeError``/``ValueError`` that says what was
expected and what arrived.
"""

import numbers
import warnings

import numpy as np

from . import forward

IMAGE_SHAPE = (28, 28, 1)
#: Upper bound of sample, step and evaluation counts: a typo such as 10**9 must fail, not exhaust memory.
MAX_DRAWS = 100_000


def image_batch(x, name="inputs"):
    """Return images as float32 (n, 28, 28, 1) in [0, 1].

    Accepted: one image (28, 28) or (28, 28, 1), or a batch (n, 28, 28) or
    (n, 28, 28, 1), of floats in [0, 1]. uint8 images, values outside [0, 1],
    NaN/inf and empty batches are refused.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a float array of images, got {type(x).__name__}.")
    arr = np.asarray(x)
    if arr.dtype == np.uint8 or (arr.dtype.kind in "iu" and arr.size and arr.max() > 1):
        raise ValueError(f"{name} looks like uint8 pixels 0..255 ({arr.dtype}); divide by 255 to get floats in [0, 1].")
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric images, got dtype {arr.dtype}.")
    if arr.shape in ((28, 28), (28, 28, 1)):
        arr = arr.reshape((1,) + IMAGE_SHAPE)
    elif arr.ndim == 3 and arr.shape[1:] == (28, 28):
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape (n, 28, 28, 1), (n, 28, 28) or (28, 28), got {np.shape(x)}.")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch; pass at least one image.")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values.")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must lie in [0, 1], got values in [{arr.min():.3g}, {arr.max():.3g}].")
    return arr


def text_batch(texts, name="inputs"):
    """Return reviews as a non-empty list of non-blank str; one str is a batch of one."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()
    if not isinstance(texts, (list, tuple)):
        raise TypeError(f"{name} must be a str or a list of str, got {type(texts).__name__}.")
    if not texts:
        raise ValueError(f"{name} is an empty list; pass at least one review.")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}.")
        if not t.strip():
            raise ValueError(f"{name}[{i}] is an empty string; there is nothing to explain.")
    return list(texts)


def positive_int(value, name, low=1, high=None):
    """``value`` as an int in [low, high]: a TypeError for anything but an int (bools too), a ValueError outside."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and at most {high}"
        raise ValueError(f"{name} must be at least {low}{upper}, got {value}.")
    return int(value)


def targets(targets, probs):
    """Return one int class per input: the predicted class when ``targets`` is None.

    Args:
        targets: None, one int for every input, or a sequence of one int per input.
        probs: the model's (n, classes) probabilities for the inputs.
    """
    n, classes = probs.shape
    if targets is None:
        return np.argmax(probs, axis=1).astype(np.int64)
    if isinstance(targets, (bool, np.bool_)) or isinstance(targets, float):
        raise TypeError(f"targets must be int class indices, got {targets!r}.")
    if isinstance(targets, numbers.Integral):
        out = np.full(n, int(targets), dtype=np.int64)
    else:
        arr = np.asarray(targets)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"targets must be int class indices, got dtype {arr.dtype}.")
        if arr.shape != (n,):
            raise ValueError(f"targets must hold one class per input: expected shape ({n},), got {arr.shape}.")
        out = arr.astype(np.int64)
    if out.min() < 0 or out.max() >= classes:
        raise ValueError(f"targets must lie in 0..{classes - 1} for a {classes}-class model, got {out.tolist()}.")
    return out


def probabilities(probs, n):
    """Check that a model returned (n, classes) probabilities for n inputs."""
    probs = np.asarray(probs)
    if probs.ndim != 2 or probs.shape[0] != n or probs.shape[1] < 2:
        raise ValueError(
            f"The model must return (n, classes) probabilities; for {n} inputs it returned shape {probs.shape}."
        )
    return probs


def known_params(params, allowed, method):
    """Refuse parameters a method does not take (a typo must not pass silently)."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise TypeError(f"{method} got unknown parameter(s) {unknown}; it takes {sorted(allowed)}.")


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
    """``value`` if it is one of ``options`` (str), else a ValueError listing them."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}.")
    return value


def random_state(value, name="random_state"):
    """An int seed >= 0, or None for fresh (irreproducible) randomness."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int seed or None, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return int(value)


_UNSET = object()


def renamed_seed(random_state, seed, stacklevel=3):
    """``random_state``, or the old keyword ``seed`` (with a DeprecationWarning) when that is the one given."""
    if seed is _UNSET:
        return random_state
    warnings.warn("seed= is the old name; use random_state= (as in xai_teach.explain).", DeprecationWarning, stacklevel)
    return seed


def require_model(model, method):
    """A built Keras model with one input and one output, else a clear TypeError/ValueError."""
    import keras

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
    """An image model taking (n, 28, 28, 1) images."""
    require_model(model, method)
    if forward.is_text_model(model):
        raise TypeError(f"{method} explains image models; {model.name} takes text.")
    shape = tuple(model.inputs[0].shape[1:])
    if shape != IMAGE_SHAPE:
        raise ValueError(
            f"{method} feeds images of shape (n, 28, 28, 1); {model.name} expects inputs of shape (n, *{shape})."
        )


def require_text_model(model, method):
    """A text model taking raw strings."""
    require_model(model, method)
    if not forward.is_text_model(model):
        raise TypeError(f"{method} explains text models that take raw strings; {model.name} takes images.")
