"""Agreement between two explanations of the same inputs, and localisation against a known region.

Attributions can be :class:`~xai_teach.explain.Attribution` objects, arrays with
one row per input (images ``(n, 28, 28)``), or lists with one 1-D array per
input (text: one value per token; both explanations of one review must have
the same number of tokens). By default features are ranked by ``|value|``
(``absolute=True``): how *important* a feature is, whatever the sign, which is
what attention (never negative) can be compared with. Pass ``absolute=False``
to compare signed rankings, most positive first.
"""

import warnings

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, rankdata

from ..explain.attribution import Attribution
from . import _common as c
from .registry import metric


def value_list(attribution, what="attribution"):
    """One finite 1-D float array per input, from an Attribution, an array or a list of arrays."""
    if isinstance(attribution, Attribution):
        rows = [attribution.flat(i) for i in range(len(attribution))]
    elif isinstance(attribution, np.ndarray):
        if attribution.ndim < 2:
            raise ValueError(f"{what} must have one row per input (ndim >= 2), got shape {attribution.shape}.")
        rows = list(attribution.reshape(len(attribution), -1))
    elif isinstance(attribution, (list, tuple)):
        rows = [np.asarray(v) for v in attribution]
    else:
        raise TypeError(
            f"{what} must be an Attribution, an array or a list of arrays, got {type(attribution).__name__}."
        )
    if not rows:
        raise ValueError(f"{what} is empty.")
    out = []
    for i, v in enumerate(rows):
        if v.dtype.kind not in "fiub":
            raise TypeError(f"{what}[{i}] must be numeric, got dtype {v.dtype}.")
        v = v.reshape(-1).astype(np.float64)
        if v.size == 0:
            raise ValueError(f"{what}[{i}] has no features.")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{what}[{i}] contains NaN or inf values.")
        out.append(v)
    return out


