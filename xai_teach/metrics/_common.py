"""What the metrics share: checked inputs and explanations, the forward pass they count, small statistics.

Every metric takes ``(model, inputs, explanation, targets=None, ...)`` where
``explanation`` is a precomputed :class:`~xai_teach.explain.Attribution`, an
image attribution array ``(n, 28, 28)``, or an explainer
``explain_fn(model, inputs, targets=None) -> Attribution`` (bind parameters
with :func:`functools.partial`). :func:`prepare` turns all of them into one
checked form so that the metric functions stay short.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from .. import checks
from .. import forward as fwd
from .. import progress as progress_bars
from ..explain.attribution import Attribution
from .result import Result  # noqa: F401  (metrics build their Result through this module)

N_PIXELS = 28 * 28
MAX_DRAWS = checks.MAX_DRAWS
positive_int = checks.positive_int


# --------------------------------------------------------------------------- progress bars and forward passes

progress = progress_bars.bar
interactive = progress_bars.interactive
check_output = fwd.check_output


def forward(model, inputs, output="probs", batch_size=None):
    """The model's ``(n, classes)`` probabilities (or logits) as float64, batched, refusing NaN/inf outputs.

    Images go in as float32 ``(n, 28, 28, 1)``; text as a list of str. The model
    runs through :func:`xai_teach.forward.predict` (one compiled function per model),
    so a metric's cost is the cost of these calls.
    """
    output = fwd.check_output(output)
    text = fwd.is_text_model(model)
    n = len(inputs)
    out = fwd.predict(model, list(inputs) if text else inputs, output, batch_size).astype(np.float64)
    if not np.all(np.isfinite(out)):
        bad = np.flatnonzero(~np.all(np.isfinite(out), axis=1))
        hint = (
            f" (e.g. {inputs[bad[0]]!r:.80}): an empty review has no defined output in masked models; "
            "use baseline='unk'"
            if text
            else f" (e.g. input {bad[0]})"
        )
        raise ValueError(f"The model returned NaN/inf for {len(bad)} of {n} inputs{hint}.")
    if output == "probs":
        checks.probabilities(out, n)
    return out


def check_batch_size(batch_size, model=None):
    """A positive int, or None for the default of the model's kind of data (:data:`xai_teach.forward.BATCH`)."""
    if batch_size is None:
        return None if model is None else fwd.batch_size_for(model)
    return fwd.batch_size_for(model, batch_size) if model is not None else checks.positive_int(batch_size, "batch_size")


# --------------------------------------------------------------------------- inputs and explanations


@dataclass
class Prepared:
    """A checked batch: inputs, one target per input and the attribution values.

    ``values`` is ``(n, 784)`` float64 for images (pixels row by row) and a
    list of 1-D arrays for text; ``tokens`` is the list of words per review.
    """

    inputs: object
    targets: np.ndarray
    values: object
    tokens: list = None
    attribution: Attribution = None

    @property
    def is_text(self):
        return self.tokens is not None

    def __len__(self):
        return len(self.targets)


def check_inputs(model, inputs):
    """Images as (n, 28, 28, 1) float32 or reviews as a list of str, as the model expects."""
    return checks.text_batch(inputs) if fwd.is_text_model(model) else checks.image_batch(inputs)


def resolve_targets(model, inputs, targets, batch_size=None):
    """One class per input: ``targets`` checked, or the model's predicted class when None."""
    return checks.targets(targets, forward(model, inputs, batch_size=batch_size))


def explain(explain_fn, model, inputs, targets, what="explain_fn"):
    """Call an explainer and check that it returned an Attribution for exactly these inputs and targets."""
    if not callable(explain_fn):
        raise TypeError(f"{what} must be callable as {what}(model, inputs, targets=None), got {type(explain_fn)}.")
    attr = explain_fn(model, inputs, targets=targets)
    if not isinstance(attr, Attribution):
        raise TypeError(f"{what} must return an Attribution, got {type(attr).__name__}.")
    check_attribution(attr, inputs, targets, what)
    return attr


