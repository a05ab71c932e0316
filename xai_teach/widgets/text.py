"""Explorers for reviews: edit a review and watch its word highlights, or delete its top words.

``review_explorer`` renders highlighted words as self-contained HTML (live: an ``ipywidgets.HTML``
output; static: :class:`xai_teach.viz.HTML` for the rendered book), through :class:`HTMLExplorer`,
a minimal :class:`Explorer` whose draw function returns HTML instead of filling matplotlib axes.
``word_removal_explorer`` plots with matplotlib like the image explorers.
"""

import html

import ipywidgets as w
import numpy as np

from .. import checks, explain, models, viz
from .core import BUSY, Explorer

LABELS = ("negative", "positive")
ATTENTION_NOTE = (
    "Attention is drawn in its own colour (purple): it is unsigned and the same for both classes, "
    "so it shows where the model looks, not evidence for a class."
)
FAST_METHODS = ("gradient_x_input", "attention")  #: methods quick enough to rerun on every keystroke


class HTMLExplorer(Explorer):
    """An :class:`Explorer` whose ``draw(result, settings)`` returns an HTML string instead of filling axes."""

    def __init__(self, compute, draw, controls, title, **options):
        super().__init__(compute, draw, controls, 1, title, **options)

    def _html(self, settings):
        return self.draw(self.compute(**settings), settings)

    def render(self, settings, dpi=None):
        """``(html, readout, result)`` of one setting."""
        result = self.compute(**settings)
        return self.draw(result, settings), self.readout(result, settings), result

    def static(self, rows):
        """One rendering per dict of settings (missing keys take the controls' values), as inline HTML."""
        parts = [self._html({**self.settings(), **row}) for row in rows]
        body = "".join(f'<div style="margin:8px 0;padding:6px;border:1px solid #ddd">{p}</div>' for p in parts)
        return viz.HTML(f"<div><b>{html.escape(self.title)}</b>{body}</div>")

    def widget(self):
        """Live controls; every change recomputes and rewrites the HTML output ("computing…" meanwhile)."""
        out = w.HTML(self._html(self.settings()))
        status = w.HTML()

        def redraw(_change):
            status.value = f"<i>{BUSY}</i>"
            page, text, _ = self.render(self.settings())
            out.value = page
            status.value = html.escape(text)

        for control in self.controls.values():
            control.observe(redraw, names="value")
        note = [w.HTML(f"<small>{html.escape(self.note)}</small>")] if self.note else []
        return w.VBox([w.HTML(f"<b>{html.escape(self.title)}</b>"), *self.controls.values(), status, out, *note])


def _methods(model, methods):
    """The fast methods that apply to ``model`` (attention needs an attention layer)."""
    allowed = [m for m in methods if m != "attention" or "attention" in [layer.name for layer in model.layers]]
    unknown = [m for m in methods if m not in explain.TEXT_METHODS]
    if unknown or not allowed:
        raise ValueError(f"methods must be names in explain.TEXT_METHODS that apply to {model.name}, got {methods!r}.")
    return allowed


