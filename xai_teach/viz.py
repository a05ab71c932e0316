"""Drawing attributions: heatmaps over digits and self-contained highlighted text.

Heatmaps use a diverging colour map centred on zero (red: evidence for the
target class, blue: against), scaled per image by the largest |value| so that
colours compare within an image, never across methods.
"""

import html

import matplotlib.pyplot as plt
import numpy as np

CMAP = "bwr"


def symmetric_limit(values, percentile=99.5):
    """A colour limit v such that [-v, v] holds ``percentile`` % of |values| (never 0)."""
    v = float(np.percentile(np.abs(values), percentile))
    return v if v > 0 else 1.0


def heatmap(ax, image, values, title=None, alpha=0.75):
    """Draw the digit in grey and ``values`` over it with a zero-centred diverging map."""
    lim = symmetric_limit(values)
    ax.imshow(np.squeeze(image), cmap="gray_r", vmin=0, vmax=1)
    shown = ax.imshow(values, cmap=CMAP, vmin=-lim, vmax=lim, alpha=alpha)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return shown


def image_attributions(attr, ncols=8, size=1.6, titles=None):
    """A grid of heatmaps, one per input of an image ``Attribution``; returns the figure.

    Args:
        attr: an image Attribution.
        ncols: heatmaps per row.
        size: inches per heatmap.
        titles: one title per input; default "class c (p=...)".
    """
    n = len(attr)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.axis("off")
            continue
        if titles is not None:
            title = titles[i]
        elif attr.probs is not None:
            title = f"class {attr.targets[i]} (p={attr.probs[i, attr.targets[i]]:.2f})"
        else:
            title = f"class {attr.targets[i]}"
        heatmap(ax, attr.inputs[i], attr.values[i], title)
    fig.suptitle(attr.method, fontsize=10)
    fig.tight_layout()
    return fig


class HTML:
    """Inline HTML that notebooks render and that prints as its source elsewhere."""

    def __init__(self, source):
        self.source = source

    def _repr_html_(self):
        return self.source

    def __str__(self):
        return self.source


def _colour(value, lim):
    """Red for positive, blue for negative evidence, opacity by size."""
    a = min(abs(value) / lim, 1.0) * 0.85
    rgb = "220,40,40" if value > 0 else "40,90,220"
    return f"rgba({rgb},{a:.2f})"


def text_html(attr, max_words=None, label_names=("negative", "positive")):
    """Highlight each word of one review by its attribution; returns self-contained HTML.

    Args:
        attr: a text Attribution of one review (select with ``attr[i]``).
        max_words: show only the first ``max_words`` words (None: all).
        label_names: names of the classes, for the caption.
    """
    if not attr.is_text or len(attr) != 1:
        raise ValueError(f"text_html draws one review of a text Attribution, got {attr!r}.")
    tokens, values = attr.tokens[0], attr.values[0]
    if max_words is not None:
        tokens, values = tokens[:max_words], values[:max_words]
    lim = symmetric_limit(values, 100)
    spans = [
        f'<span title="{v:+.4f}" style="background:{_colour(v, lim)};padding:1px 2px;border-radius:3px">'
        f"{html.escape(t)}</span>"
        for t, v in zip(tokens, values)
    ]
    target = int(attr.targets[0])
    prob = "" if attr.probs is None else f", p={attr.probs[0, target]:.3f}"
    caption = f"{html.escape(attr.method)}: evidence for <b>{label_names[target]}</b>{prob} (red for, blue against)"
    body = " ".join(spans)
    return HTML(
        f'<div style="line-height:1.9;font-family:sans-serif"><div style="font-size:90%;'
        f'color:#555">{caption}</div>{body}</div>'
    )
