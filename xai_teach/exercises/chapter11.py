"""Chapter 11 checks: open questions (interventions versus attributions, a prediction about the blur baseline)."""

import numbers

import numpy as np

from .common import as_array, as_number, report


def _top(values, k, absolute=True):
    """Indices of the ``k`` largest entries (by |value| when ``absolute``), ties broken by position."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    return np.argsort(-(np.abs(flat) if absolute else flat), kind="stable")[:k]


def _overlap(a, b, k, absolute=True):
    return len(np.intersect1d(_top(a, k, absolute), _top(b, k, absolute))) / k


def check_top_k_overlap(answer, change, attribution, k):
    """Chapter 11: the fraction of the ``k`` most-changed pixels that are also in the attribution's top ``k``.

    Args:
        answer: the student's overlap, one number in [0, 1].
        change: (28, 28) counterfactual change of one digit (ranked by absolute value).
        attribution: (28, 28) attribution of the same digit (ranked by absolute value).
        k: the size of both top-k sets.
    """
    change, problem = as_array(change, (28, 28), "change")
    if problem:
        raise ValueError(problem)
    attribution, problem = as_array(attribution, (28, 28), "attribution")
    if problem:
        raise ValueError(problem)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= 784:
        raise ValueError(f"k must be an int between 1 and 784, got {k!r}.")
    value, problem = as_number(answer, "the overlap")
    if problem:
        return report(False, problem)
    expected = _overlap(change, attribution, k)
    if abs(value - expected) < 1e-9:
        return report(True, "the share of the pixels the intervention needed that the attribution also ranks high.")
    if value > 1 and abs(value - expected * k) < 1e-9:
        return report(False, "that is the number of shared pixels; divide by k to get a fraction.")
    if not 0 <= value <= 1:
        return report(False, "an overlap is a fraction between 0 and 1.")
    if abs(value - _overlap(change, attribution, k, absolute=False)) < 1e-9:
        return report(False, "rank the attribution by absolute value: negative evidence is evidence too.")
    if abs(abs(value - expected) * k - 1) < 1e-9:
        return report(False, "one pixel off: break ties in the ranking with a stable sort (kind='stable').")
    return report(False, "take the k largest |change| and the k largest |attribution|, count the pixels in both.")


def check_blur_prediction(prediction, model, images, explanations, targets):
    """Chapter 11, predict then verify: which explanation gets the lowest deletion AUC under the blur baseline?

    Args:
        prediction: the student's prediction, one key of ``explanations`` (written down before computing).
        model: the ``mnist_cnn`` model.
        images: the digits scored, (n, 28, 28, 1).
        explanations: dict name -> Attribution or (n, 28, 28) array, the explanations of section 2.
        targets: the class explained per digit.

    The check computes the deletion AUCs itself (``metrics.deletion(..., baseline="blur")``), so it
    verifies the prediction, not the student's code.
    """
    from ..metrics import deletion

    if not isinstance(explanations, dict) or len(explanations) < 2:
        raise TypeError("explanations must be a dict of at least two named explanations.")
    if prediction is None:
        return report(False, "write down your prediction first: one of " + ", ".join(map(repr, explanations)) + ".")
    if not isinstance(prediction, str) or prediction not in explanations:
        return report(False, f"the prediction should be one of {list(explanations)}, got {prediction!r}.")
    auc = {
        name: deletion(model, images, a, targets=targets, baseline="blur", progress=False).mean
        for name, a in explanations.items()
    }
    order = sorted(auc, key=auc.get)
    if order[0] == prediction:
        return report(True, f"{prediction!r} deletes the evidence fastest when 'absent' means 'blurred'.")
    return report(
        False,
        f"{prediction!r} comes {order.index(prediction) + 1} of {len(order)} under the blur baseline. "
        "Which explanation's own notion of 'absent' is closest to a blurred digit?",
    )