def _pair(a, b):
    a, b = value_list(a, "a"), value_list(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a and b must explain the same inputs: a has {len(a)} explanations, b has {len(b)}.")
    for i, (u, v) in enumerate(zip(a, b)):
        if u.shape != v.shape:
            raise ValueError(f"a[{i}] has {u.size} features but b[{i}] has {v.size}; explain the same input twice.")
    return a, b


def _score(values, absolute):
    return np.abs(values) if absolute else values


def _ranks(values, absolute):
    return rankdata(_score(values, absolute))[None]


def _check_absolute(absolute):
    if not isinstance(absolute, (bool, np.bool_)):
        raise TypeError(f"absolute must be True or False, got {absolute!r}.")


def spearman(a, b, absolute=True):
    r"""Spearman rank correlation between two explanations of each input.

    .. math:: \rho = \operatorname{corr}\big(\operatorname{rank}(a), \operatorname{rank}(b)\big)
              \quad \text{(Pearson of ranks; ties share their average rank)}

    1: same ranking, -1: reversed, 0: unrelated (Spearman 1904, *The proof and
    measurement of association between two things*). NaN, with a warning, where an
    explanation is constant.

    Args:
        a, b: two explanations of the same inputs.
        absolute: rank by |value| (True) or by signed value (False).
    """
    _check_absolute(absolute)
    a, b = _pair(a, b)
    if len({v.size for v in a}) == 1:
        ra = rankdata(_score(np.stack(a), absolute), axis=1)
        rb = rankdata(_score(np.stack(b), absolute), axis=1)
        r = c.rowwise_pearson(ra, rb)
    else:
        r = np.concatenate([c.rowwise_pearson(_ranks(u, absolute), _ranks(v, absolute)) for u, v in zip(a, b)])
    return c.warn_undefined(r, "spearman", "an explanation is constant")


def kendall(a, b, absolute=True):
    r"""Kendall's tau-b between two explanations of each input (Kendall 1938, *A new measure of rank
    correlation*, Biometrika):

    .. math:: \tau_b = \frac{P - Q}{\sqrt{(P + Q + T_a)(P + Q + T_b)}}

    with :math:`P` concordant and :math:`Q` discordant feature pairs and
    :math:`T_a, T_b` pairs tied in only one ranking. Same range and reading as
    :func:`spearman`; NaN (with a warning) where an explanation is constant.
    """
    _check_absolute(absolute)
    a, b = _pair(a, b)
    with warnings.catch_warnings():
        # scipy warns on constant input; warn_undefined below reports those NaNs once, with the metric's name.
        warnings.simplefilter("ignore", RuntimeWarning)
        tau = np.array([kendalltau(_score(u, absolute), _score(v, absolute))[0] for u, v in zip(a, b)], dtype=float)
    return c.warn_undefined(tau, "kendall", "an explanation is constant")


def _top(values, k, absolute):
    return np.argsort(-_score(values, absolute), kind="stable")[:k]


def check_k(k, a):
    """``k`` must be an int between 1 and the number of features of the smallest input."""
    smallest = min(v.size for v in a)
    return c.positive_int(k, "k", high=smallest)


def top_k_overlap(a, b, k=10, absolute=True):
    r"""Fraction of the ``k`` most important features that two explanations share.

    .. math:: \mathrm{overlap}_k = \frac{|\operatorname{top}_k(a) \cap \operatorname{top}_k(b)|}{k}

    1: the same top-k features, 0: none in common (the measure of Ghorbani, Abid &
    Zou 2019, *Interpretation of Neural Networks is Fragile*, AAAI). Ties at the
    k-th place are broken by feature order (pixels row by row, words left to right).

    Args:
        a, b: two explanations of the same inputs.
        k: how many top features to compare, 1 <= k <= number of features.
        absolute: rank by |value| (True) or by signed value (False).
    """
    _check_absolute(absolute)
    a, b = _pair(a, b)
    k = check_k(k, a)
    return np.array([np.intersect1d(_top(u, k, absolute), _top(v, k, absolute)).size / k for u, v in zip(a, b)])


def agreement(model, inputs, attribution_a, attribution_b, *, targets=None, k=10, absolute=True):
    """Spearman, Kendall and top-k overlap between two explanations (or explainers) of the same inputs.

    Used e.g. to ask whether attention agrees with gradients, LIME or SHAP on
    IMDB reviews (Jain & Wallace 2019, *Attention is not Explanation*, NAACL).

    Args:
        model: the model both explanations explain.
        inputs: images or reviews.
        attribution_a, attribution_b: Attributions, (n, 28, 28) arrays or explainers.
        targets: class per input; None uses the Attributions' targets or the predicted class.
        k: size of the top-k sets.
        absolute: rank by |value| (True) or by signed value (False).

    Returns:
        DataFrame with one row per input: ``input``, ``target``, ``spearman``, ``kendall``, ``top_k_overlap``.
    """
    pa = c.prepare(model, inputs, attribution_a, targets, what="attribution_a")
    pb = c.prepare(model, inputs, attribution_b, pa.targets, what="attribution_b")
    return pd.DataFrame(
        {
            "input": np.arange(len(pa)),
            "target": pa.targets,
            "spearman": spearman(pa.values, pb.values, absolute),
            "kendall": kendall(pa.values, pb.values, absolute),
            "top_k_overlap": top_k_overlap(pa.values, pb.values, k, absolute),
        }
    )


def _mask_list(mask, p):
    """The ground-truth region as one boolean array per input, aligned with the features."""
    if mask is None:
        raise ValueError("localisation needs mask=: the known region (True inside), e.g. a planted shortcut.")
    n = len(p)
    if p.is_text:
        if not isinstance(mask, (list, tuple)) or len(mask) != n:
            raise ValueError(f"for text, mask must be a list of {n} boolean arrays, one per review.")
        rows = [np.asarray(m) for m in mask]
        for i, (m, v) in enumerate(zip(rows, p.values)):
            if m.shape != v.shape:
                raise ValueError(f"mask[{i}] has shape {m.shape} but review {i} has {v.size} tokens.")
    else:
        arr = np.asarray(mask)
        if arr.shape in ((28, 28), (28, 28, 1)):
            arr = np.broadcast_to(arr.reshape(1, 28, 28), (n, 28, 28))
        elif arr.shape in ((n, 28, 28, 1),):
            arr = arr[..., 0]
        if arr.shape != (n, 28, 28):
            raise ValueError(f"mask must have shape (28, 28) or ({n}, 28, 28), got {np.shape(mask)}.")
        rows = list(arr.reshape(n, c.N_PIXELS))
    out = []
    for i, m in enumerate(rows):
        if m.dtype != bool and not np.isin(m, (0, 1)).all():
            raise ValueError(f"mask[{i}] must be boolean (or 0/1), got values other than 0 and 1.")
        out.append(m.astype(bool))
    return out


@metric(better="higher")
def localisation(model, inputs, attribution, *, targets=None, mask=None, mass="positive"):
    r"""Share of the attribution mass that falls inside a known region (relevance mass accuracy,
    Arras, Osman & Samek 2022, *CLEVR-XAI: A benchmark dataset for the ground truth evaluation of
    neural network explanations*, Information Fusion).

    .. math:: \mathrm{mass}(x) = \frac{\sum_{i \in M} a_i^+}{\sum_i a_i^+}, \qquad a^+ = \max(a, 0)

    1: all evidence for the class lies in the region (e.g. a planted shortcut the
    model is known to use); **higher is better** when the model relies on the region.

    Args:
        model, inputs, attribution, targets: as for the other metrics.
        mask: the region, True inside: (28, 28) for all images, (n, 28, 28), or for text one
            boolean array per review aligned with its tokens.
        mass: ``"positive"`` (evidence for the class, as above) or ``"absolute"`` (:math:`|a_i|`).

    Returns:
        Result; NaN (with a warning) where an explanation has no mass at all.
    """
    if mass not in ("positive", "absolute"):
        raise ValueError(f"mass must be 'positive' or 'absolute', got {mass!r}.")
    p = c.prepare(model, inputs, attribution, targets)
    masks = _mask_list(mask, p)
    scores = []
    for v, m in zip(p.values, masks):
        w = np.maximum(v, 0) if mass == "positive" else np.abs(v)
        total = w.sum()
        scores.append(w[m].sum() / total if total > 0 else np.nan)
    scores = c.warn_undefined(np.array(scores), "localisation", "the explanation has no mass")
    return c.Result(metric="localisation", scores=scores, targets=p.targets, details={"mass": mass})
