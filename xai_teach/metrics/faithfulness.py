"""Faithfulness: does removing what the explanation calls important change the prediction?

All functions share the call shape ``metric(model, inputs, attribution, targets=None, ...)``
where ``attribution`` is an :class:`~xai_teach.explain.Attribution`, an ``(n, 28, 28)``
array or an explainer ``explain_fn(model, inputs, targets=None)``, and return a
:class:`~xai_teach.metrics.Result` (one score per input, plus a curve where there is one).

Removing a pixel means replacing it by a *baseline* value:

- ``"zero"``: 0, the black background of MNIST (default);
- ``"mean"``: the image's own mean intensity (a flat grey);
- ``"blur"``: the pixel of a Gaussian-blurred copy of the image (sigma = 2 pixels);
- a float in [0, 1]: that constant.

Removing a word from a review (deletion/insertion only) means either replacing it
by ``"[UNK]"`` (``baseline="unk"``, default: the zoo's vectorizers map it to the
out-of-vocabulary id 1, so the review keeps its length and word positions) or
dropping it from the string (``baseline="remove"``: shorter review; a review
with every word removed is empty, which masked models such as
``imdb_transformer`` cannot score). A review is rebuilt from the Attribution's
``tokens`` joined by spaces, so step 0 is the review as the explainer saw it
(e.g. lower-cased, or cut at the model's 256 words).

Every model call is batched: one forward pass per step over all images, and all
steps of all reviews in one batched call for text.
"""

import numpy as np
from scipy.ndimage import gaussian_filter

from . import _common as c
from .registry import metric

BLUR_SIGMA = 2.0  #: standard deviation in pixels of the "blur" baseline
UNK = "[UNK]"  #: replacement word of the text baseline "unk"
LABEL = {"probs": "probability", "logits": "logit"}  #: axis label of each output


def baseline_values(x, baseline):
    """The (n, 784) values that replace removed pixels of images ``x`` (n, 28, 28, 1).

    Args:
        x: checked images.
        baseline: ``"zero"``, ``"mean"``, ``"blur"`` or a float in [0, 1] (see the module docstring).
    """
    n = len(x)
    flat = x.reshape(n, c.N_PIXELS).astype(np.float64)
    if isinstance(baseline, str):
        if baseline == "zero":
            return np.zeros_like(flat)
        if baseline == "mean":
            return np.repeat(flat.mean(axis=1, keepdims=True), c.N_PIXELS, axis=1)
        if baseline == "blur":
            return gaussian_filter(flat.reshape(n, 28, 28), sigma=(0, BLUR_SIGMA, BLUR_SIGMA)).reshape(n, c.N_PIXELS)
        raise ValueError(f"baseline must be 'zero', 'mean', 'blur' or a float in [0, 1], got {baseline!r}.")
    if isinstance(baseline, (bool, np.bool_)) or not isinstance(baseline, (int, float, np.integer, np.floating)):
        raise TypeError(f"baseline must be 'zero', 'mean', 'blur' or a float in [0, 1], got {baseline!r}.")
    if not 0 <= baseline <= 1:
        raise ValueError(f"a constant baseline must lie in [0, 1] like the images, got {baseline}.")
    return np.full_like(flat, float(baseline))


def ranks(values, absolute=False, random_state=0):
    """Rank of every feature, 0 = most important; ties are broken at random under ``random_state``.

    Breaking ties by feature order would let a constant attribution score by pixel
    order (deleting the top rows first); a random order among equal values does not.

    Args:
        values: (n, d) attributions.
        absolute: rank by |value| (True) or by signed value, most positive first (False).
        random_state: seed of the tie-breaking order (None: fresh randomness).
    """
    score = np.abs(values) if absolute else values
    tiebreak = np.random.default_rng(random_state).random(score.shape)
    order = np.lexsort((tiebreak, -score), axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(order.shape[1]), order.shape), axis=1)
    return rank


def _image_curve(model, p, replacement, counts, insert, absolute, output, batch_size, show, desc, random_state):
    """Model output after changing the ``counts[j]`` top-ranked pixels of every image, one pass per step."""
    n = len(p)
    flat = p.inputs.reshape(n, c.N_PIXELS)
    rank = ranks(p.values, absolute, random_state)
    rows = np.arange(n)
    curve = np.empty((n, len(counts)))
    for j, k in enumerate(c.progress(counts, desc=desc, show=show)):
        changed = rank < k
        images = np.where(changed, flat, replacement) if insert else np.where(changed, replacement, flat)
        out = c.forward(model, images.reshape(n, 28, 28, 1).astype(np.float32), output, batch_size)
        curve[:, j] = out[rows, p.targets]
    return curve


