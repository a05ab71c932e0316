"""Shared plumbing of the metrics: checked inputs, batched forward passes, results, progress bars.

Every metric takes ``(model, inputs, explanation, targets=None, ...)`` where
``explanation`` is a precomputed :class:`~xai_teach.explain.Attribution`, an
image attribution array ``(n, 28, 28)``, or an explainer
``explain_fn(model, inputs, targets=None) -> Attribution`` (bind parameters
with :func:`functools.partial`). :func:`prepare` turns all of them into one
checked form so that the metric functions stay short.
"""

import os
import sys
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import tensorflow as tf
from tqdm.auto import tqdm

from .. import checks, models
from ..explain.attribution import Attribution

N_PIXELS = 28 * 28
MAX_DRAWS = checks.MAX_DRAWS
positive_int = checks.positive_int


# --------------------------------------------------------------------------- progress bars


def interactive():
    """True in a terminal or a live Jupyter kernel; ``XAI_TEACH_PROGRESS=0``/``1`` overrides.

    Builds that execute notebooks (jupyter-book, CI) should set ``XAI_TEACH_PROGRESS=0``
    so that no progress bar ends up in the rendered pages.
    """
    env = os.environ.get("XAI_TEACH_PROGRESS")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no", "off")
    stream = sys.stderr
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def progress(iterable, total=None, desc=None, show=None):
    """Wrap ``iterable`` in a ``tqdm.auto`` bar, shown only when ``show`` (None: :func:`interactive`)."""
    show = interactive() if show is None else bool(show)
    return tqdm(iterable, total=total, desc=desc, disable=not show, leave=False)


# --------------------------------------------------------------------------- forward passes

_FORWARD = weakref.WeakKeyDictionary()


def _compiled(model, output):
    """A ``tf.function`` of the model (or its logits) with a fixed signature: traced once per model."""
    cache = _FORWARD.setdefault(model, {})
    if output not in cache:
        if output == "logit":
            try:
                target = models.logits_model(model)
            except ValueError as err:
                raise ValueError(f"output='logit' needs a layer named 'logits' in the model: {err}") from err
        else:
            target = model
        spec = model.inputs[0]
        dtype = tf.string if models.is_text_model(model) else tf.float32
        signature = [tf.TensorSpec((None,) + tuple(spec.shape[1:]), dtype)]
        cache[output] = tf.function(lambda x: target(x, training=False), input_signature=signature)
    return cache[output]


def check_output(output):
    if output not in ("probability", "logit"):
        raise ValueError(f"output must be 'probability' or 'logit', got {output!r}.")
    return output


def forward(model, inputs, output="probability", batch_size=500):
    """The model's ``(n, classes)`` probabilities (or logits) in batches of ``batch_size``.

    Images go in as float32 ``(n, 28, 28, 1)``; text as a list of str. The
    model runs in inference mode through one compiled function per model, so a
    metric's cost is the cost of these calls.
    """
    check_output(output)
    fn = _compiled(model, output)
    text = models.is_text_model(model)
    n = len(inputs)
    chunks = []
    for start in range(0, n, batch_size):
        part = inputs[start : start + batch_size]
        chunks.append(fn(tf.constant(list(part)) if text else tf.convert_to_tensor(part, tf.float32)).numpy())
    out = np.concatenate(chunks).astype(np.float64)
    if not np.all(np.isfinite(out)):
        bad = np.flatnonzero(~np.all(np.isfinite(out), axis=1))
        hint = (
            f" (e.g. {inputs[bad[0]]!r:.80}): an empty review has no defined output in masked models; "
            "use baseline='unk'"
            if text
            else f" (e.g. input {bad[0]})"
        )
        raise ValueError(f"The model returned NaN/inf for {len(bad)} of {n} inputs{hint}.")
    if output == "probability":
        checks.probabilities(out, n)
    return out


def check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    return int(batch_size)


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
    return checks.text_batch(inputs) if models.is_text_model(model) else checks.image_batch(inputs)


def resolve_targets(model, inputs, targets, batch_size=500):
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


def prepare(model, inputs, explanation, targets=None, batch_size=500, what="attribution"):
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
    if models.is_text_model(model):
        raise TypeError(f"{metric} works on image models; for text models use deletion or insertion.")


def require_callable(explain_fn, metric):
    if not callable(explain_fn) or isinstance(explain_fn, Attribution):
        raise TypeError(
            f"{metric} re-explains perturbed inputs, so it needs an explainer "
            f"explain_fn(model, inputs, targets=None), got {type(explain_fn).__name__}."
        )


def check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {seed!r}.")
    return seed


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


# --------------------------------------------------------------------------- results


@dataclass
class Result:
    """The outcome of one metric on a batch: one score per input, plus a curve where there is one.

    Attributes:
        metric: the metric's name, e.g. ``"deletion"``.
        scores: float array (n,): the metric per input (for curves: the normalised AUC).
        targets: int array (n,): the class whose output was measured.
        better: ``"lower"`` or ``"higher"``: which direction means a better explanation.
        curve: curves only: (n, steps + 1) model output after each step.
        fractions: curves only: (steps + 1,) fraction of features removed/inserted at each step.
        details: further arrays (e.g. per-sample ratios) for plots and exercises.
    """

    metric: str
    scores: np.ndarray
    targets: np.ndarray
    better: str
    curve: np.ndarray = None
    fractions: np.ndarray = None
    details: dict = field(default_factory=dict)

    @property
    def auc(self):
        """Normalised area under the curve per input (curves only)."""
        if self.curve is None:
            raise AttributeError(f"{self.metric} has no curve, hence no AUC; read .scores.")
        return self.scores

    @property
    def mean(self):
        """Mean score over the inputs (NaN scores left out)."""
        ok = self.scores[~np.isnan(self.scores)]
        return float(ok.mean()) if len(ok) else float("nan")

    @property
    def sem(self):
        """Standard error of the mean score."""
        ok = self.scores[~np.isnan(self.scores)]
        return float(ok.std(ddof=1) / np.sqrt(len(ok))) if len(ok) > 1 else float("nan")

    def to_frame(self):
        """Tidy DataFrame: one row per input with its target and score."""
        return pd.DataFrame(
            {"metric": self.metric, "input": np.arange(len(self.scores)), "target": self.targets, "value": self.scores}
        )

    def plot(self, ax=None, label=None):
        """Draw the mean curve with a band of one standard deviation; returns the axes."""
        import matplotlib.pyplot as plt

        if self.curve is None:
            raise AttributeError(f"{self.metric} has no curve to plot.")
        ax = ax if ax is not None else plt.subplots(figsize=(4, 3))[1]
        mean, std = self.curve.mean(0), self.curve.std(0)
        name = label or self.metric
        ax.plot(self.fractions, mean, label=f"{name} (AUC {self.mean:.3f})")
        ax.fill_between(self.fractions, mean - std, mean + std, alpha=0.2)
        ax.set_xlabel(self.details.get("xlabel", "fraction of features"))
        ax.set_ylabel(self.details.get("ylabel", "output for the target class"))
        ax.legend(fontsize=8)
        return ax

    def __repr__(self):
        kind = "curve, " if self.curve is not None else ""
        return f"Result({self.metric}: {kind}n={len(self.scores)}, mean={self.mean:.4g}, {self.better} is better)"


def trapezoid_auc(curve, fractions):
    """Area under each row of ``curve`` over ``fractions`` in [0, 1] by the trapezoid rule."""
    widths = np.diff(fractions)
    return ((curve[:, 1:] + curve[:, :-1]) / 2 * widths).sum(axis=1)