def check_attribution(attr, inputs, targets, what="attribution"):
    """Refuse an Attribution whose size, targets, inputs or values do not fit ``inputs``."""
    n = len(inputs)
    if len(attr) != n:
        raise ValueError(f"{what} holds {len(attr)} explanations but there are {n} inputs.")
    text = isinstance(inputs, list)
    if text != attr.is_text:
        kind = "text" if text else "image"
        raise TypeError(f"{what} is a {'text' if attr.is_text else 'image'} attribution but the inputs are {kind}.")
    if targets is not None and not np.array_equal(attr.targets, targets):
        raise ValueError(
            f"{what} explains classes {attr.targets.tolist()[:10]} but targets are {np.asarray(targets).tolist()[:10]}."
        )
    if attr.inputs is not None:
        same = (
            list(attr.inputs) == inputs
            if text
            else np.size(attr.inputs) == np.size(inputs) and np.allclose(np.reshape(attr.inputs, inputs.shape), inputs)
        )
        if not same:
            raise ValueError(f"{what} was computed for other inputs than the ones passed to the metric.")
    values = attr.values if text else attr.values.reshape(n, -1)
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ValueError(f"{what} contains NaN or inf values.")


def _image_values(values, n, what):
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{what} must be a numeric array, got dtype {arr.dtype}.")
    if arr.shape != (n, 28, 28):
        raise ValueError(f"{what} must have shape ({n}, 28, 28) for {n} images, got {arr.shape}.")
    arr = arr.reshape(n, N_PIXELS).astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or inf values.")
    return arr


def prepare(model, inputs, explanation, targets=None, batch_size=None, what="attribution"):
    """Check inputs and explanation together; compute the attribution if given an explainer.

    Args:
        model: the Keras model being explained.
        inputs: images or reviews, as :func:`check_inputs` accepts them.
        explanation: an Attribution, an ``(n, 28, 28)`` array, or an explainer callable.
        targets: class per input; None takes the Attribution's targets, else the predicted class.
        batch_size: batch size of the forward pass that finds predicted classes.
        what: the argument's name in error messages.
    """
    x = check_inputs(model, inputs)
    text = isinstance(x, list)
    if isinstance(explanation, Attribution):
        t = explanation.targets if targets is None else resolve_targets(model, x, targets, batch_size)
        check_attribution(explanation, x, t, what)
        attr = explanation
    elif callable(explanation):
        t = resolve_targets(model, x, targets, batch_size)
        attr = explain(explanation, model, x, t, what)
    elif isinstance(explanation, (np.ndarray, list, tuple)) and not text:
        values = _image_values(explanation, len(x), what)
        return Prepared(x, resolve_targets(model, x, targets, batch_size), values)
    else:
        expected = "an Attribution or an explainer" if text else "an Attribution, an (n, 28, 28) array or an explainer"
        raise TypeError(f"{what} must be {expected}, got {type(explanation).__name__}.")
    values = attr.values if text else attr.values.reshape(len(x), N_PIXELS)
    return Prepared(x, attr.targets, values, attr.tokens if text else None, attr)


def require_images(model, metric):
    if fwd.is_text_model(model):
        raise TypeError(f"{metric} works on image models; for text models use deletion or insertion.")


def require_callable(explain_fn, metric):
    if not callable(explain_fn) or isinstance(explain_fn, Attribution):
        raise TypeError(
            f"{metric} re-explains perturbed inputs, so it needs an explainer "
            f"explain_fn(model, inputs, targets=None), got {type(explain_fn).__name__}."
        )


def check_seed(seed, name="random_state"):
    """An int seed >= 0 or None (see :func:`xai_teach.checks.random_state`)."""
    return checks.random_state(seed, name)


# --------------------------------------------------------------------------- statistics


def rowwise_pearson(a, b):
    """Pearson correlation of each row of ``a`` with the same row of ``b``; NaN where a row is constant."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    num = (a * b).sum(axis=1)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.clip(r, -1.0, 1.0)


def warn_undefined(values, metric, why, stacklevel=3):
    """Say how many inputs got NaN (an undefined score) instead of hiding it (``stacklevel``: the user's call)."""
    bad = int(np.isnan(values).sum())
    if bad:
        warnings.warn(
            f"{metric}: {bad} of {len(values)} inputs have no defined value ({why}); they are NaN.",
            stacklevel=stacklevel,
        )
    return values


def trapezoid_auc(curve, fractions):
    """Area under each row of ``curve`` over ``fractions`` in [0, 1] by the trapezoid rule."""
    widths = np.diff(fractions)
    return ((curve[:, 1:] + curve[:, :-1]) / 2 * widths).sum(axis=1)
