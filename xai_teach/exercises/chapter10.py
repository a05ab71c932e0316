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


def check_lambda_faithfulness_prediction(prediction, model_low, model_high, images, reference):
    r"""Chapter 10 (predict, then verify): is concept removal more faithful for the SENN with the larger lambda?

    The student predicts, *before* measuring, whether the median correlation between
    :math:`\theta_{ic}(x)` and the drop of the class probability when concept i is set to its mean
    (:func:`xai_teach.senn.experiments.concept_removal`) is ``"higher"`` or ``"lower"`` for
    ``model_high`` than for ``model_low``. This check measures both on ``images`` (baselines: the
    mean concept activations on ``reference``) and says whether the prediction held.

    Args:
        prediction: ``"higher"`` or ``"lower"``.
        model_low, model_high: two SENNs (e.g. lambda = 0 and lambda = 1).
        images: the digits to test on.
        reference: digits whose mean concept activation is each model's baseline.
    """
    from ..senn import concepts
    from ..senn.experiments import concept_removal

    if prediction not in ("higher", "lower"):
        return report(False, f"predict 'higher' or 'lower', got {prediction!r}.")
    med = [
        float(np.nanmedian(concept_removal(m, images, baseline=concepts(m, reference).mean(0))["correlation"]))
        for m in (model_low, model_high)
    ]
    truth = "higher" if med[1] > med[0] else "lower"
    measured = f"median correlation {med[0]:.3f} (first model) and {med[1]:.3f} (second model)"
    if prediction == truth:
        return report(True, f"{measured}. Now explain why, from what lambda does to theta.")
    return report(False, f"the measurement says '{truth}': {measured}. Which of your assumptions failed?")