def _text_curve(model, p, steps, insert, baseline, absolute, output, batch_size, random_state):
    """Model output after deleting/inserting words in rank order; all steps of all reviews in one call."""
    if baseline not in ("unk", "remove"):
        raise ValueError(f"for text, baseline must be 'unk' or 'remove', got {baseline!r}.")
    texts = []
    rng = np.random.default_rng(random_state)
    for tokens, values in zip(p.tokens, p.values):
        words = np.array(tokens, dtype=object)
        rank = ranks(values[None], absolute, rng)[0]
        for k in np.round(np.linspace(0, len(words), steps + 1)).astype(int):
            keep = (rank < k) if insert else (rank >= k)
            texts.append(" ".join(words[keep] if baseline == "remove" else np.where(keep, words, UNK)))
    out = c.forward(model, texts, output, batch_size)
    picked = out[np.arange(len(texts)), np.repeat(p.targets, steps + 1)]
    return picked.reshape(len(p), steps + 1)


def _curve_metric(
    name, insert, model, inputs, attribution, targets, steps, baseline, absolute, output, batch_size, show, seed
):
    output = c.check_output(output)
    batch_size = c.check_batch_size(batch_size, model)
    seed = c.check_seed(seed)
    p = c.prepare(model, inputs, attribution, targets, batch_size)
    if p.is_text:
        steps = c.positive_int(steps, "steps", high=c.MAX_DRAWS)
        curve = _text_curve(
            model, p, steps, insert, "unk" if baseline is None else baseline, absolute, output, batch_size, seed
        )
        fractions = np.linspace(0, 1, steps + 1)
        feature = "words"
    else:
        steps = c.positive_int(steps, "steps", high=c.N_PIXELS)
        counts = np.round(np.linspace(0, c.N_PIXELS, steps + 1)).astype(int)
        replacement = baseline_values(p.inputs, "zero" if baseline is None else baseline)
        curve = _image_curve(model, p, replacement, counts, insert, absolute, output, batch_size, show, name, seed)
        fractions = counts / c.N_PIXELS
        feature = "pixels"
    return c.Result(
        metric=name,
        scores=c.trapezoid_auc(curve, fractions),
        targets=p.targets,
        better="higher" if insert else "lower",
        curve=curve,
        fractions=fractions,
        details={"xlabel": f"fraction of {feature} {'inserted' if insert else 'deleted'}", "ylabel": LABEL[output]},
    )


@metric(better="lower")
def deletion(
    model,
    inputs,
    attribution,
    *,
    targets=None,
    steps=28,
    baseline=None,
    absolute=False,
    output="probs",
    random_state=0,
    batch_size=None,
    progress=None,
):
    r"""Deletion curve and its normalised AUC (Petsiuk, Das & Saenko 2018, *RISE: Randomized Input
    Sampling for Explanation of Black-box Models*, BMVC).

    Features are removed (set to the baseline) in decreasing order of attribution,
    and the model's output for the target class is recorded after each step:

    .. math:: \mathrm{curve}_j = f_c\big(x \text{ with its top } k_j \text{ features removed}\big),\quad
              \mathrm{AUC} = \int_0^1 \mathrm{curve}\, d(\text{fraction removed}) \text{ (trapezoid rule)}

    A faithful explanation names the features the model needs, so the output
    falls fast: **lower AUC is better**.

    Args:
        model: the Keras model explained (zoo convention: images or review strings in, probabilities out).
        inputs: images (n, 28, 28[, 1]) in [0, 1] or a list of reviews.
        attribution: an Attribution, an (n, 28, 28) array, or ``explain_fn(model, inputs, targets=None)``.
        targets: class per input; None uses the Attribution's targets or the predicted class.
        steps: number of deletion steps; 28 removes 28 pixels (one row's worth) per step.
        baseline: what a removed feature becomes (module docstring); None: ``"zero"`` for images,
            ``"unk"`` for text.
        absolute: rank features by |attribution| instead of by signed value (most positive first).
        output: measure ``"probs"`` (softmax) or ``"logits"`` of the target class.
        random_state: seed of the order among features with equal attribution (ties are broken at random).
        batch_size: inputs per forward pass (None: 1000 images or 250 reviews).
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        Result with ``curve`` (n, steps + 1), ``fractions`` (steps + 1,), ``auc`` (n,) and ``mean``.
    """
    return _curve_metric(
        "deletion",
        False,
        model,
        inputs,
        attribution,
        targets,
        steps,
        baseline,
        absolute,
        output,
        batch_size,
        progress,
        random_state,
    )


