"""Chapter 6 checks: IMDB models, from transparent to opaque."""

import numpy as np
import tensorflow as tf

from .common import report


def _bow_terms(model, review):
    """The vocabulary words present in ``review`` -> ``W[v, 1] - W[v, 0]``, and the per-class weights."""
    kernel, _ = model.get_layer("logits").get_weights()
    vocab = model.get_layer("vectorize").get_vocabulary()
    present = np.flatnonzero(np.asarray(model.get_layer("vectorize")(tf.constant([review])))[0])
    words = [str(vocab[v]) for v in present]
    return words, kernel[present]


def check_bow_contributions(contributions, model, review):
    """Chapter 6: each word's exact contribution ``W[v, 1] - W[v, 0]`` to the bag-of-words logit difference.

    Args:
        contributions: the student's dict ``{word: contribution}`` over the vocabulary words present
            in the review (words outside the vocabulary share the key ``"[UNK]"``).
        model: the ``imdb_bow`` model.
        review: the review (str) being decomposed.
    """
    if not isinstance(contributions, dict):
        return report(False, f"give a dict mapping each word to its contribution, got {type(contributions).__name__}.")
    words, kernel = _bow_terms(model, review)
    missing = [w for w in words if w not in contributions]
    extra = [str(w) for w in contributions if w not in set(words)]
    if extra:
        shown = ", ".join(repr(w) for w in extra[:3])
        return report(
            False,
            f"{len(extra)} key(s) are not vocabulary words the model sees in this review (e.g. {shown}); use the "
            "entries of the vocabulary where the multi-hot vector is 1 (unknown words all count as '[UNK]').",
        )
    if missing:
        return report(
            False, f"{len(missing)} of the {len(words)} words the model sees are missing, e.g. {missing[0]!r}."
        )
    try:
        got = np.array([float(contributions[w]) for w in words])
    except (TypeError, ValueError):
        return report(False, "every value should be one number.")
    expected = kernel[:, 1] - kernel[:, 0]
    if np.allclose(got, expected, atol=1e-5):
        return report(True, "each word present adds W[v, 1] - W[v, 0]; with b1 - b0 they sum to z1 - z0.")
    if np.allclose(got, -expected, atol=1e-5):
        return report(False, "the sign is flipped: these are contributions towards 'negative', not 'positive'.")
    if np.allclose(got, kernel[:, 1], atol=1e-5) or np.allclose(got, kernel[:, 0], atol=1e-5):
        return report(False, "that is one column of W; with two classes a word's effect is the difference of both.")
    return report(False, "a word's contribution is its weight for 'positive' minus its weight for 'negative'.")
