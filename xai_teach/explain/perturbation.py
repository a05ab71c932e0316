"""Perturbation explanations of image models: occlusion and LIME.

Both hide parts of the digit and watch the model's output for the target class
(the softmax **probability** by default, ``output="probs"``, as in the original
papers; ``output="logits"`` watches the pre-softmax score). Hiding means
painting a constant grey level (``baseline`` / ``hide_color``, default 0: black,
no ink). Every perturbed image of an input goes through the model in large
batches.
"""

import numpy as np
import sklearn.metrics
from lime.lime_image import LimeImageExplainer
from skimage.color import gray2rgb
from skimage.segmentation import quickshift, slic

from . import _common as c

SIDE = 28
SEGMENTATIONS = ("grid", "slic", "quickshift")


# --------------------------------------------------------------------------- occlusion


def windows(patch, stride):
    """Top-left corners of the occluding squares: every ``stride`` pixels, the last one flush with the edge."""
    starts = list(range(0, SIDE - patch + 1, stride))
    if starts[-1] != SIDE - patch:
        starts.append(SIDE - patch)
    return [(r, col) for r in starts for col in starts]


@c.explainer
def occlusion(model, inputs, targets=None, *, patch=4, stride=None, baseline=0.0, output="probs", batch_size=c.BATCH):
    r"""Occlusion: how much the target output drops when a square patch of the image is hidden.

    Zeiler & Fergus 2014, *Visualizing and Understanding Convolutional Networks*.
    For every position of a ``patch`` x ``patch`` square (moved by ``stride``
    pixels), the square is set to ``baseline`` and the drop
    :math:`f_c(x) - f_c(x_{\text{occluded}})` is credited to its pixels; a pixel
    covered by several squares gets the mean of their drops. With 1x1 patches,
    baseline 0 and a linear model this is exactly ``W[c] * x``.

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        patch: side of the hidden square in pixels (1 to 28); larger: coarser, fewer model calls.
        stride: step between squares in pixels (1 to ``patch``); None: ``patch`` (no overlap).
        baseline: grey level painted over the hidden square, in [0, 1] (0: black, no ink).
        output: ``"probs"`` (default) watches the probability, ``"logits"`` the pre-softmax score.
        batch_size: occluded images per model call.
    """
    batch = c.image_batch(model, inputs, targets, "occlusion")
    patch = c.positive_int(patch, "patch", 1, SIDE)
    stride = patch if stride is None else c.positive_int(stride, "stride", 1, patch)
    value = np.float32(c.number(baseline, "baseline", 0, 1))
    batch_size = c.positive_int(batch_size, "batch_size")
    c.choice(output, "output", c.OUTPUTS)
    corners = windows(patch, stride)
    masks = np.zeros((len(corners), SIDE, SIDE), dtype=bool)
    for k, (r, col) in enumerate(corners):
        masks[k, r : r + patch, col : col + patch] = True
    x, n = batch.inputs, len(batch)
    full = c.target_outputs(model, x, batch.targets, output)
    drops = np.empty((n, len(corners)))
    per_call = max(1, batch_size // n)
    for start in range(0, len(corners), per_call):
        m = masks[start : start + per_call]
        hidden = np.where(m[None, :, :, :, None], value, x[:, None]).reshape((-1,) + x.shape[1:])
        out = c.target_outputs(model, hidden, np.repeat(batch.targets, len(m)), output, batch_size)
        drops[:, start : start + len(m)] = full[:, None] - out.reshape(n, len(m))
    values = np.einsum("nk,khw->nhw", drops, masks) / masks.sum(axis=0)
    return c.image_attribution(values, batch, "occlusion", stride=stride)


# --------------------------------------------------------------------------- LIME


def segment(image, segmentation="grid", cell_size=4):
    """Superpixels of one digit as an int array (28, 28) labelled 0..S-1.

    Args:
        image: one image (28, 28) or (28, 28, 1) in [0, 1].
        segmentation: ``"grid"`` (squares of ``cell_size`` pixels: 49 superpixels at 4),
            ``"slic"`` (about 50 SLIC superpixels following the ink), ``"quickshift"``
            (quickshift tuned for 28x28; lime's own default settings give one to three
            segments on a digit), or a function ``image (28, 28) -> int labels (28, 28)``.
        cell_size: side of the grid squares in pixels (grid only).
    """
    img = np.asarray(image, dtype=np.float64).reshape(SIDE, SIDE)
    if callable(segmentation):
        labels = np.asarray(segmentation(img))
        if labels.shape != (SIDE, SIDE) or labels.dtype.kind not in "iu":
            raise ValueError(
                f"a segmentation function must return int labels of shape (28, 28), got {labels.dtype} {labels.shape}."
            )
    elif c.choice(segmentation, "segmentation", SEGMENTATIONS) == "grid":
        cell = np.arange(SIDE) // c.positive_int(cell_size, "cell_size", 1, SIDE)
        labels = cell[:, None] * (cell[-1] + 1) + cell[None, :]
    elif segmentation == "slic":
        labels = slic(img, n_segments=50, compactness=0.1, channel_axis=None, start_label=0)
    else:
        labels = quickshift(gray2rgb(img), kernel_size=1, max_dist=4, ratio=0.2)
    return np.unique(labels, return_inverse=True)[1].reshape(SIDE, SIDE)


@c.explainer
def lime_image(
    model,
    inputs,
    targets=None,
    *,
    num_samples=1000,
    segmentation="grid",
    cell_size=4,
    hide_color=0.0,
    kernel_width=0.25,
    output="probs",
    random_state=0,
    batch_size=c.BATCH,
):
    """LIME: a weighted linear model of the output on which superpixels are kept, fitted around the image.

    Ribeiro, Singh & Guestrin 2016, *"Why Should I Trust You?"*. Each of
    ``num_samples`` perturbed copies keeps a random half of the superpixels and
    paints the others ``hide_color``; lime's ridge surrogate
    (:class:`lime.lime_base.LimeBase`, cosine-distance kernel) is fitted to the
    model's outputs and each superpixel's weight is painted on its pixels.

    The random draws and the surrogate are exactly those of
    ``lime_image.LimeImageExplainer(random_state=...).explain_instance`` with the
    same segmentation, but the perturbed images are built as one array and the
    model sees them in batches of ``batch_size`` grey (n, 28, 28, 1) images
    (lime itself loops in Python, calls the model in batches of 10 and hands it
    RGB images).

    Args:
        model: an MNIST model.
        inputs: images (n, 28, 28, 1), (n, 28, 28), or one image.
        targets: the class to explain per image; None explains the predicted class.
        num_samples: perturbed copies per image (more: a more stable surrogate, slower).
        segmentation: superpixels: ``"grid"`` (default), ``"slic"``, ``"quickshift"`` or a
            function; see :func:`segment`. MNIST needs fine superpixels.
        cell_size: side of the grid squares in pixels (``segmentation="grid"``).
        hide_color: grey level in [0, 1] painted over hidden superpixels (0: black, no ink).
        kernel_width: width of lime's exponential kernel on cosine distance (lime's default 0.25).
        output: ``"probs"`` (default) fits the probability, ``"logits"`` the pre-softmax score.
        random_state: seed of the perturbations; each image gets a fresh generator with this
            seed, so its explanation does not depend on the rest of the batch.
        batch_size: perturbed images per model call.
    """
    batch = c.image_batch(model, inputs, targets, "lime_image")
    num_samples = c.positive_int(num_samples, "num_samples", low=2, high=c.MAX_DRAWS)
    hide = np.float32(c.number(hide_color, "hide_color", 0, 1))
    kernel_width = c.number(kernel_width, "kernel_width", 0, low_open=True)
    seed = c.seed(random_state)
    batch_size = c.positive_int(batch_size, "batch_size")
    c.choice(output, "output", c.OUTPUTS)
    values = np.empty((len(batch), SIDE, SIDE))
    for i, (image, target) in enumerate(zip(batch.inputs, batch.targets)):
        segments = segment(image, segmentation, cell_size)
        lime = LimeImageExplainer(kernel_width=kernel_width, random_state=seed)
        data, outputs = _neighbourhood(lime, model, output, image, segments, hide, num_samples, batch_size)
        distances = sklearn.metrics.pairwise_distances(data, data[:1], metric="cosine").ravel()
        _, weights, _, _ = lime.base.explain_instance_with_data(
            data, outputs, distances, int(target), data.shape[1], feature_selection="none"
        )
        coef = np.zeros(data.shape[1])
        for feature, weight in weights:
            coef[feature] = weight
        values[i] = coef[segments]
    return c.image_attribution(values, batch, "lime_image")


def _neighbourhood(lime, model, output, image, segments, hide, num_samples, batch_size):
    """lime's sampling (same draws as ``LimeImageExplainer.data_labels``), with the images built at once."""
    n_features = segments.max() + 1
    data = lime.random_state.randint(0, 2, num_samples * n_features).reshape((num_samples, n_features))
    data[0, :] = 1
    keep = data[:, segments].astype(bool)[..., None]
    perturbed = np.where(keep, image[None], hide)
    return data, c.forward(model, perturbed, output, batch_size)