@metric(better="higher")
def insertion(
    model,
    inputs,
    attribution,
    *,
    targets=None,
    steps=28,
    baseline=None,
    absolute=False,
    output="probs",
    random_state=0,
    batch_size=None,
    progress=None,
):
    r"""Insertion curve and its normalised AUC (Petsiuk, Das & Saenko 2018, *RISE*, BMVC).

    The mirror image of :func:`deletion`: start from the baseline (a black image,
    or a review of ``[UNK]`` words) and put the original features back in
    decreasing order of attribution:

    .. math:: \mathrm{curve}_j = f_c\big(\text{baseline with the top } k_j \text{ features of } x\big),\quad
              \mathrm{AUC} = \int_0^1 \mathrm{curve}\, d(\text{fraction inserted})

    A faithful explanation restores the prediction with few features: **higher AUC
    is better**. (RISE inserts into a blurred image; pass ``baseline="blur"`` for that.)
    Arguments as for :func:`deletion`.
    """
    return _curve_metric(
        "insertion",
        True,
        model,
        inputs,
        attribution,
        targets,
        steps,
        baseline,
        absolute,
        output,
        batch_size,
        progress,
        random_state,
    )


@metric(better="lower")
def pixel_flipping(
    model,
    inputs,
    attribution,
    *,
    targets=None,
    pixels_per_step=4,
    flip="invert",
    order="most_relevant",
    max_fraction=1.0,
    output="logits",
    random_state=0,
    batch_size=None,
    progress=None,
):
    r"""Pixel-flipping curve (Bach, Binder, Montavon, Klauschen, Müller & Samek 2015, *On Pixel-Wise
    Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance Propagation*, PLoS ONE).

    Pixels are flipped a few at a time in order of relevance and the classifier's
    score :math:`f_c` (by default the logit, as Bach et al. track the raw score)
    is recorded:

    .. math:: \mathrm{curve}_j = f_c\big(x \text{ with its } j \cdot m \text{ most relevant pixels flipped}\big),
              \qquad \mathrm{AUC} = \int \mathrm{curve}\, d(\text{fraction flipped})

    With ``order="most_relevant"`` (MoRF) a faithful explanation destroys the score
    quickly (**lower AUC is better**); with ``"least_relevant"`` (LeRF, most negative
    relevance first) the score should hold or rise (**higher is better**).
    Unlike :func:`deletion`, a flip inverts a pixel (``x -> 1 - x``) by default,
    so ink becomes background and background becomes ink.

    Args:
        model, inputs, attribution, targets: as for :func:`deletion` (images only).
        pixels_per_step: pixels flipped per step; 1 reproduces Bach et al. exactly (784 passes).
        flip: ``"invert"`` or any deletion baseline (``"zero"``, ``"mean"``, ``"blur"``, a float).
        order: ``"most_relevant"`` or ``"least_relevant"`` first.
        max_fraction: stop after flipping this fraction of the pixels.
        output: ``"logits"`` (default) or ``"probs"`` of the target class.
        random_state: seed of the order among pixels with equal relevance (ties are broken at random).
        batch_size: images per forward pass (None: 1000).
        progress: show a progress bar (None: only in an interactive session).
    """
    c.require_images(model, "pixel_flipping")
    output = c.check_output(output)
    batch_size = c.check_batch_size(batch_size, model)
    seed = c.check_seed(random_state)
    pixels_per_step = c.positive_int(pixels_per_step, "pixels_per_step", high=c.N_PIXELS)
    if order not in ("most_relevant", "least_relevant"):
        raise ValueError(f"order must be 'most_relevant' or 'least_relevant', got {order!r}.")
    if not 0 < max_fraction <= 1:
        raise ValueError(f"max_fraction must lie in (0, 1], got {max_fraction}.")
    p = c.prepare(model, inputs, attribution, targets, batch_size)
    flat = p.inputs.reshape(len(p), c.N_PIXELS).astype(np.float64)
    replacement = 1.0 - flat if isinstance(flip, str) and flip == "invert" else baseline_values(p.inputs, flip)
    if order == "least_relevant":
        p.values = -p.values
    last = int(round(max_fraction * c.N_PIXELS))
    counts = np.unique(np.append(np.arange(0, last, pixels_per_step), last))
    curve = _image_curve(
        model, p, replacement, counts, False, False, output, batch_size, progress, "pixel flipping", seed
    )
    fractions = counts / c.N_PIXELS
    return c.Result(
        metric="pixel_flipping",
        scores=c.trapezoid_auc(curve, fractions),
        targets=p.targets,
        better="lower" if order == "most_relevant" else "higher",
        curve=curve,
        fractions=fractions,
        details={"xlabel": "fraction of pixels flipped", "ylabel": LABEL[output], "order": order},
    )


