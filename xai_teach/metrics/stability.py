r"""Stability: do explanations stay put when the input, the seed or the background barely change?

These metrics re-explain, so they take an explainer
``explain_fn(model, inputs, targets=None) -> Attribution`` (bind its parameters
with :func:`functools.partial`), never a precomputed Attribution.

Perturbations are drawn uniformly from the L-infinity ball of radius ``epsilon``
around each image and clipped to [0, 1] (so they stay valid images):
:math:`x' = \operatorname{clip}(x + u, 0, 1),\ u \sim U[-\epsilon, \epsilon]^{784}`.
All ``n * n_samples`` perturbed copies and the ``n`` originals are explained in
**one** batched call of ``explain_fn``, always for the class explained at ``x``.

With ``normalise=True`` (default) explanation differences are divided by
:math:`\lVert e(x) \rVert_2`, so that methods whose attributions live on
different scales (a gradient vs. integrated gradients) can be compared; the
papers' raw definitions are ``normalise=False``.
"""

import functools
import inspect
import itertools

import numpy as np
import pandas as pd

from . import _common as c
from .agreement import spearman, top_k_overlap
from .registry import metric
from .result import Steps


def _check_epsilon(epsilon):
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.integer, np.floating)):
        raise TypeError(f"epsilon must be a float, got {epsilon!r}.")
    if not 0 < epsilon <= 1:
        raise ValueError(f"epsilon must lie in (0, 1] for images in [0, 1], got {epsilon}.")
    return float(epsilon)


def perturb(x, epsilon, n_samples, random_state):
    """``n_samples`` copies of each image in the clipped L-inf ball: shape (n, n_samples, 28, 28, 1)."""
    rng = np.random.default_rng(c.check_seed(random_state))
    noise = rng.uniform(-epsilon, epsilon, size=(len(x), n_samples) + x.shape[1:])
    return np.clip(x[:, None] + noise, 0.0, 1.0).astype(np.float32)


def _explain_all(explain_fn, model, x, xp, t):
    n, s = xp.shape[:2]
    everything = np.concatenate([x, xp.reshape((-1,) + x.shape[1:])])
    targets = np.concatenate([t, np.repeat(t, s)])
    values = c.explain(explain_fn, model, everything, targets).values.reshape(len(everything), c.N_PIXELS)
    return values[:n], values[n:].reshape(n, s, c.N_PIXELS)


