"""Auto-checks for the chapters' exercises.

Each ``check_*`` function takes a student's answer, prints specific feedback
(what is right, or what is wrong and where to look) and returns True or False.
The feedback never prints the expected value.
"""

import numpy as np


def _report(ok, message):
    print(("Correct: " if ok else "Not yet: ") + message)
    return ok


def _as_array(answer, shape, what):
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{what} should be an array of numbers, got {type(answer).__name__}."
    if arr.shape != shape:
        return None, f"{what} should have shape {shape}, got {arr.shape}."
    return arr, None


def check_linear_contributions(contributions, model, image, target):
    """Chapter 1: per-pixel contributions ``w[:, target] * x`` of a linear softmax model.

    Args:
        contributions: the student's (28, 28) array of contributions to the target logit.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit being explained.
        target: the class whose logit is decomposed.
    """
    arr, problem = _as_array(contributions, (28, 28), "contributions")
    if problem:
        return _report(False, problem)
    kernel, bias = model.get_layer("logits").get_weights()
    expected = (kernel[:, target] * np.asarray(image).ravel()).reshape(28, 28)
    if np.allclose(arr, expected, atol=1e-5):
        return _report(True, "each pixel's weight times its intensity; with the bias they add up to the logit.")
    if np.allclose(arr, kernel[:, target].reshape(28, 28), atol=1e-5):
        return _report(False, "that is the weight template alone; a pixel contributes weight times intensity.")
    if np.allclose(arr.sum() + bias[target], expected.sum() + bias[target], atol=1e-3):
        return _report(False, "the total is right but the per-pixel split is not.")
    return _report(False, "the contributions plus the bias should add up to the model's logit for the target.")


def check_accuracy(answer, model, images, labels):
    """Chapter 1: the accuracy of ``model`` on ``images`` as a fraction in [0, 1]."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _report(False, f"give the accuracy as one number, got {type(answer).__name__}.")
    if value > 1:
        return _report(False, "give a fraction between 0 and 1, not a percentage.")
    probs = np.asarray(model.predict(images, batch_size=1000, verbose=0))
    actual = float(np.mean(probs.argmax(1) == np.asarray(labels)))
    if abs(value - actual) < 1e-4:
        return _report(True, "fraction of test digits whose most probable class is the label.")
    return _report(False, "compare the argmax of the predicted probabilities with the labels, over the whole set.")
