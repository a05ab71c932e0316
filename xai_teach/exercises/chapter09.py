"""Chapter 9 checks: evaluating explanations (faithfulness curves)."""

import numpy as np

from .common import as_array, report

STEPS = 28  #: steps of 28 pixels each, as in the chapter


def _curves(model, image, attribution, target):
    """The insertion and deletion curves of one image, and the insertion curve ranked by |attribution|."""
    from ..metrics import deletion, insertion

    x = np.asarray(image, dtype=np.float32).reshape(1, 28, 28, 1)
    values = np.asarray(attribution, dtype=np.float64).reshape(1, 28, 28)
    kwargs = {"targets": [int(target)], "steps": STEPS, "progress": False}
    ins = insertion(model, x, values, **kwargs).curve[0]
    dele = deletion(model, x, values, **kwargs).curve[0]
    ins_abs = insertion(model, x, values, absolute=True, **kwargs).curve[0]
    return ins, dele, ins_abs


def check_insertion_curve(curve, model, image, attribution, target):
    """Chapter 9: the insertion curve of one digit, 29 probabilities of the target class.

    Args:
        curve: the student's 29 probabilities (0, 28, ..., 784 pixels inserted, most positive first).
        model: the ``mnist_cnn`` model.
        image: the (28, 28, 1) digit.
        attribution: its (28, 28) attribution values.
        target: the class whose probability is recorded.
    """
    arr, problem = as_array(curve, (STEPS + 1,), "insertion_curve")
    if problem:
        return report(False, problem + " Record the probability before the first and after every one of 28 steps.")
    if not np.all(np.isfinite(arr)):
        return report(False, "insertion_curve contains NaN or inf values.")
    ins, dele, ins_abs = _curves(model, image, attribution, target)
    tol = 1e-4
    if np.allclose(arr, ins, atol=tol):
        return report(True, "the curve starts on a black image and rises as the top pixels come back.")
    if np.allclose(arr, dele, atol=tol):
        return report(False, "that is the deletion curve: insertion starts from a black image and puts pixels back.")
    if np.allclose(arr, ins[::-1], atol=tol):
        return report(False, "the curve runs backwards: its first value is the black image (nothing inserted).")
    if np.allclose(arr, ins_abs, atol=tol):
        return report(False, "rank by the signed attribution (most positive first), not by its absolute value.")
    if np.all((arr >= -tol) & (arr <= 1 + tol)) and not np.isclose(arr.sum(), 1.0):
        return report(False, "the shape is right but the values differ: check the pixel order and the target class.")
    return report(False, "give the probability of the target class (softmax output), not a logit.")
