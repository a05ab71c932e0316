"""Chapter 5 checks: LIME on MNIST."""

import numpy as np

from .common import as_array, as_number, report


def check_ink_share(answer, values, image, threshold=0.2):
    """Chapter 5: share of the positive attribution mass that lies on the digit's ink.

    Args:
        answer: the student's share, one number in [0, 1].
        values: the (28, 28) attribution of ``image``.
        image: the (28, 28, 1) digit; its ink is the pixels brighter than ``threshold``.
        threshold: grey level above which a pixel counts as ink.
    """
    share, problem = as_number(answer, "the share")
    if problem:
        return report(False, problem)
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


_BLANK_FEEDBACK = {
    "a": "hiding a blank superpixel indeed changes nothing, but LIME does not know that: it estimates all 49 "
    "coefficients from a finite set of random samples, and a blank superpixel's on/off column correlates by chance "
    "with the columns that matter. Run the cell below and look at the blank weights.",
    "c": "the model never sees a blank superpixel change (it is black whether kept or hidden), so nothing in the "
    "samples can make its weight consistently negative. Run the cell below and compare the seeds.",
    "d": "a blank superpixel has no effect on any prediction, so a weight as large as an inked superpixel's would "
    "need a large chance correlation. Run the cell below and compare the sizes.",
}


def check_blank_superpixels(prediction):
    """Chapter 5, predict-then-verify: what weight does LIME give a superpixel that holds no ink?

    Args:
        prediction: one letter: ``"a"`` exactly 0 in every run; ``"b"`` small values around 0 that change
            from seed to seed; ``"c"`` clearly negative; ``"d"`` as large as the inked superpixels' weights.
    """
    letter = str(prediction).strip().lower().strip("()") if isinstance(prediction, str) else None
    if letter not in ("a", "b", "c", "d"):
        return report(False, f"answer with one letter, 'a', 'b', 'c' or 'd'; got {prediction!r}.")
    if letter == "b":
        return report(
            True,
            "hiding a blank superpixel changes no prediction, so its true effect is 0, but the regression estimates "
            "it from random samples: it gets noise, different for every seed. Now run the cell below to verify.",
        )
    return report(False, _BLANK_FEEDBACK[letter])