def review_explorer(model, review, methods=FAST_METHODS, target=1):
    """Type or delete words in a review and watch the prediction and each word's highlight update.

    Args:
        model: an IMDB model (``imdb_bow``, ``imdb_lstm`` or ``imdb_transformer``).
        review: the starting review (str).
        methods: names of text methods offered in the menu; keep them fast (they rerun on every edit).
        target: the class whose evidence is highlighted (1: positive, 0: negative), fixed while editing
            so that colours keep their meaning.
    """
    if not isinstance(review, str):
        raise TypeError(f"review_explorer takes one review (str), got {type(review).__name__}.")
    if target not in (0, 1):
        raise ValueError(f"target must be 0 (negative) or 1 (positive), got {target!r}.")
    methods = _methods(model, methods)

    def compute(text, method):
        """Probabilities and the attribution of ``text``; an empty review has neither."""
        if not text.strip() or not explain.tokenize(model, text)[0]:
            return {"probs": None, "attribution": None}
        attr = explain.TEXT_METHODS[method](model, [text], targets=target)
        return {"probs": attr.probs[0], "attribution": attr}

    def draw(result, settings):
        if result["attribution"] is None:
            return "<i>The review has no word the model reads: type some words.</i>"
        p = result["probs"]
        bar = (
            f'<div style="font-family:sans-serif;font-size:90%">prediction: <b>{LABELS[int(p.argmax())]}</b>, '
            f'p(positive) = {p[1]:.3f} <span style="display:inline-block;width:150px;height:9px;'
            f'background:#ddd"><span style="display:inline-block;width:{150 * p[1]:.0f}px;height:9px;'
            f'background:#c44e52"></span></span></div>'
        )
        if settings["method"] == "attention":
            return bar + attention_html(result["attribution"])
        return bar + viz.text_html(result["attribution"], label_names=LABELS).source

    def readout(result, settings):
        if result["attribution"] is None:
            return f"{settings['method']}: the review has no word the model reads"
        p = result["probs"]
        return f"{settings['method']}: prediction {LABELS[int(p.argmax())]}, p(positive) = {p[1]:.3f}"

    def numbers(result):
        return {} if result["probs"] is None else {"p_positive": float(result["probs"][1])}

    controls = {
        "text": w.Textarea(value=review, description="review", layout=w.Layout(width="95%", height="90px")),
        "method": w.Dropdown(options=list(methods), value=methods[0], description="method"),
    }
    recipe = {"explorer": "review", "model": model.name, "review": review, "target": target, "methods": list(methods)}
    return HTMLExplorer(
        compute,
        draw,
        controls,
        f"Edit the review: {model.name}, evidence for '{LABELS[target]}'",
        readout=readout,
        numbers=numbers,
        slow=True,
        note=ATTENTION_NOTE if "attention" in methods else None,
        recipe=recipe,
    )


def attention_html(attr):
    """Words shaded by attention on one purple scale, lightest at the review's smallest weight and darkest at
    its largest, with a caption that says that attention is not evidence for a class (it is unsigned and does
    not depend on the class)."""
    tokens, values = attr.tokens[0], np.asarray(attr.values[0], dtype=float)
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
    spread = high - low if high > low else 1.0
    spans = [
        f'<span title="{v:.4f}" style="background:rgba(128,60,170,{0.1 + 0.75 * (v - low) / spread:.2f});'
        f'padding:1px 2px;border-radius:3px">{html.escape(t)}</span>'
        for t, v in zip(tokens, values)
    ]
    caption = (
        f"attention: the weight each word receives, from {low:.3f} (lightest) to {high:.3f} (darkest purple), "
        "the same whichever class is explained; not evidence for or against a class"
    )
    return (
        f'<div style="line-height:1.9;font-family:sans-serif"><div style="font-size:90%;color:#555">{caption}'
        f"</div>{' '.join(spans)}</div>"
    )


def prepared_edits(model, review, target=1):
    """Edits of ``review`` a reader can pick where no one can type (the book view): ``{label: text}``.

    The original; the review without its word of most evidence for ``target`` (gradient x input);
    without its word of most evidence against; and with "not" put before the word of most evidence for.
    """
    if not isinstance(review, str):
        raise TypeError(f"prepared_edits takes one review (str), got {type(review).__name__}.")
    attr = explain.gradient_x_input(model, [review], targets=target)
    words, values = attr.tokens[0], np.asarray(attr.values[0])
    if not words:
        raise ValueError("review has no word the model reads.")
    best, worst = int(values.argmax()), int(values.argmin())
    edits = {"the review, as the model reads it": " ".join(words)}
    edits[f"without '{words[best]}' (most evidence for {LABELS[target]})"] = " ".join(
        t for i, t in enumerate(words) if i != best
    )
    if worst != best:
        edits[f"without '{words[worst]}' (most evidence against)"] = " ".join(
            t for i, t in enumerate(words) if i != worst
        )
    edits[f"'not' put before '{words[best]}'"] = " ".join(("not " + t) if i == best else t for i, t in enumerate(words))
    return edits


def removal_order(values, method, seed=0):
    """Word positions from most to least evidence for the target (signed values); ``"random"``: a seeded shuffle."""
    if method == "random":
        return np.random.default_rng(seed).permutation(len(values))
    return np.argsort(-np.asarray(values), kind="stable")


