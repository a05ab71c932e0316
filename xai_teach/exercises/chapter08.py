"""Chapter 8 checks: is attention an explanation?"""

import numpy as np

from .common import report


def _top(values, k):
    return set(np.argsort(-np.abs(values), kind="stable")[:k].tolist())


def check_attention_overlap(answer, a, b, k=5):
    """Chapter 8: the top-k overlap of two explanations of one review, as a fraction in [0, 1].

    Args:
        answer: the student's fraction of the k words with the largest |a| that are also among the k largest |b|.
        a, b: the two explanations, one value per word.
        k: size of the top sets.
    """
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"a and b must explain the same words, got {a.size} and {b.size} values.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, f"give the overlap as one number, got {type(answer).__name__}.")
    common = len(_top(a, k) & _top(b, k))
    if abs(value - common / k) < 1e-9:
        return report(True, "the share of the top words the two explanations have in common.")
    if abs(value - common) < 1e-9 and common != common / k:
        return report(False, "that is the number of shared words; divide by k to get a fraction.")
    signed = len(set(np.argsort(-a, kind="stable")[:k].tolist()) & set(np.argsort(-b, kind="stable")[:k].tolist()))
    if abs(value - signed / k) < 1e-9:
        return report(False, "rank by the absolute value |attribution|: words pushing against the class count too.")
    if not 0 <= value <= 1:
        return report(False, "an overlap is a fraction between 0 and 1.")
    return report(False, "take the k largest |values| of each explanation and count the words in both sets.")
