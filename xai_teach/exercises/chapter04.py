"""Chapter 4 checks: SHAP on MNIST."""

import numpy as np

from .common import as_array, as_choice, as_target, checked, report


def check_linear_shap(values, model, image, background, target):
    """Chapter 4: exact SHAP values ``w[:, target] * (x - mean(background))`` of a linear model's logit.

    Args:
        values: the student's (28, 28) array of SHAP values.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit being explained.
        background: the (n, 28, 28, 1) background images.
        target: the class whose logit is explained.
    """
    kernel, _ = model.get_layer("logits").get_weights()
    arr, target, problem = checked(as_array(values, (28, 28), "values"), as_target(target, kernel.shape[1]))
    if problem:
        return report(False, problem)
    w = kernel[:, target].reshape(28, 28)
    x = np.asarray(image, dtype=np.float64).reshape(28, 28)
    mean_bg = np.asarray(background, dtype=np.float64).reshape(-1, 28, 28).mean(axis=0)
    expected = w * (x - mean_bg)
    if np.allclose(arr, expected, atol=1e-5):
        return report(True, "the weights times the digit's difference from the mean background image.")
    if np.allclose(arr, w * x, atol=1e-5):
        return report(False, "that is chapter 1's w * x, which compares with a blank image; subtract the background.")
    if np.allclose(arr, -expected, atol=1e-5):
        return report(False, "the sign is flipped: use x minus the mean background, not the other way round.")
    if np.allclose(arr, w, atol=1e-5):
        return report(False, "that is the weight template alone; multiply it by x minus the mean background.")
    if np.allclose(arr.sum(), expected.sum(), atol=1e-3):
        return report(False, "the total is right but the per-pixel split is not; check the pixel order.")
    return report(
        False, "the values should add up to the logit minus the mean logit on the background; check class and mean."
    )


BACKGROUND_OUTCOMES = ("larger", "smaller", "about the same")


def check_background_prediction(prediction, model, image, target, background_a, background_b):
    """Chapter 4, predict then verify: does the sum of a linear model's SHAP values grow with background b?

    The sum of exact SHAP values of a linear logit is ``z(x) - mean z(background)``; with
    ``background_b`` instead of ``background_a`` it is "larger" or "smaller" when it moves by more
    than 5 % of its value with ``background_a``, else "about the same".

    Args:
        prediction: "larger", "smaller" or "about the same".
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit.
        target: the class whose logit is explained.
        background_a, background_b: the two backgrounds (n, 28, 28, 1).
    """
    kernel, _ = model.get_layer("logits").get_weights()
    choice, target, problem = checked(
        as_choice(prediction, BACKGROUND_OUTCOMES, "the prediction"), as_target(target, kernel.shape[1])
    )
    if problem:
        return report(False, problem)
    w = kernel[:, target].astype(np.float64)
    x = np.asarray(image, dtype=np.float64).ravel()
    means = [np.asarray(b, dtype=np.float64).reshape(-1, x.size).mean(axis=0) for b in (background_a, background_b)]
    totals = [w @ (x - mean) for mean in means]
    change = totals[1] - totals[0]
    answer = "about the same" if abs(change) <= 0.05 * abs(totals[0]) else ("larger" if change > 0 else "smaller")
    if choice == answer:
        return report(
            True, "the sum is the logit minus its mean over the background; the background sets the question."
        )
    return report(False, "the sum of the values is z(x) minus the mean logit over the background: which is higher?")
