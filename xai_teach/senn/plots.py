"""Figures of a SENN: concept prototypes, and the per-concept relevance bar chart of one digit."""

import numpy as np


def plot_prototypes(prototypes, top=None, size=0.9):
    """A grid with one row per concept: its most strongly activating examples, strongest first.

    Args:
        prototypes: a :class:`~xai_teach.explain.Prototypes` from :func:`~xai_teach.senn.prototypes`.
        top: how many examples per concept to draw (default: all).
        size: inches per image.

    Returns:
        The matplotlib figure.
    """
    return prototypes.plot(top=top, size=size)


def _bars(ax, values, names, title):
    colors = np.where(values >= 0, "tab:red", "tab:blue")
    ax.barh(np.arange(len(values)), values, color=colors)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(values)), names)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=9)


def plot_explanation(explanation, index=0, prototypes=None, n_prototypes=5):
    r"""One digit's SENN explanation: the digit, its relevances :math:`\theta_{ic}(x)`, the contributions
    :math:`\theta_{ic}(x) h_i(x)` (they add up to the logit) and, if given, each concept's prototypes.

    For ``kind="pixels"`` the relevances are drawn as a map over the digit instead
    (:meth:`~xai_teach.senn.Explanation.to_attribution`).

    Args:
        explanation: a :class:`~xai_teach.senn.Explanation` from :func:`~xai_teach.senn.explain`.
        index: which input of the explanation to draw.
        prototypes: optional :class:`~xai_teach.senn.Prototypes` to show next to the bars.
        n_prototypes: prototypes per concept to show.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    one = explanation[index]
    if one.kind == "pixels":
        return one.to_attribution().plot()
    names = one.feature_names()
    c, k = int(one.targets[0]), len(names)
    if prototypes is not None and prototypes.images.shape[0] != k:
        raise ValueError(f"prototypes hold {prototypes.images.shape[0]} concepts, the explanation {k}.")
    shown = 0 if prototypes is None else min(n_prototypes, prototypes.images.shape[1])
    widths = [1.8, 2.4, 2.0] + [0.6] * shown
    fig = plt.figure(figsize=(sum(widths), max(2.2, 0.6 * k + 0.6)), layout="constrained")
    grid = fig.add_gridspec(k, len(widths), width_ratios=widths)
    digit = fig.add_subplot(grid[:, 0])
    digit.imshow(one.inputs[0, ..., 0], cmap="gray_r", vmin=0, vmax=1)
    digit.set_title(f"class {c}\np = {one.probs[0, c]:.3f}", fontsize=9)
    digit.axis("off")
    _bars(fig.add_subplot(grid[:, 1]), one.relevances[0], names, f"relevance θ_i,{c}(x)")
    total = one.contributions[0].sum()
    contrib = fig.add_subplot(grid[:, 2])
    _bars(contrib, one.contributions[0], names, f"θ·h (sum = logit {total:.2f})")
    contrib.set_yticks([])
    if prototypes is not None:
        for i in range(k):
            for j in range(shown):
                ax = fig.add_subplot(grid[i, 3 + j])
                ax.imshow(prototypes.images[i, j, ..., 0], cmap="gray_r", vmin=0, vmax=1)
                ax.axis("off")
        fig.axes[3].set_title("prototypes", fontsize=9, loc="left")
    return fig
