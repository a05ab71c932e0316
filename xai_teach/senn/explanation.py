r"""Reading a SENN: its outputs, its explanation object and the prototypes of its concepts.

A SENN's explanation of class :math:`c` at :math:`x` is the pair of vectors
:math:`h(x)` (concept activations) and :math:`\theta_{\cdot c}(x)` (their
relevances); their product :math:`\theta_{ic}(x) h_i(x)` sums **exactly** to the
logit of class :math:`c`, so the explanation is the prediction, not an
approximation of it.

For ``kind="pixels"``, :func:`attribution` is an ``explain_fn`` that returns an
image :class:`~xai_teach.explain.Attribution`, so every :mod:`xai_teach.metrics`
function takes it as it takes any pixel explainer; for learned concepts see
:mod:`xai_teach.senn.evaluation`.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import tensorflow as tf

from .. import checks
from .. import forward as fwd
from ..explain.attribution import Attribution, Features
from ..explain.prototypes import Prototypes
from .model import check_senn


def _forward(model):
    """One compiled function per model (in :mod:`xai_teach.forward`'s cache): images -> (h, theta, logits, probs)."""

    def build():
        encoder, relevance_net, aggregate, softmax = (
            model.get_layer(n) for n in ("concepts", "relevances", "logits", "probs")
        )

        def run(x):
            h, theta = encoder(x, training=False), relevance_net(x, training=False)
            z = aggregate([h, theta])
            return h, theta, z, softmax(z)

        spec = [tf.TensorSpec((None, 28, 28, 1), tf.float32)]
        return tf.function(run, input_signature=spec, autograph=False)

    return fwd.compiled(model, "senn_outputs", build)


def outputs(model, inputs, batch_size=None):
    """Concepts h (n, k), relevances theta (n, k, 10), logits (n, 10) and probabilities (n, 10) as numpy arrays.

    Args:
        model: a SENN.
        inputs: images (n, 28, 28[, 1]) in [0, 1].
        batch_size: images per forward pass (None: 1000).
    """
    check_senn(model)
    x = checks.image_batch(inputs)
    batch_size = fwd.batch_size_for(model, batch_size)
    run = _forward(model)
    parts = [[t.numpy() for t in run(tf.constant(x[i : i + batch_size]))] for i in range(0, len(x), batch_size)]
    h, theta, z, probs = (np.concatenate(p) for p in zip(*parts))
    return {"concepts": h, "relevances": theta, "logits": z, "probs": probs}


def concepts(model, inputs):
    """Concept activations h(x): (n, k)."""
    return outputs(model, inputs)["concepts"]


def relevances(model, inputs):
    r"""Relevances :math:`\theta(x)`: (n, k, 10), one per concept and class."""
    return outputs(model, inputs)["relevances"]


def logits(model, inputs):
    """Pre-softmax outputs (n, 10): equal to ``(concepts[:, :, None] * relevances).sum(1)``.

    SENN is a functional model with a layer named ``logits``, so
    :func:`xai_teach.models.logits_model` works on it too; this is the short way.
    """
    return outputs(model, inputs)["logits"]


@dataclass
class Explanation(Features):
    r"""A SENN's own explanation of a batch, for one class per input.

    Attributes:
        concepts: (n, k) concept activations :math:`h(x)`.
        values: (n, k) relevances :math:`\theta_{\cdot c}(x)` of the explained class (the explanation vector).
        inputs: the explained images (n, 28, 28, 1).
        targets: (n,) the class each row explains (default: the predicted class).
        logits: (n, 10) pre-softmax outputs; probs: (n, 10) probabilities.
        kind: ``"concepts"`` or ``"pixels"``; pool: side of the pixel blocks (``kind="pixels"``).
        method: ``"senn"``; params: what produced it.
    """

    concepts: np.ndarray
    values: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    logits: np.ndarray
    probs: np.ndarray
    kind: str
    pool: int = 1
    method: str = "senn"
    params: dict = field(default_factory=dict)

    @property
    def relevances(self):
        r""":math:`\theta_{ic}(x)` for the explained class c: (n, k). The same array as ``values``."""
        return self.values

    @property
    def contributions(self):
        r""":math:`\theta_{ic}(x) h_i(x)`: (n, k); each row sums to the logit of its class."""
        return self.values * self.concepts

    TOP = 3

    def _select(self, idx):
        return Explanation(
            self.concepts[idx],
            self.values[idx],
            self.inputs[idx],
            self.targets[idx],
            self.logits[idx],
            self.probs[idx],
            self.kind,
            self.pool,
            self.method,
            self.params,
        )

    def feature_names(self, i=0):
        """``"concept 1"`` ... for learned concepts, ``"r,c"`` (top-left pixel of each block) for pixels."""
        k = self.values.shape[1]
        if self.kind == "concepts":
            return [f"concept {j + 1}" for j in range(k)]
        side = 28 // self.pool
        return [f"{r * self.pool},{c * self.pool}" for r in range(side) for c in range(side)]

    def flat(self, i):
        """The relevances of input ``i`` as a 1-D array."""
        return self.values[i]

    def to_frame(self):
        """Tidy DataFrame: one row per (input, concept) with activation, relevance, contribution and rank."""
        n, k = self.values.shape
        rank = np.stack([self.rank(i) for i in range(n)]) if n else np.empty((0, k), dtype=np.int64)
        return pd.DataFrame(
            {
                "input": np.repeat(np.arange(n), k),
                "feature": self.feature_names() * n,
                "concept": np.tile(np.arange(k), n),
                "activation": self.concepts.ravel(),
                "relevance": self.values.ravel(),
                "contribution": self.contributions.ravel(),
                "rank": rank.ravel(),
                "target": np.repeat(self.targets, k),
                "method": self.method,
            }
        )

    def to_attribution(self, product=False):
        r"""``kind="pixels"`` only: the relevances as an image :class:`~xai_teach.explain.Attribution` (n, 28, 28).

        Each pixel gets its block's :math:`\theta_{bc}` divided by the block's
        ``pool**2`` pixels: the exact coefficient of that pixel in the logit, so
        ``(values * image).sum() == logit`` (a saliency-like map of a linear model).

        Args:
            product: return coefficient x pixel instead (comparable with gradient x input);
                it sums over the image to the logit.
        """
        if self.kind != "pixels":
            raise TypeError(
                "Learned concepts have no pixel map: this SENN explains with k concept relevances. "
                "Compare it with pixel explainers through senn.local_lipschitz and senn.faithfulness."
            )
        side = 28 // self.pool
        blocks = self.values.reshape(len(self), side, side) / self.pool**2
        coef = np.repeat(np.repeat(blocks, self.pool, axis=1), self.pool, axis=2)
        values = coef * self.inputs[..., 0] if product else coef
        params = {**self.params, "product": product}
        return Attribution(values, self.inputs, self.targets, "senn_pixels", params, probs=self.probs)

    def plot(self, index=0, prototypes=None):
        """Learned concepts: the digit and bar charts of relevances and contributions (plus prototypes if given);
        pixels: the relevance map over the digit. See :func:`xai_teach.senn.plot_explanation`."""
        from .plots import plot_explanation

        return plot_explanation(self, index, prototypes)

    def __repr__(self):
        return (
            f"Explanation(method='senn', kind={self.kind!r}, n={len(self)}, concepts={self.values.shape[1]}, "
            f"targets={self.targets.tolist()[:10]})"
        )


def _pool(model):
    if model.kind != "pixels":
        return 1
    return 28 // int(round(np.sqrt(model.concept_count)))


def explain(model, inputs, targets=None, batch_size=None):
    """The SENN's explanation of ``inputs``: concepts, relevances of the target class, their product.

    Args:
        model: a SENN.
        inputs: images (n, 28, 28[, 1]) in [0, 1]; one image is a batch of one.
        targets: None explains the predicted class; an int or one int per input picks classes.
        batch_size: images per forward pass.
    """
    x = checks.image_batch(inputs)
    out = outputs(model, x, batch_size)
    t = checks.targets(targets, checks.probabilities(out["probs"], len(x)))
    theta = out["relevances"][np.arange(len(x)), :, t]
    params = {"kind": model.kind, "robustness": model.robustness}
    return Explanation(
        out["concepts"], theta, x, t, out["logits"], out["probs"], model.kind, _pool(model), "senn", params
    )


def attribution(model, inputs, targets=None, product=False):
    """``explain_fn`` for :mod:`xai_teach.metrics` (``kind="pixels"`` only): an image Attribution (n, 28, 28).

    ``metrics.local_lipschitz(model, x, senn.attribution)`` then scores SENN like any pixel explainer.
    See :meth:`Explanation.to_attribution` for what the values are.
    """
    check_senn(model)
    if model.kind != "pixels":
        raise TypeError(
            "senn.attribution needs a SENN with kind='pixels'; a SENN with learned concepts explains with k "
            "concept relevances: use senn.explain, senn.local_lipschitz and senn.faithfulness."
        )
    return explain(model, inputs, targets).to_attribution(product)


positive_int = checks.positive_int


def prototypes(model, data, top=10, batch_size=None):
    """The ``top`` examples of ``data`` that activate each learned concept most (the paper's concept prototypes).

    Args:
        model: a SENN with ``kind="concepts"``.
        data: images (n, 28, 28[, 1]) in [0, 1] to search, e.g. the test digits.
        top: examples per concept.
        batch_size: images per forward pass.
    """
    check_senn(model)
    if model.kind != "concepts":
        raise TypeError("Prototypes need learned concepts; for kind='pixels' each concept is a pixel block.")
    x = checks.image_batch(data, "data")
    top = positive_int(top, "top")
    if top > len(x):
        raise ValueError(f"top={top} is more than the {len(x)} images in data.")
    h = outputs(model, x, batch_size)["concepts"]
    order = np.argsort(-h, axis=0, kind="stable")[:top].T  # (k, top)
    activations = np.take_along_axis(h.T, order, axis=1)
    concepts = np.arange(1, h.shape[1] + 1)
    return Prototypes(concepts, order, x[order], activations, "concept", {"top": top}, "senn.prototypes")
