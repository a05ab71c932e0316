r"""Is a SENN's explanation faithful and stable? The paper's two tests, on the SENN's own explanation vector.

Comparing with pixel explainers (saliency, integrated gradients, LIME, SHAP on
the CNN), Alvarez-Melis & Jaakkola compare each method's explanation vector in
its own feature space, with the input perturbation measured in pixels:

- ``kind="pixels"``: :func:`~xai_teach.senn.attribution` is an ``explain_fn``
  returning an image :class:`~xai_teach.explain.Attribution`, so
  :func:`xai_teach.metrics.local_lipschitz` and
  :func:`xai_teach.metrics.faithfulness_estimate` take it like any pixel explainer.
- ``kind="concepts"``: the explanation is the k-vector of relevances
  :math:`\theta_{\cdot c}(x)`. :func:`local_lipschitz` scores it on exactly the
  perturbed images :func:`xai_teach.metrics.local_lipschitz` draws for the same
  ``epsilon``, ``n_samples`` and ``seed``, and :func:`faithfulness` removes
  concepts instead of pixels. Both return a :class:`xai_teach.metrics.Result`, so
  their ``scores`` sit next to the metrics' scores in one table or box plot.
"""

import numpy as np

from .. import checks
from .explanation import explain, outputs, positive_int
from .model import check_senn


def local_lipschitz(
    model, inputs, targets=None, epsilon=0.1, n_samples=10, normalise=True, random_state=0, seed=checks._UNSET
):
    r"""Local Lipschitz estimate of the SENN relevances, in the model's own concept space.

    .. math:: \hat{L}(x) = \max_{x'} \frac{\lVert \theta_{\cdot c}(x) - \theta_{\cdot c}(x') \rVert_2}
              {\lVert x - x' \rVert_2}

    over the ``n_samples`` perturbed images that
    :func:`xai_teach.metrics.local_lipschitz` draws for the same ``epsilon``,
    ``n_samples`` and ``random_state`` (uniform noise in the L-inf ball, clipped to [0,
    1]); the class c stays the one explained at x. With ``normalise=True`` the
    change is divided by :math:`\lVert \theta_{\cdot c}(x) \rVert_2`, which makes
    explanations of different sizes (k concepts, 784 pixels) comparable. For
    ``kind="pixels"`` the normalised score equals
    ``metrics.local_lipschitz(model, x, senn.attribution)``. **Lower is better.**

    Args:
        model: a SENN.
        inputs: images (n, 28, 28[, 1]) in [0, 1].
        targets: class per input; None explains the predicted class.
        epsilon: radius of the L-inf ball (pixel units).
        n_samples: perturbed copies per image.
        normalise: divide relevance differences by the norm of the relevances at x.
        random_state: seeds the perturbations (``seed=`` is its old name).

    Returns:
        :class:`xai_teach.metrics.Result` with ``details["ratios"]`` (n, n_samples).
    """
    from ..metrics import Result
    from ..metrics.stability import lipschitz_ratios, perturb

    random_state = checks.renamed_seed(random_state, seed)
    check_senn(model)
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 < epsilon <= 1:
        raise ValueError(f"epsilon must be a float in (0, 1], got {epsilon!r}.")
    n_samples = positive_int(n_samples, "n_samples", high=1000)
    x = checks.image_batch(inputs)
    e = explain(model, x, targets)
    xp = perturb(x, float(epsilon), n_samples, random_state)
    ep = explain(model, xp.reshape((-1,) + x.shape[1:]), np.repeat(e.targets, n_samples)).values
    ratios, scores = lipschitz_ratios(x, xp, e.values, ep.reshape(len(x), n_samples, -1), normalise, stacklevel=4)
    details = {"ratios": ratios, "epsilon": float(epsilon), "normalise": normalise, "space": model.kind}
    return Result(metric="local_lipschitz", scores=scores, targets=e.targets, better="lower", details=details)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def faithfulness(model, inputs, targets=None, output="probs", relevance="contribution"):
    r"""The SENN paper's faithfulness estimate for concepts: remove each concept, correlate relevance and drop.

    Removing concept i zeroes its relevances :math:`\theta_{i\cdot}(x)` for every
    class (the same as setting :math:`h_i(x) = 0` in the aggregator), so the logits become
    :math:`z_c - \theta_{ic} h_i`; the drop is the change of the explained
    class's probability (or logit). The score is the Pearson correlation over the
    k concepts between relevance and drop. **Higher is better.** In logit space
    with ``relevance="contribution"`` the drop *is* the contribution and the score
    is exactly 1: SENN is faithful by construction there; the probability drop
    adds the softmax's coupling of the classes.

    Args:
        model: a SENN.
        inputs: images (n, 28, 28[, 1]) in [0, 1].
        targets: class per input; None explains the predicted class.
        output: measure the drop in ``"probs"`` or ``"logits"`` (old spellings warn).
        relevance: correlate with ``"contribution"`` (:math:`\theta_{ic} h_i`) or ``"theta"``
            (:math:`\theta_{ic}` alone, as the paper writes it).

    Returns:
        :class:`xai_teach.metrics.Result`; ``details`` holds ``relevances`` and ``drops``, both (n, k).
    """
    from .. import forward
    from ..metrics import Result

    output = forward.check_output(output)
    if relevance not in ("contribution", "theta"):
        raise ValueError(f"relevance must be 'contribution' or 'theta', got {relevance!r}.")
    x = checks.image_batch(inputs)
    out = outputs(model, x)
    e = explain(model, x, targets)
    rows = np.arange(len(x))
    z = out["logits"].astype(np.float64)
    # (n, k, 10): the logits with concept i removed, for every i at once.
    removed = z[:, None, :] - out["relevances"] * out["concepts"][:, :, None]
    if output == "logits":
        drops = z[rows, e.targets][:, None] - removed[rows, :, e.targets]
    else:
        drops = _softmax(z)[rows, e.targets][:, None] - _softmax(removed)[rows, :, e.targets]
    rel = (e.contributions if relevance == "contribution" else e.values).astype(np.float64)
    scores = _pearson(rel, drops)
    return Result(
        metric="faithfulness_estimate",
        scores=scores,
        targets=e.targets,
        better="higher",
        details={"relevances": rel, "drops": drops, "output": output, "relevance": relevance},
    )


def _pearson(a, b):
    """Row-wise Pearson correlation; NaN where a row is constant."""
    from ..metrics._common import rowwise_pearson

    return rowwise_pearson(a, b)
