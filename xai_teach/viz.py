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


def _named(attributions):
    """``{title: Attribution}`` from a dict, or a list titled by each method's name."""
    if isinstance(attributions, dict):
        named = dict(attributions)
    elif isinstance(attributions, (list, tuple)):
        named = {a.method if hasattr(a, "method") else str(i): a for i, a in enumerate(attributions)}
        if len(named) != len(attributions):
            named = {f"{a.method} ({i})": a for i, a in enumerate(attributions)}
    else:
        raise TypeError(f"attributions must be a list or a dict of Attributions, got {type(attributions).__name__}.")
    if not named:
        raise ValueError("attributions is empty; pass at least one Attribution.")
    for title, a in named.items():
        # Duck-typed so that viz never imports explain (explain.Attribution.plot imports viz).
        if not all(hasattr(a, name) for name in ("values", "inputs", "targets", "method", "is_text")):
            raise TypeError(f"attributions[{title!r}] must be an Attribution, got {type(a).__name__}.")
    first = next(iter(named.values()))
    for title, a in named.items():
        same = (
            a.is_text == first.is_text
            and len(a) == len(first)
            and (list(a.inputs) == list(first.inputs) if a.is_text else np.allclose(a.inputs, first.inputs))
        )
        if not same:
            raise ValueError(
                f"attributions[{title!r}] explains other inputs than the first one; compare like with like."
            )
    return named


def compare(attributions, index=None, size=1.5, label_names=("negative", "positive")):
    """Several methods side by side on the same inputs; returns a figure (images) or HTML (text).

    Images: one row per input (at most the first 10 unless ``index`` says which),
    the digit first, then one heatmap per method, each scaled by its own
    largest value. Text: one highlighted line per method for one review.

    Args:
        attributions: a list of Attributions of the same inputs (titled by method), or a dict
            ``{title: Attribution}``.
        index: which inputs to draw: an int, a list or a slice (images; default the first 10),
            or the one review to show (text; default 0).
        size: inches per heatmap.
        label_names: class names for the text captions.
    """
    named = _named(attributions)
    first = next(iter(named.values()))
    if first.is_text:
        i = 0 if index is None else index
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"for text, index must be the int position of one review, got {index!r}.")
        parts = [text_html(a[int(i)], label_names=label_names).source.replace(a.method, t, 1) for t, a in named.items()]
        return HTML('<div style="display:flex;flex-direction:column;gap:10px">' + "".join(parts) + "</div>")
    rows = np.arange(min(len(first), 10)) if index is None else np.atleast_1d(np.arange(len(first))[index])
    ncols = len(named) + 1
    fig, axes = plt.subplots(len(rows), ncols, figsize=(size * ncols, size * len(rows) + 0.3), squeeze=False)
    for r, i in enumerate(rows):
        axes[r, 0].imshow(np.squeeze(first.inputs[i]), cmap="gray_r", vmin=0, vmax=1)
        axes[r, 0].set_xticks([])
        axes[r, 0].set_yticks([])
        axes[r, 0].set_ylabel(f"class {first.targets[i]}", fontsize=8)
        for j, (title, a) in enumerate(named.items(), start=1):
            heatmap(axes[r, j], a.inputs[i], a.values[i], title if r == 0 else None)
    axes[0, 0].set_title("input", fontsize=9)
    fig.tight_layout()
    return fig
