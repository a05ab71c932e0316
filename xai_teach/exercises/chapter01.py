"""Chapter 1 checks: interpretability versus explainability."""

import numpy as np

from .. import models
from .common import as_array, as_choice, as_number, as_target, checked, report


def check_linear_contributions(contributions, model, image, target):
    """Chapter 1: per-pixel contributions ``w[:, target] * x`` of a linear softmax model.

    Args:
        contributions: the student's (28, 28) array of contributions to the target logit.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit being explained.
        target: the class whose logit is decomposed.
    """
    kernel, bias = model.get_layer("logits").get_weights()
    arr, target, problem = checked(as_array(contributions, (28, 28), "contributions"), as_target(target, len(bias)))
    if problem:
        return report(False, problem)
    expected = (kernel[:, target] * np.asarray(image).ravel()).reshape(28, 28)
    if np.allclose(arr, expected, atol=1e-5):
        return report(True, "each pixel's weight times its intensity; with the bias they add up to the logit.")
    if np.allclose(arr, kernel[:, target].reshape(28, 28), atol=1e-5):
        return report(False, "that is the weight template alone; a pixel contributes weight times intensity.")
    if np.allclose(arr.sum() + bias[target], expected.sum() + bias[target], atol=1e-3):
        return report(False, "the total is right but the per-pixel split is not.")
    return report(False, "the contributions plus the bias should add up to the model's logit for the target.")


def check_accuracy(answer, model, images, labels):
    """Chapter 1: the accuracy of ``model`` on ``images`` as a fraction in [0, 1]."""
    value, problem = as_number(answer, "the accuracy")
    if problem:
        return report(False, problem)
    if value > 1:
        return report(False, "give a fraction between 0 and 1, not a percentage.")
    probs = np.asarray(model.predict(images, batch_size=1000, verbose=0))
    actual = float(np.mean(probs.argmax(1) == np.asarray(labels)))
    if abs(value - actual) < 1e-4:
        return report(True, "fraction of test digits whose most probable class is the label.")
    return report(False, "compare the argmax of the predicted probabilities with the labels, over the whole set.")


HALVES = ("equal", "larger", "smaller")


def _halves_outcome(model, image, target):
    """'equal', 'larger' or 'smaller': drop(top) + drop(bottom) compared with drop(both), on the target logit."""
    x = np.asarray(image, dtype=np.float32).reshape(28, 28, 1)
    top, bottom = x.copy(), x.copy()
    top[:14] = 0
    bottom[14:] = 0
    z = np.asarray(models.logits_model(model)(np.stack([x, top, bottom, np.zeros_like(x)])))[:, target]
    total, both = float((z[0] - z[1]) + (z[0] - z[2])), float(z[0] - z[3])
    if abs(total - both) <= 1e-3 * abs(both) + 1e-4:
        return "equal"
    return "larger" if total > both else "smaller"


def check_halves_prediction(prediction, linear, cnn, image, target):
    """Chapter 1, predict then verify: is drop(top) + drop(bottom) equal to, larger or smaller than drop(both)?

    Args:
        prediction: a dict ``{"linear": ..., "cnn": ...}`` with values "equal", "larger" or "smaller".
        linear: the ``mnist_linear`` model.
        cnn: the ``mnist_cnn`` model.
        image: the (28, 28, 1) digit whose top half (rows 0-13) and bottom half (rows 14-27) are removed.
        target: the class whose logit is compared.
    """
    if not isinstance(prediction, dict) or set(prediction) != {"linear", "cnn"}:
        return report(False, 'give a dict with the keys "linear" and "cnn", e.g. {"linear": "equal", "cnn": ...}.')
    answers = {}
    for name in ("linear", "cnn"):
        choice, problem = as_choice(prediction[name], HALVES, f'prediction["{name}"]')
        if problem:
            return report(False, problem)
        answers[name] = choice
    models_ = {"linear": linear, "cnn": cnn}
    wrong = [name for name in models_ if answers[name] != _halves_outcome(models_[name], image, target)]
    if not wrong:
        return report(True, "the linear logit is a sum over pixels, so its drops add up; the CNN's need not.")
    if "linear" in wrong:
        return report(False, "think about the linear model again: its logit is a sum of one term per pixel.")
    return report(False, "the CNN's drops do not behave as you predicted; run the cut and look at the two numbers.")
