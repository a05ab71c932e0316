"""Chapter 10 checks: self-explaining neural networks."""

import numpy as np

from .common import as_array, report


def check_senn_contributions(contributions, model, images):
    r"""Chapter 10: a SENN's contributions :math:`\theta_{ic}(x) h_i(x)` to the logit of each predicted class.

    Args:
        contributions: the student's (n, k) array, one row per image, one column per concept.
        model: the SENN that was explained (e.g. ``models.load_pretrained("mnist_senn")``).
        images: the (n, 28, 28, 1) digits explained.
    """
    from ..senn import outputs

    out = outputs(model, images)
    h, theta, logits = out["concepts"], out["relevances"], out["logits"]
    n, k = h.shape
    arr, problem = as_array(contributions, (n, k), "contributions")
    if problem:
        if np.shape(contributions) == (n, k, theta.shape[2]):
            problem += " Keep only the column of the predicted class of each image."
        return report(False, problem)
    rows, predicted = np.arange(n), logits.argmax(1)
    expected = theta[rows, :, predicted] * h
    if np.allclose(arr, expected, rtol=1e-4, atol=1e-4):
        return report(True, "relevance times activation; each row adds up to the logit of the predicted class.")
    if np.allclose(arr, theta[rows, :, predicted], rtol=1e-4, atol=1e-4):
        return report(False, "those are the relevances alone; multiply each by its concept's activation h_i(x).")
    wrong_class = np.any(~np.isclose(arr.sum(1), logits[rows, predicted], rtol=1e-3, atol=1e-3))
    if not wrong_class:
        return report(False, "each row has the right total but the split over the concepts is not right.")
    for c in range(theta.shape[2]):
        if np.allclose(arr, theta[:, :, c] * h, rtol=1e-4, atol=1e-4):
            return report(False, "that is one fixed class for every image; use each image's own predicted class.")
    return report(False, "each row should add up to the logit of that image's predicted class (argmax of the logits).")
