"""Chapter 6 checks: IMDB models, from transparent to opaque."""

import numpy as np
import tensorflow as tf

from .common import as_number, report


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


def _present_weights(model, review):
    """``{word: W[v, 1] - W[v, 0]}`` over the vocabulary words of ``review`` (not ``[UNK]``), and ``z1 - z0``."""
    from .. import models

    words, kernel = _bow_terms(model, review)
    weights = {w: float(k[1] - k[0]) for w, k in zip(words, kernel) if w != "[UNK]"}
    z = np.asarray(models.logits_model(model)(tf.constant([review])))[0]
    return weights, float(z[1] - z[0])


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def check_best_deletion(word, probability, model, review):
    """Chapter 6: the one word whose deletion makes the bag-of-words model most positive, and p(positive) after.

    Deleting every occurrence of a vocabulary word ``v`` present in the review removes its term
    from the logit difference: ``p = sigmoid(z1 - z0 - w_v)``. The best word has the most negative ``w_v``.

    Args:
        word: the student's word (a vocabulary word of the review, lower case; not ``"[UNK]"``).
        probability: the student's p(positive) after deleting every occurrence of ``word``.
        model: the ``imdb_bow`` model.
        review: the review (str).
    """
    if not isinstance(word, str):
        return report(False, f"give the word as a str, got {type(word).__name__}.")
    prob, problem = as_number(probability, "p(positive)")
    if problem:
        return report(False, problem)
    weights, gap = _present_weights(model, review)
    if word == "[UNK]":
        return report(False, "'[UNK]' stands for every word outside the vocabulary; pick one vocabulary word.")
    if word not in weights:
        return report(False, f"{word!r} is not a vocabulary word of this review (the model lower-cases the text).")
    best = min(weights, key=weights.get)
    if weights[word] >= 0:
        return report(False, f"{word!r} pushes towards 'positive'; deleting it lowers p(positive).")
    if word != best:
        return report(False, f"deleting {word!r} helps, but another word of the review has a more negative weight.")
    expected = _sigmoid(gap - weights[word])
    if abs(prob - expected) < 1e-3:
        return report(
            True, "the most negative word goes, and its weight leaves the logit difference: sigmoid(z1 - z0 - w)."
        )
    if abs(prob - _sigmoid(gap)) < 1e-3:
        return report(False, "that is p(positive) before the deletion; subtract the word's weight from z1 - z0 first.")
    if abs(prob - _sigmoid(gap + weights[word])) < 1e-3:
        return report(False, "the word is right, but its weight was added again; deleting it subtracts it.")
    if abs(prob - (gap - weights[word])) < 1e-3:
        return report(False, "the word is right; that is the new logit difference, pass it through the sigmoid.")
    return report(False, "the word is right; p(positive) after is sigmoid(z1 - z0 - w) with the word's weight w.")


_NOT_BAD = ("the film was bad", "the film was not bad")


def check_not_bad(prediction, model):
    """Chapter 6, predict-then-verify: is "the film was not bad" more, less or as positive as "the film was bad"?

    The truth is read from ``model`` (for ``imdb_bow``: "not" has its own weight, added to the sum).

    Args:
        prediction: ``"more"``, ``"less"`` or ``"same"``: p(positive) of the "not bad" review compared
            with the "bad" one.
        model: the model the prediction is about.
    """
    from .. import models

    answer = prediction.strip().lower() if isinstance(prediction, str) else None
    if answer not in ("more", "less", "same"):
        return report(False, f"answer 'more', 'less' or 'same'; got {prediction!r}.")
    p_bad, p_not_bad = models.predict_proba(model, list(_NOT_BAD))[:, 1]
    truth = "same" if abs(p_not_bad - p_bad) < 1e-6 else ("more" if p_not_bad > p_bad else "less")
    if answer == truth:
        return report(
            True, f"'not bad' is {truth} positive for {model.name}. Now print both probabilities and explain why."
        )
    hints = {
        "more": "that is how a reader takes 'not bad'. A bag of words cannot negate: it adds the weight of 'not' "
        "to the sum. Look up the weight of 'not' in the table of weights.",
        "same": "'not' is a word of the vocabulary with a weight of its own, so the sum changes.",
        "less": "look at the model's outputs: it does not treat 'not' as evidence against 'positive' here.",
    }
    return report(False, hints[answer])
