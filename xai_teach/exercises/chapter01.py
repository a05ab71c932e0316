"""Chapter 1 checks: interpretability versus explainability."""

import numpy as np

from .common import as_array, report


def check_linear_contributions(contributions, model, image, target):
    """Chapter 1: per-pixel contributions ``w[:, target] * x`` of a linear softmax model.

    Args:
        contributions: the student's (28, 28) array of contributions to the target logit.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit being explained.
        target: the class whose logit is decomposed.
    """
    arr, problem = as_array(contributions, (28, 28), "contributions")
    if problem:
        return report(False, problem)
    kernel, bias = model.get_layer("logits").get_weights()
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
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, f"give the accuracy as one number, got {type(answer).__name__}.")
    if value > 1:
        return report(False, "give a fraction between 0 and 1, not a percentage.")
    probs = np.asarray(model.predict(images, batch_size=1000, verbose=0))
    actual = float(np.mean(probs.argmax(1) == np.asarray(labels)))
    if abs(value - actual) < 1e-4:
        return report(True, "fraction of test digits whose most probable class is the label.")
    return report(False, "compare the argmax of the predicted probabilities with the labels, over the whole set.")