def _params(method, words):
    """Modest settings for the slow methods, so that one ranking takes seconds."""
    if method == "lime_text":
        return {"num_samples": 500}
    if method == "shap_text":
        return {"algorithm": "permutation", "max_evals": max(500, 2 * len(words) + 1)}
    return {}


def word_removal_explorer(model, review, target=None, methods=("gradient_x_input", "lime_text", "random"), k_max=20):
    """Delete a review's top-k words by a chosen method and plot the probability of the target class.

    Removed words become ``"[UNK]"`` (the unknown word, as LIME and SHAP remove words), so the
    review keeps its length. A faithful method makes the probability fall faster than ``"random"``.

    Args:
        model: an IMDB model.
        review: the review (str).
        target: the class whose probability is plotted (default: the class predicted on the full review).
        methods: text methods to rank the words (names in ``explain.TEXT_METHODS``) and/or ``"random"``.
        k_max: the largest number of words removed (at most the number of words).
    """
    if not isinstance(review, str):
        raise TypeError(f"word_removal_explorer takes one review (str), got {type(review).__name__}.")
    ranked = _methods(model, [m for m in methods if m != "random"]) if set(methods) - {"random"} else []
    choices = ranked + (["random"] if "random" in methods else [])
    words = explain.tokenize(model, review)[0]
    if not words:
        raise ValueError("review has no word the model reads.")
    target = int(checks.targets(target, models.predict_proba(model, [review]))[0])
    k_max = min(checks.positive_int(k_max, "k_max"), len(words))
    cache = {}

    def curve(method):
        """p(target) after removing the top 0..k_max words, one batched model call per method."""
        if method not in cache:
            if method == "random":
                order = removal_order(np.zeros(len(words)), method)
            else:
                attr = explain.TEXT_METHODS[method](model, [" ".join(words)], targets=target, **_params(method, words))
                order = removal_order(attr.values[0], method)
            texts = []
            for k in range(k_max + 1):
                kept = list(words)
                for j in order[:k]:
                    kept[j] = explain.text.UNK
                texts.append(" ".join(kept))
            cache[method] = (order, models.predict_proba(model, texts)[:, target])
        return cache[method]

    def compute(method, k):
        order, probs = curve(method)
        return {"probs": probs, "removed": [words[j] for j in order[:k]], "k": k}

    def draw(axes, result, settings):
        k, probs = result["k"], result["probs"]
        axes[0].plot(np.arange(len(probs)), probs, "-o", ms=3, color="#4c72b0")
        axes[0].plot([k], [probs[k]], "o", ms=8, color="#c44e52")
        axes[0].set_ylim(-0.02, 1.02)
        axes[0].set_xlabel("words removed", fontsize=8)
        axes[0].set_ylabel(f"p({LABELS[target]})", fontsize=8)
        axes[0].set_title(f"{settings['method']}: {k} removed, p={probs[k]:.2f}", fontsize=9)
        axes[1].axis("off")
        removed = ", ".join(result["removed"]) or "(none)"
        axes[1].text(0, 1, "removed:\n" + _wrap(removed, 32), va="top", fontsize=8, family="monospace")

    def readout(result, settings):
        k = result["k"]
        return f"{settings['method']}: {k} words removed, p({LABELS[target]}) = {result['probs'][k]:.2f}"

    def numbers(result):
        return {"p_target": float(result["probs"][result["k"]])}

    controls = {
        "method": w.Dropdown(options=choices, value=choices[0], description="method"),
        "k": w.IntSlider(value=min(5, k_max), min=0, max=k_max, description="remove k"),
    }
    recipe = {"explorer": "removal", "model": model.name, "review": review, "target": target}
    recipe.update(methods=list(methods), k_max=k_max)
    return Explorer(
        compute,
        draw,
        controls,
        2,
        f"Remove the top-k words ({model.name}, class {LABELS[target]})",
        readout=readout,
        numbers=numbers,
        slow=any(m in ("lime_text", "shap_text") for m in choices),
        recipe=recipe,
    )


def _wrap(text, width):
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])
