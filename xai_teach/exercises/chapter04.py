"""Chapter 4 checks: SHAP on MNIST."""

import numpy as np

from .common import as_array, report


def check_linear_shap(values, model, image, background, target):
    """Chapter 4: exact SHAP values ``w[:, target] * (x - mean(background))`` of a linear model's logit.

    Args:
        values: the student's (28, 28) array of SHAP values.
        model: the ``mnist_linear`` model.
        image: the (28, 28, 1) digit being explained.
        background: the (n, 28, 28, 1) background images.
        target: the class whose logit is explained.
    """
    arr, problem = as_array(values, (28, 28), "values")
    if problem:
        return report(False, problem)
    kernel, _ = model.get_layer("logits").get_weights()
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