def _differences(e0, ep, normalise):
    """||e(x') - e(x)||_2 per sample, optionally relative to ||e(x)||_2 (0/0 = 0, d/0 = inf)."""
    diff = np.linalg.norm(ep - e0[:, None], axis=2)
    if not normalise:
        return diff
    scale = np.linalg.norm(e0, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = diff / scale
    return np.where(diff == 0, 0.0, rel)


def _prepare(model, inputs, explain_fn, targets, epsilon, n_samples, seed, metric):
    c.require_images(model, metric)
    c.require_callable(explain_fn, metric)
    epsilon = _check_epsilon(epsilon)
    n_samples = c.positive_int(n_samples, "n_samples", high=c.MAX_DRAWS // 100)
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    xp = perturb(x, epsilon, n_samples, seed)
    e0, ep = _explain_all(explain_fn, model, x, xp, t)
    return x, xp, t, e0, ep


@metric(better="lower", explainer=True)
def local_lipschitz(
    model, inputs, explain_fn, *, targets=None, epsilon=0.1, n_samples=10, normalise=True, random_state=0
):
    r"""Local Lipschitz estimate of an explainer (Alvarez-Melis & Jaakkola 2018, *On the Robustness of
    Interpretability Methods*, ICML Workshop on Human Interpretability; also the SENN paper).

    .. math:: \hat{L}(x) = \max_{x' \in B_\epsilon(x)} \frac{\lVert e(x) - e(x') \rVert_2}{\lVert x - x' \rVert_2}

    estimated by the maximum over ``n_samples`` random points of the ball (the
    paper maximises with an optimiser; sampling gives a lower bound of the true
    maximum). 0 means the explanation does not move at all; **lower is better**.

    Args:
        model: the model explained (image models).
        inputs: images (n, 28, 28[, 1]) in [0, 1].
        explain_fn: ``explain_fn(model, inputs, targets=None) -> Attribution``.
        targets: class per input; None explains the predicted class (kept for the perturbed copies).
        epsilon: radius of the L-inf ball (pixel units, images in [0, 1]).
        n_samples: perturbed copies per image.
        normalise: divide explanation differences by ``||e(x)||_2`` (module docstring).
        random_state: seeds the perturbations.

    Returns:
        Result; ``details["ratios"]`` holds every sampled ratio (n, n_samples).
    """
    x, xp, t, e0, ep = _prepare(model, inputs, explain_fn, targets, epsilon, n_samples, random_state, "local_lipschitz")
    ratios, scores = lipschitz_ratios(x, xp, e0, ep, normalise)
    return c.Result(
        metric="local_lipschitz",
        scores=scores,
        targets=t,
        better="lower",
        details={"ratios": ratios, "epsilon": epsilon, "normalise": normalise},
    )


def lipschitz_ratios(x, xp, e0, ep, normalise, stacklevel=5):
    """Every ratio ||e(x') - e(x)|| / ||x' - x|| (n, n_samples) and its maximum per input (NaN, with a warning,
    where every perturbation was clipped away); explanations ``e0`` (n, d) and ``ep`` (n, n_samples, d)."""
    n_samples = xp.shape[1]
    dx = np.linalg.norm((xp - x[:, None]).reshape(len(x), n_samples, -1), axis=2)
    de = _differences(np.asarray(e0, np.float64), np.asarray(ep, np.float64), normalise)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(dx > 0, de / np.where(dx > 0, dx, 1.0), np.nan)
    all_nan = np.all(np.isnan(ratios), axis=1)
    scores = np.full(len(x), np.nan)
    scores[~all_nan] = np.nanmax(ratios[~all_nan], axis=1)
    c.warn_undefined(scores, "local_lipschitz", "every perturbation was clipped away", stacklevel=stacklevel)
    return ratios, scores


@metric(better="lower", explainer=True)
def max_sensitivity(
    model, inputs, explain_fn, *, targets=None, epsilon=0.1, n_samples=10, normalise=True, random_state=0
):
    r"""Max-sensitivity of an explainer (Yeh, Hsieh, Suggala, Inouye & Ravikumar 2019, *On the (In)fidelity
    and Sensitivity of Explanations*, NeurIPS).

    .. math:: \mathrm{SENS}_{\max}(x) = \max_{\lVert x' - x \rVert_\infty \le \epsilon} \lVert e(x') - e(x) \rVert_2

    estimated by the maximum over ``n_samples`` random points of the ball; with
    ``normalise=True`` divided by :math:`\lVert e(x) \rVert_2`. 0 means the
    explanation does not move; **lower is better**. Arguments as for
    :func:`local_lipschitz`; ``details["distances"]`` holds every sample (n, n_samples).
    """
    x, xp, t, e0, ep = _prepare(model, inputs, explain_fn, targets, epsilon, n_samples, random_state, "max_sensitivity")
    de = _differences(e0, ep, normalise)
    return c.Result(
        metric="max_sensitivity",
        scores=de.max(axis=1),
        targets=t,
        better="lower",
        details={"distances": de, "epsilon": epsilon, "normalise": normalise},
    )


def _accepts(fn, name):
    """Whether ``fn`` takes keyword ``name`` (or **kwargs); True when its signature cannot be read."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _require_param(explain_fn, name, metric):
    c.require_callable(explain_fn, metric)
    if not _accepts(explain_fn, name):
        raise TypeError(f"{metric} passes {name}= to explain_fn, but {explain_fn!r} does not take it.")


@metric(better="higher", explainer=True)
def seed_variance(
    model, inputs, explain_fn, *, targets=None, n_seeds=5, k=10, absolute=True, random_state=0, progress=None
):
    r"""How much a randomised explainer (LIME, sampling SHAP) changes between runs on the same input.

    ``explain_fn`` runs ``n_seeds`` times with ``random_state = r, r + 1, ...``;
    for every pair of runs :math:`(s, s')` the explanations are compared:

    .. math:: \bar\rho(x) = \binom{K}{2}^{-1} \sum_{s < s'} \rho_{\mathrm{Spearman}}\big(e_s(x), e_{s'}(x)\big)

    and likewise the mean pairwise top-k overlap. 1 means every run ranks the
    features identically; **higher is better**. (The instability of LIME across
    runs is documented by Alvarez-Melis & Jaakkola 2018, *On the Robustness of
    Interpretability Methods*, and by Zhang et al. 2019, *"Why should you trust my
    explanation?" Understanding uncertainty in LIME explanations*.)

    Args:
        model, inputs, targets: as for the other metrics (images or text).
        explain_fn: an explainer that takes ``random_state=``.
        n_seeds: number of runs (at least 2).
        k: size of the top-k sets.
        absolute: rank by |value| (True) or by signed value (False).
        random_state: the first run's seed ``r``; runs use ``r .. r + n_seeds - 1``.
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        Result with the mean pairwise Spearman per input as ``scores``; ``details`` holds
        ``top_k_overlap`` (n,), ``pairwise_spearman`` (n, pairs) and the runs' ``values``.
    """
    _require_param(explain_fn, "random_state", "seed_variance")
    n_seeds = c.positive_int(n_seeds, "n_seeds", low=2, high=c.MAX_DRAWS // 1000)
    seed = 0 if random_state is None else c.check_seed(random_state)
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    runs = []
    for s in c.progress(range(seed, seed + n_seeds), desc="seeds", show=progress):
        attr = c.explain(functools.partial(explain_fn, random_state=s), model, x, t)
        runs.append(c.prepare(model, x, attr, t).values)
    pairs = list(itertools.combinations(range(n_seeds), 2))
    rho = np.stack([spearman(runs[i], runs[j], absolute) for i, j in pairs], axis=1)
    overlap = np.stack([top_k_overlap(runs[i], runs[j], k, absolute) for i, j in pairs], axis=1)
    return c.Result(
        metric="seed_variance",
        scores=rho.mean(axis=1),
        targets=t,
        better="higher",
        details={"top_k_overlap": overlap.mean(axis=1), "pairwise_spearman": rho, "values": runs, "k": k},
    )


@metric(better="lower", explainer=True)
def background_ablation(
    model,
    inputs,
    explain_fn,
    *,
    targets=None,
    sizes=(10, 50, 100, 500),
    param="background_size",
    k=10,
    absolute=True,
    progress=None,
):
    r"""How SHAP explanations change with the size of the background set (a check a summary of the seed paper proposes).

    ``explain_fn`` runs once per size with ``{param: size}``; every result is
    compared with the one of the largest size, taken as the reference :math:`e_{\max}`:

    .. math:: d(x) = \frac{\lVert e_{s}(x) - e_{\max}(x) \rVert_2}{\lVert e_{\max}(x) \rVert_2}

    together with the Spearman correlation and top-k overlap to the reference.
    A distance that shrinks with the size shows the estimate converging
    (Lundberg & Lee 2017, *A Unified Approach to Interpreting Model Predictions*, NeurIPS).

    Args:
        model, inputs, targets: as for the other metrics.
        explain_fn: an explainer that takes the background size as keyword ``param``.
        sizes: background sizes to try; the largest is the reference.
        param: name of the explainer's background-size keyword.
        k: size of the top-k sets.
        absolute: rank by |value| (True) or by signed value (False).
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        :class:`~xai_teach.metrics.Steps` (lower is better): ``scores`` are each input's distance
        :math:`d(x)` at the smallest size; ``frame`` is a tidy DataFrame, one row per (size, input):
        ``size``, ``input``, ``target``, ``distance``, ``spearman``, ``top_k_overlap`` (the reference
        rows read 0, 1, 1).
    """
    if not isinstance(param, str) or not param.isidentifier():
        raise TypeError(f"param must be the name of explain_fn's background-size keyword, got {param!r}.")
    _require_param(explain_fn, param, "background_ablation")
    sizes = [c.positive_int(s, "each background size", high=c.MAX_DRAWS) for s in sizes]
    if len(set(sizes)) < 2:
        raise ValueError(f"sizes must hold at least two different background sizes, got {sizes}.")
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    results = {}
    for size in c.progress(sorted(set(sizes)), desc="background sizes", show=progress):
        attr = c.explain(functools.partial(explain_fn, **{param: size}), model, x, t)
        results[size] = c.prepare(model, x, attr, t).values
    ref = results[max(sizes)]
    frames = []
    for size, values in results.items():
        norms = np.array([np.linalg.norm(r) for r in ref])
        diffs = np.array([np.linalg.norm(v - r) for v, r in zip(values, ref)])
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = np.where(diffs == 0, 0.0, diffs / norms)
        frames.append(
            pd.DataFrame(
                {
                    "size": size,
                    "input": np.arange(len(x)),
                    "target": t,
                    "distance": distance,
                    "spearman": spearman(values, ref, absolute),
                    "top_k_overlap": top_k_overlap(values, ref, k, absolute),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    smallest = frame[frame["size"] == min(sizes)]["distance"].to_numpy()
    return Steps("background_ablation", smallest, t, frame=frame, details={"sizes": sorted(set(sizes))})