def _correlation(metric, relevances, drops, targets, what, details):
    """Per input, the Pearson correlation of relevances and drops; NaN, with a warning, where either is constant."""
    why = f"{what} or drop is constant; all drops 0 may mean a saturated probability: try output='logits'"
    scores = c.warn_undefined(c.rowwise_pearson(relevances, drops), metric, why, stacklevel=5)
    return c.Result(metric, scores, targets, details={**details, "drops": drops})


@metric(better="higher")
def faithfulness_correlation(
    model,
    inputs,
    attribution,
    *,
    targets=None,
    subset_size=56,
    n_subsets=100,
    baseline="zero",
    output="probs",
    random_state=0,
    batch_size=None,
    progress=None,
):
    r"""Faithfulness correlation (Bhatt, Weller & Moura 2020, *Evaluating and Aggregating
    Feature-based Model Explanations*, IJCAI).

    For ``n_subsets`` random pixel subsets :math:`S` of size ``subset_size``, compare
    the attribution mass of :math:`S` with the drop in the target output when
    :math:`S` is set to the baseline:

    .. math:: \mu_F(x) = \operatorname{corr}_{S}\Big(\sum_{i \in S} a_i,\;
              f_c(x) - f_c(x_{S \leftarrow \bar{x}})\Big) \quad \text{(Pearson)}

    1 means the attribution predicts exactly how much each subset matters;
    **higher is better**. On a 28x28 digit most pixels are background, so the
    default subset of 56 pixels (7 % of the image) usually touches the digit;
    subsets far smaller mostly hit background and give noisy correlations.

    Args:
        model, inputs, attribution, targets: as for :func:`deletion` (images only).
        subset_size: pixels per random subset.
        n_subsets: random subsets per image (all evaluated in batched forward passes).
        baseline: what the subset's pixels become: ``"zero"``, ``"mean"``, ``"blur"`` or a float.
        output: correlate with the drop in ``"probs"`` or ``"logits"``.
        random_state: seeds the random subsets; the same seed gives the same subsets.
        batch_size: images per forward pass (None: 1000).
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        Result; NaN (with a warning) where the attribution masses or the drops do not vary.
        ``details`` holds ``attribution_sums`` and ``drops``, both (n, n_subsets), for scatter plots.
    """
    c.require_images(model, "faithfulness_correlation")
    batch_size = c.check_batch_size(batch_size, model)
    subset_size = c.positive_int(subset_size, "subset_size", high=c.N_PIXELS)
    n_subsets = c.positive_int(n_subsets, "n_subsets", low=2, high=c.MAX_DRAWS)
    output = c.check_output(output)
    p = c.prepare(model, inputs, attribution, targets, batch_size)
    n = len(p)
    rng = np.random.default_rng(c.check_seed(random_state))
    flat = p.inputs.reshape(n, c.N_PIXELS)
    replacement = baseline_values(p.inputs, baseline)
    full = c.forward(model, p.inputs, output, batch_size)[np.arange(n), p.targets]
    drops = np.empty((n, n_subsets))
    sums = np.empty((n, n_subsets))
    per_chunk = max(1, batch_size // n_subsets)
    for start in c.progress(range(0, n, per_chunk), desc="faithfulness correlation", show=progress):
        sl = slice(start, start + per_chunk)
        # Drawn chunk by chunk from one stream: the same seed gives the same subsets for any batch_size.
        keys = rng.random((len(flat[sl]), n_subsets, c.N_PIXELS), dtype=np.float32)
        masks = np.zeros(keys.shape, dtype=bool)
        np.put_along_axis(masks, np.argpartition(keys, subset_size - 1, axis=2)[:, :, :subset_size], True, axis=2)
        images = np.where(masks, replacement[sl, None], flat[sl, None]).reshape(-1, 28, 28, 1)
        out = c.forward(model, images.astype(np.float32), output, batch_size)
        picked = out[np.arange(len(images)), np.repeat(p.targets[sl], n_subsets)]
        drops[sl] = full[sl, None] - picked.reshape(-1, n_subsets)
        sums[sl] = (masks * p.values[sl, None, :]).sum(axis=2)
    return _correlation(
        "faithfulness_correlation", sums, drops, p.targets, "attribution mass", {"attribution_sums": sums}
    )


@metric(better="higher")
def faithfulness_estimate(
    model,
    inputs,
    attribution,
    *,
    targets=None,
    patch_size=1,
    baseline="zero",
    output="probs",
    batch_size=None,
    progress=None,
):
    r"""Faithfulness estimate of the SENN paper (Alvarez-Melis & Jaakkola 2018, *Towards Robust
    Interpretability with Self-Explaining Neural Networks*, NeurIPS).

    Remove each feature on its own and correlate its relevance with the drop it causes:

    .. math:: \rho(x) = \operatorname{corr}_{i}\Big(a_i,\; f_c(x) - f_c(x_{i \leftarrow \bar{x}_i})\Big)
              \quad \text{(Pearson over the features } i\text{)}

    **Higher is better.** A feature is one pixel (``patch_size=1``) or a
    ``patch_size`` x ``patch_size`` patch whose relevance is the sum of its pixels'.
    A feature that already equals the baseline (the black background under
    ``"zero"``) cannot change the output: its drop is exactly 0 and it is not sent
    through the model. Such features still count as points of the correlation.
    A confident model's float32 probability sits at 1.0 and barely moves when one
    pixel goes (drops of 0 or of one float32 step, about 6e-8), which makes the
    correlation meaningless: prefer ``output="logits"`` for confident models.

    Args:
        model, inputs, attribution, targets: as for :func:`deletion` (images only).
        patch_size: side of the square features; must divide 28 (1, 2, 4, 7, 14).
        baseline: ``"zero"``, ``"mean"``, ``"blur"`` or a float.
        output: correlate with the drop in ``"probs"`` or ``"logits"``.
        batch_size: images per forward pass (None: 1000).
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        Result; ``details`` holds ``relevances`` and ``drops``, both (n, features).
    """
    c.require_images(model, "faithfulness_estimate")
    batch_size = c.check_batch_size(batch_size, model)
    patch_size = c.positive_int(patch_size, "patch_size", high=28)
    if 28 % patch_size:
        raise ValueError(f"patch_size must divide 28 (1, 2, 4, 7, 14, 28), got {patch_size}.")
    output = c.check_output(output)
    p = c.prepare(model, inputs, attribution, targets, batch_size)
    n, side = len(p), 28 // patch_size
    patch_of = (np.arange(28)[:, None] // patch_size * side + np.arange(28)[None, :] // patch_size).ravel()
    patches = patch_of[None, :] == np.arange(side * side)[:, None]  # (features, 784)
    flat = p.inputs.reshape(n, c.N_PIXELS).astype(np.float64)
    replacement = baseline_values(p.inputs, baseline)
    # Features whose pixels all equal the baseline leave the input unchanged: drop is exactly 0.
    moves = (flat != replacement).astype(np.float32) @ patches.T.astype(np.float32) > 0  # (n, features)
    which = np.argwhere(moves)
    full = c.forward(model, p.inputs, output, batch_size)[np.arange(n), p.targets]
    drops = np.zeros(moves.shape)
    for start in c.progress(range(0, len(which), batch_size), desc="faithfulness estimate", show=progress):
        img, feat = which[start : start + batch_size].T
        images = np.where(patches[feat], replacement[img], flat[img]).reshape(-1, 28, 28, 1)
        out = c.forward(model, images.astype(np.float32), output, batch_size)
        drops[img, feat] = full[img] - out[np.arange(len(img)), p.targets[img]]
    relevances = p.values @ patches.T.astype(np.float64)
    return _correlation("faithfulness_estimate", relevances, drops, p.targets, "relevance", {"relevances": relevances})
