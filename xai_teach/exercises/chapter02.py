"""Chapter 2 checks: global views of MNIST models."""

import numpy as np

from .. import explain, models
from .common import as_array, as_choice, as_target, report


def check_best_template(answer, model, image):
    """Chapter 2: the class whose template ``w_c`` scores ``image`` highest, ``argmax_c w_c . x + b_c``.

    Args:
        answer: the student's class, an int in 0..9.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit.
    """
    kernel, bias = model.get_layer("logits").get_weights()
    answer, problem = as_target(answer, len(bias), "the class")
    if problem:
        return report(False, problem)
    x = np.asarray(image, dtype=np.float64).ravel()
    scores = x @ kernel + bias
    best = int(scores.argmax())
    if int(answer) == best:
        return report(True, "the template with the largest score w_c . x + b_c is the linear model's prediction.")
    if int(answer) == int((x @ kernel).argmax()):
        return report(False, "that class wins without the biases; add b_c to each template's score.")
    if int(answer) == int((x @ np.abs(kernel)).argmax()):
        return report(False, "use the signed weights: blue (negative) pixels lower a class's score.")
    return report(False, "score every class with sum(template * image) + bias and take the largest.")


def check_mean_abs_map(answer, local_values):
    """Chapter 2: the mean-|SHAP| map of one class from per-image SHAP values ``local_values`` (n, 28, 28).

    Args:
        answer: the student's (28, 28) map.
        local_values: the per-image attributions of the class's digits, shape (n, 28, 28).
    """
    arr, problem = as_array(answer, (28, 28), "the map")
    if problem:
        return report(False, problem)
    values = np.asarray(local_values, dtype=np.float64)
    expected = np.abs(values).mean(axis=0)
    scale = float(np.abs(expected).max()) or 1.0
    if np.allclose(arr, expected, rtol=1e-4, atol=1e-6 * scale):
        return report(True, "the absolute value of each digit's map, averaged over the digits.")
    if np.allclose(arr, np.abs(values.mean(axis=0)), rtol=1e-4, atol=1e-6 * scale):
        return report(False, "that is the absolute value of the mean; take the absolute value first, then average.")
    if np.allclose(arr, values.mean(axis=0), rtol=1e-4, atol=1e-6 * scale):
        return report(False, "that is the signed mean; positive and negative evidence cancel. Take |values| first.")
    if np.allclose(arr, np.abs(values).sum(axis=0), rtol=1e-4, atol=1e-6 * scale):
        return report(False, "that is the sum over digits; divide by the number of digits (a mean).")
    return report(False, "average |values| over the digits (axis 0), keeping the 28 x 28 pixel layout.")


PROTOTYPE_OUTCOMES = ("higher", "lower", "about the same")


def _nearest_prototype_agreement(cnn, images, pred, hard, top):
    """Share of the ``hard`` digits on which the nearest of ``top`` prototypes per class gives the CNN's class."""
    prototypes = explain.class_prototypes(cnn, images[:2000], top=top)
    flat = images.reshape(len(images), -1).astype(np.float64)
    proto = prototypes.images.reshape(-1, flat.shape[1]).astype(np.float64)
    dist = (flat**2).sum(1)[:, None] - 2 * flat @ proto.T + (proto**2).sum(1)[None]
    guess = np.repeat(prototypes.classes, top)[dist.argmin(1)]
    return float(np.mean(guess[hard] == pred[hard]))


def check_prototype_prediction(prediction, cnn, linear, images):
    """Chapter 2, predict then verify: 20 prototypes per class instead of 5, on the digits CNN and linear disagree.

    The nearest-prototype stand-in is built from the top 5 and from the top 20 prototypes per class
    (searched in the first 2,000 of ``images``); its agreement with the CNN on the digits where the
    CNN and the linear model disagree is "higher" or "lower" with 20 when it moves by more than
    2 percentage points, else "about the same".

    Args:
        prediction: "higher", "lower" or "about the same".
        cnn: the ``mnist_cnn`` model.
        linear: the ``mnist_linear`` model.
        images: the test digits (n, 28, 28, 1), n >= 2000.
    """
    choice, problem = as_choice(prediction, PROTOTYPE_OUTCOMES, "the prediction")
    if problem:
        return report(False, problem)
    x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28, 1)
    if len(x) < 2000:
        return report(False, f"pass the whole test set (at least 2,000 digits), got {len(x)}.")
    pred = models.predict_proba(cnn, x, batch_size=2000).argmax(1)
    hard = pred != models.predict_proba(linear, x, batch_size=2000).argmax(1)
    agreement = {top: _nearest_prototype_agreement(cnn, x, pred, hard, top) for top in (5, 20)}
    change = agreement[20] - agreement[5]
    answer = "about the same" if abs(change) <= 0.02 else ("higher" if change > 0 else "lower")
    if choice == answer:
        return report(True, "more prototypes cover more of each class; now ask what the stand-in has become.")
    return report(False, "not what happens; build the stand-in with top=20 and compare the two agreements.")
