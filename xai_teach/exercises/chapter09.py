"""Chapter 9 checks: evaluating explanations (faithfulness curves, a prediction checked against deletion)."""

import numpy as np

from .common import as_array, as_target, checked, report

STEPS = 28  #: steps of 28 pixels each, as in the chapter


def _curves(model, image, attribution, target):
    """The insertion and deletion curves of one image, and the insertion curve ranked by |attribution|."""
    from ..metrics import deletion, insertion

    x = np.asarray(image, dtype=np.float32).reshape(1, 28, 28, 1)
    values = attribution.reshape(1, 28, 28)
    kwargs = {"targets": [target], "steps": STEPS, "progress": False}
    ins = insertion(model, x, values, **kwargs).curve[0]
    dele = deletion(model, x, values, **kwargs).curve[0]
    ins_abs = insertion(model, x, values, absolute=True, **kwargs).curve[0]
    return ins, dele, ins_abs


def check_insertion_curve(curve, model, image, attribution, target):
    """Chapter 9: the insertion curve of one digit, 29 probabilities of the target class.

    Args:
        curve: the student's 29 probabilities (0, 28, ..., 784 pixels inserted, most positive first).
        model: the ``mnist_cnn`` model.
        image: the (28, 28, 1) digit.
        attribution: its (28, 28) attribution values.
        target: the class whose probability is recorded.
    """
    arr, problem = as_array(curve, (STEPS + 1,), "insertion_curve")
    if problem:
        return report(False, problem + " Record the probability before the first and after every one of 28 steps.")
    attribution, target, problem = checked(
        as_array(attribution, (28, 28), "the attribution"), as_target(target, model.output.shape[-1])
    )
    if problem:
        return report(False, problem)
    ins, dele, ins_abs = _curves(model, image, attribution, target)
    tol = 1e-4
    if np.allclose(arr, ins, atol=tol):
        return report(True, "the curve starts on a black image and rises as the top pixels come back.")
    if np.allclose(arr, dele, atol=tol):
        return report(False, "that is the deletion curve: insertion starts from a black image and puts pixels back.")
    if np.allclose(arr, ins[::-1], atol=tol):
        return report(False, "the curve runs backwards: its first value is the black image (nothing inserted).")
    if np.allclose(arr, ins_abs, atol=tol):
        return report(False, "rank by the signed attribution (most positive first), not by its absolute value.")
    if np.all((arr >= -tol) & (arr <= 1 + tol)) and not np.isclose(arr.sum(), 1.0):
        return report(False, "the shape is right but the values differ: check the pixel order and the target class.")
    return report(False, "give the probability of the target class (softmax output), not a logit.")


def _mean_scores(results, metric):
    """``{method: mean score}`` of a dict of metric Results, refusing anything else with a clear error."""
    if not isinstance(results, dict) or len(results) < 2:
        raise TypeError(f"results must be a dict of at least two methods -> metrics.{metric} Result.")
    means = {}
    for name, result in results.items():
        if getattr(result, "metric", None) != metric:
            raise TypeError(f"results[{name!r}] must be a metrics.{metric} Result, got {type(result).__name__}.")
        means[name] = result.mean
    return means


def check_deletion_prediction(ranking, winner, deletion):
    """Chapter 9, predict then verify: rank the maps by how convincing they look, then compare with deletion.

    Args:
        ranking: the student's methods ordered by how convincing their maps look, most convincing first
            (at least three names of ``deletion``; written down before the deletion results were shown).
        winner: the method the student predicts to have the lowest mean deletion AUC (a name of ``deletion``).
        deletion: dict method -> ``metrics.deletion`` Result (the chapter's ``results["deletion"]``).

    Prints how the look-based ranking correlates with the deletion ranking (information, not graded) and
    returns whether the predicted winner has the lowest mean deletion AUC.
    """
    means = _mean_scores(deletion, "deletion")
    names = sorted(means)
    if winner is None or (isinstance(ranking, (list, tuple)) and not ranking):
        return report(False, "write down your ranking and your predicted winner first, before looking at the numbers.")
    if not isinstance(ranking, (list, tuple)) or not all(isinstance(m, str) for m in ranking):
        return report(False, f"the ranking should be a list of method names, got {type(ranking).__name__}.")
    unknown = [m for m in list(ranking) + [winner] if m not in means]
    if unknown:
        return report(False, f"unknown method {unknown[0]!r}; choose from {names}.")
    if len(set(ranking)) != len(ranking) or len(ranking) < 3:
        return report(False, "the ranking should name at least three different methods, each once.")
    by_auc = sorted(means, key=means.get)  # lowest AUC (best) first
    look = np.arange(len(ranking))
    measured = np.array([by_auc.index(m) for m in ranking])
    rho = float(np.corrcoef(np.argsort(np.argsort(look)), np.argsort(np.argsort(measured)))[0, 1])
    print(f"Your ranking by look vs the ranking by deletion AUC, over {len(ranking)} methods: Spearman {rho:+.2f}.")
    place = by_auc.index(winner) + 1
    if place == 1:
        return report(True, f"{winner} has the lowest mean deletion AUC of the {len(means)} maps.")
    return report(
        False,
        f"{winner} comes {place} of {len(means)} by mean deletion AUC (lower is better); "
        "which maps looked convincing, and which ones delete the evidence fastest?",
    )
