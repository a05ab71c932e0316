"""Chapter 7 checks: explaining single reviews."""

import numpy as np

from .common import as_array, as_target, report


def check_gradient_x_input(values, model, review, target):
    """Chapter 7: gradient x input on the embeddings for the *probability* of ``target``, one value per word.

    Args:
        values: the student's per-word values, one per token of ``explain.tokenize(model, review)[0]``.
        model: an IMDB sequence model with an embedding layer (``imdb_transformer`` or ``imdb_lstm``).
        review: the review (str) being explained.
        target: the class whose probability is differentiated.
    """
    from .. import explain

    target, problem = as_target(target, 2)
    if problem:
        return report(False, problem + " (0: negative, 1: positive)")
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


_METHODS = ("LIME", "SHAP", "attention", "gradient x input")


def _method_set(answer, what):
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        return None, f"give {what} as a set of method names, e.g. {{'LIME'}} or set(); got {answer!r}."
    names = {str(a).strip() for a in answer}
    unknown = names - set(_METHODS)
    if unknown:
        return None, f"{sorted(unknown)} in {what} are not among the methods {list(_METHODS)}."
    return names, None


def check_other_class(flips, unchanged):
    """Chapter 7, predict-then-verify: what happens to each method's values when the *other* class is explained?

    With the chapter's settings (LIME and SHAP on probabilities, gradient x input on logits), explaining
    class ``1 - c`` instead of ``c`` negates LIME's and SHAP's values exactly, leaves attention as it
    is, and changes gradient x input without negating it.

    Args:
        flips: the set of methods (names from ``"LIME"``, ``"SHAP"``, ``"attention"``,
            ``"gradient x input"``) whose every value becomes exactly its negative.
        unchanged: the set of methods whose values stay exactly the same.
    """
    flips, problem = _method_set(flips, "flips")
    if problem:
        return report(False, problem)
    unchanged, problem = _method_set(unchanged, "unchanged")
    if problem:
        return report(False, problem)
    if flips & unchanged:
        return report(False, f"{sorted(flips & unchanged)} cannot both flip and stay the same.")
    right_flips, right_same = {"LIME", "SHAP"}, {"attention"}
    if flips == right_flips and unchanged == right_same:
        return report(True, "LIME and SHAP flip, attention stays, gradient x input changes. Now verify it below.")
    wrong = sorted((flips ^ right_flips) | (unchanged ^ right_same))
    return report(False, f"think again about {wrong[0]}: {_hint(wrong[0])}")


def _hint(method):
    return {
        "LIME": "what does LIME regress on, and what is p(other class)?",
        "SHAP": "what are the Shapley values of 1 - f?",
        "attention": "does attention know which class is explained?",
        "gradient x input": "which score does it differentiate by default, and are the two logits tied?",
    }[method]
