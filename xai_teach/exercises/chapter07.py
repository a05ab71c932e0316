"""Chapter 7 checks: explaining single reviews."""

import numpy as np

from .common import as_array, report


def check_gradient_x_input(values, model, review, target):
    """Chapter 7: gradient x input on the embeddings for the *probability* of ``target``, one value per word.

    Args:
        values: the student's per-word values, one per token of ``explain.tokenize(model, review)[0]``.
        model: an IMDB sequence model with an embedding layer (``imdb_transformer`` or ``imdb_lstm``).
        review: the review (str) being explained.
        target: the class whose probability is differentiated.
    """
    from .. import explain

    words = explain.tokenize(model, review)[0]
    arr, problem = as_array(values, (len(words),), "the values")
    if problem:
        return report(False, problem + " Keep one value per word the model reads (drop the padding).")
    expected = explain.gradient_x_input(model, [review], targets=target, output="probs").values[0]
    if np.allclose(arr, expected, rtol=1e-3, atol=1e-7):
        return report(True, "gradient of the probability times the embedding, summed over the embedding dimensions.")
    logits = explain.gradient_x_input(model, [review], targets=target, output="logits").values[0]
    if np.allclose(arr, logits, rtol=1e-3, atol=1e-6):
        return report(False, "these are the values for the logit; differentiate the 'probs' layer instead.")
    other = explain.gradient_x_input(model, [review], targets=1 - target, output="probs").values[0]
    if np.allclose(arr, other, rtol=1e-3, atol=1e-7):
        return report(False, "that is the other class's probability; take the column of the target class.")
    if np.allclose(arr.sum(), expected.sum(), rtol=1e-3, atol=1e-7):
        return report(False, "the total is right but the split over words is not.")
    return report(False, "multiply the gradient by the embedding and sum over the embedding axis (not the words).")
