"""Chapter 5 checks: LIME on MNIST."""

import numpy as np

from .common import as_array, report


def check_ink_share(answer, values, image, threshold=0.2):
    """Chapter 5: share of the positive attribution mass that lies on the digit's ink.

    Args:
        answer: the student's share, one number in [0, 1].
        values: the (28, 28) attribution of ``image``.
        image: the (28, 28, 1) digit; its ink is the pixels brighter than ``threshold``.
        threshold: grey level above which a pixel counts as ink.
    """
    try:
        share = float(answer)
    except (TypeError, ValueError):
        return report(False, f"give the share as one number, got {type(answer).__name__}.")
    values, problem = as_array(values, (28, 28), "values")
    if problem:
        return report(False, problem)
    ink = np.asarray(image).reshape(28, 28) > threshold  # in the image's dtype, as the student compares it
    pos = np.maximum(values, 0)
    if pos.sum() == 0:
        return report(False, "these values have no positive mass, so the share is undefined; explain another digit.")
    expected = pos[ink].sum() / pos.sum()
    if abs(share - expected) < 1e-6:
        return report(True, "positive evidence on the ink divided by all positive evidence.")
    if share > 1:
        return report(False, "give a fraction between 0 and 1, not a percentage.")
    if abs(share - (1 - expected)) < 1e-6:
        return report(False, "that is the share off the ink; the question asks for the ink (pixels above 0.2).")
    absolute = np.abs(values)
    if abs(share - absolute[ink].sum() / absolute.sum()) < 1e-6:
        return report(False, "np.abs mixes in the evidence against the class; keep only the positive values.")
    if abs(share - ink.mean()) < 1e-6:
        return report(False, "that is the share of pixels that are ink; weight each pixel by its positive value.")
    return report(False, "sum the positive values on the ink pixels and divide by the sum of all positive values.")
