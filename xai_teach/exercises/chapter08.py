"""Chapter 8 checks: is attention an explanation?"""

import numpy as np

from .common import as_number, report


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
    value, problem = as_number(answer, "the overlap")
    if problem:
        return report(False, problem)
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


def _drop_top_word(model, texts, attribution):
    """Mean fall of the explained class's probability when each review's top-|value| word becomes [UNK]."""
    from .. import models
    from ..explain.text import UNK

    edited = []
    for words, values in zip(attribution.tokens, attribution.values):
        words = list(words)
        words[int(np.argmax(np.abs(values)))] = UNK
        edited.append(" ".join(words))
    rows = np.arange(len(texts))
    before = models.predict_proba(model, list(texts))[rows, attribution.targets]
    after = models.predict_proba(model, edited)[rows, attribution.targets]
    return float(np.mean(before - after))


def check_top_word_prediction(prediction, model, texts, attention, other):
    """Chapter 8 (predict, then verify): whose single top word matters more, attention's or another method's?

    The student predicts, *before* measuring, whether replacing each review's highest-attention word by
    ``[UNK]`` lowers the probability of the explained class ``"more"`` or ``"less"`` (on average over the
    reviews) than replacing the word that ``other`` (e.g. gradient x input) ranks first. This check measures
    both and says whether the prediction held.

    Args:
        prediction: ``"more"`` or ``"less"``.
        model: the text model explained.
        texts: the reviews.
        attention, other: text Attributions of ``texts`` (same tokens and targets).
    """
    if prediction not in ("more", "less"):
        return report(False, f"predict 'more' or 'less', got {prediction!r}.")
    if len(attention) != len(texts) or len(other) != len(texts):
        raise ValueError(
            f"attention and other must explain the {len(texts)} reviews, got {len(attention)} and {len(other)}."
        )
    drops = _drop_top_word(model, texts, attention), _drop_top_word(model, texts, other)
    truth = "more" if drops[0] > drops[1] else "less"
    measured = f"mean drop {drops[0]:.3f} for attention's top word, {drops[1]:.3f} for the other method's"
    if prediction == truth:
        return report(True, f"{measured}. Now explain it from how each method picks its word.")
    return report(False, f"the measurement says '{truth}': {measured}. Which of your assumptions failed?")
