r"""Sanity checks (Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim 2018, *Sanity Checks for Saliency
Maps*, NeurIPS): an explanation that does not change when the model's parameters or the training
labels are randomised cannot be explaining what the model learned.

Similarity between the original explanation :math:`e` and the one after
randomisation :math:`\tilde e` is reported three ways, as in the paper:

- ``spearman_abs``: Spearman rank correlation of :math:`|e|` and :math:`|\tilde e|`
  (do the same pixels matter, whatever the sign?);
- ``spearman``: Spearman rank correlation of the signed values;
- ``ssim``: structural similarity (Wang et al. 2004) of the two maps of
  :math:`|e|`, each scaled to [0, 1] by its maximum (images only).

A method passes when the similarity falls towards 0 as more of the model is randomised.
"""

import time
from dataclasses import dataclass, field

import keras
import numpy as np
import pandas as pd
from scipy.stats import truncnorm
from skimage.metrics import structural_similarity

from .. import checks, data
from . import _common as c
from .agreement import spearman
from .registry import metric
from .result import Steps

MEASURES = ("spearman_abs", "spearman", "ssim")


def _ssim(a, b):
    """SSIM of |a| and |b| (n, 784), each map scaled to [0, 1] by its own maximum."""

    def scaled(v):
        v = np.abs(v).reshape(-1, 28, 28)
        top = v.max(axis=(1, 2), keepdims=True)
        return np.divide(v, top, out=np.zeros_like(v), where=top > 0)

    return np.array([structural_similarity(u, v, data_range=1.0) for u, v in zip(scaled(a), scaled(b))])


def similarity(original, randomised, images=True):
    """The three similarity measures of the module docstring, per input, as a dict of (n,) arrays."""
    out = {"spearman_abs": spearman(original, randomised, True), "spearman": spearman(original, randomised, False)}
    out["ssim"] = _ssim(np.asarray(original), np.asarray(randomised)) if images else np.full(len(original), np.nan)
    return out


def clone(model):
    """A copy of ``model`` with its own weights (equal to the original's); the original is never touched.

    Layers without trainable weights (e.g. a ``TextVectorization`` with its vocabulary)
    are shared with the original: there is nothing in them to randomise.
    """

    def copy_layer(layer):
        if not getattr(layer, "trainable_weights", None):
            return layer
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=copy_layer)
    copy.set_weights(model.get_weights())
    return copy


def randomisable_layers(model):
    """Names of the layers with trainable weights, from the output (logits) down to the input."""
    return [layer.name for layer in reversed(model.layers) if getattr(layer, "trainable_weights", None)]


def randomise_layer(layer, rng):
    r"""Re-draw every trainable variable of ``layer`` in place from a seeded truncated normal.

    Each variable gets fresh values :math:`\mu + \sigma z`, :math:`z` from a normal
    truncated at +-2, with :math:`\mu, \sigma` the mean and standard deviation of its
    trained values: the learned structure is gone while each layer keeps its scale,
    so activations neither die nor explode. (A variable with a single trained value,
    such as an all-zero bias, stays as it was.)
    """
    for var in layer.trainable_weights:
        w = np.asarray(var.numpy())
        z = truncnorm.rvs(-2.0, 2.0, size=w.shape, random_state=rng)
        var.assign((w.mean() + w.std() * z).astype(w.dtype))


@dataclass(repr=False)
class Randomisation(Steps):
    """Outcome of a sanity check: a :class:`~xai_teach.metrics.Steps` result, lower is better.

    ``scores`` are each input's ``spearman_abs`` similarity after the last step (every layer randomised,
    or the labels shuffled): an explanation that passes the check scores low.

    Attributes:
        frame: tidy DataFrame, one row per (step, input): ``step``, ``layer``, ``input``, ``target``,
            ``spearman_abs``, ``spearman``, ``ssim``.
        values: explanation values per step name (``"original"`` first), each (n, 784) or a list (text).
        model: the randomised copy of the model (the original is untouched).
        info: extra facts (e.g. training time and accuracy of a label-randomised model).
    """

    values: dict = field(default_factory=dict)
    model: object = None
    info: dict = field(default_factory=dict)

    @classmethod
    def of(cls, metric, targets, frames, values, model, info=None):
        """Build it from the per-step frames; the last step gives ``scores``."""
        frame = pd.concat(frames, ignore_index=True)
        return cls(
            metric,
            frames[-1]["spearman_abs"].to_numpy(dtype=float),
            targets,
            frame=frame,
            values=values,
            model=model,
            info={} if info is None else info,
        )

    def summary(self):
        """Mean similarity per step (rows in cascade order) and measure."""
        order = list(dict.fromkeys(self.frame["layer"]))
        means = self.frame.groupby("layer", sort=False)[list(MEASURES)].mean()
        return means.loc[order]

    def plot(self, ax=None):
        """Mean similarity per step with one line per measure (the paper's Figure 2 style); returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax if ax is not None else plt.subplots(figsize=(5, 3))[1]
        table = self.summary()
        for measure in MEASURES:
            if table[measure].notna().any():
                ax.plot(range(len(table)), table[measure], marker="o", label=measure)
        ax.set_xticks(range(len(table)), table.index, rotation=45, ha="right")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylim(-0.2, 1.05)
        ax.set_ylabel("similarity to original")
        ax.legend(fontsize=8)
        ax.figure.tight_layout()
        return ax

    def __repr__(self):
        return f"Randomisation({self.metric}: steps={list(self.values)}, n={len(self.scores)}, mean={self.mean:.4g})"


def _rows(step, name, t, sims):
    return pd.DataFrame({"step": step, "layer": name, "input": np.arange(len(t)), "target": t, **sims})


@metric(better="lower", explainer=True)
def cascading_randomisation(model, inputs, explain_fn, *, targets=None, layers=None, random_state=0, progress=None):
    """Cascading model-parameter randomisation (Adebayo et al. 2018, *Sanity Checks for Saliency Maps*).

    A copy of the model has its layers re-initialised one at a time from the top
    (``logits``) down (see :func:`randomise_layer`); after each layer the inputs are
    explained again, for the same classes the original model predicted (or
    ``targets``), and compared with the original explanation (module docstring).
    Similarity that stays high means the explanation ignores the randomised weights.

    Args:
        model: the trained model; it is cloned, never modified.
        inputs: images (or reviews: then only the Spearman measures are reported).
        explain_fn: ``explain_fn(model, inputs, targets=None) -> Attribution``.
        targets: class per input; None: the original model's predicted class.
        layers: names of the layers to randomise, in order; None: every layer with weights, top down.
        random_state: seeds the re-initialisation; the same seed gives the same randomised models.
        progress: show a progress bar (None: only in an interactive session).

    Returns:
        :class:`Randomisation`; ``frame`` has step 0 ``"original"`` (similarity 1) then one step per layer;
        ``scores`` are the ``spearman_abs`` similarities with every listed layer randomised.
    """
    c.require_callable(explain_fn, "cascading_randomisation")
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    images = not isinstance(x, list)
    copy = clone(model)
    names = randomisable_layers(copy)
    if layers is None:
        layers = names
    else:
        if isinstance(layers, str):
            raise TypeError(f"layers must be a list of layer names, got the single string {layers!r}.")
        layers = list(layers)
        unknown = [name for name in layers if name not in names]
        if unknown or not layers:
            raise ValueError(f"layers must name layers with weights, from {names}; got {layers}.")
    original = c.prepare(model, x, c.explain(explain_fn, model, x, t), t).values
    values = {"original": original}
    frames = [_rows(0, "original", t, similarity(original, original, images))]
    rng = np.random.default_rng(c.check_seed(random_state))
    for step, name in enumerate(c.progress(layers, desc="randomising layers", show=progress), start=1):
        randomise_layer(copy.get_layer(name), rng)
        values[name] = c.prepare(copy, x, c.explain(explain_fn, copy, x, t), t).values
        frames.append(_rows(step, name, t, similarity(original, values[name], images)))
    return Randomisation.of("cascading_randomisation", t, frames, values, copy)


class _EpochBar(keras.callbacks.Callback):
    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def on_epoch_end(self, epoch, logs=None):
        self.bar.update(1)


def _training_data(train):
    if train is None:
        train = data.load_mnist()[0]
    if not isinstance(train, (tuple, list)) or len(train) != 2:
        raise TypeError("train must be a pair (images, labels).")
    x_train = checks.image_batch(train[0], "train images")
    y_train = np.asarray(train[1])
    if y_train.dtype.kind not in "iu" or y_train.shape != (len(x_train),):
        raise ValueError(f"train labels must be {len(x_train)} ints, got dtype {y_train.dtype} shape {y_train.shape}.")
    return x_train, y_train


@metric(better="lower", explainer=True)
def label_randomisation(
    model,
    inputs,
    explain_fn,
    *,
    targets=None,
    train=None,
    epochs=5,
    builder=None,
    random_state=0,
    batch_size=64,
    learning_rate=1e-3,
    progress=None,
):
    """Data randomisation test (Adebayo et al. 2018, *Sanity Checks for Saliency Maps*).

    A fresh model of the same architecture is trained on the training images with
    their labels shuffled, so it can only memorise; the inputs are then explained
    by both models for the same classes and the explanations compared (module
    docstring). An explanation that looks the same for both does not depend on
    what the model learned from the labels.

    Args:
        model: the model trained on the true labels (left untouched).
        inputs: images to explain.
        explain_fn: ``explain_fn(model, inputs, targets=None) -> Attribution``.
        targets: class per input; None: ``model``'s predicted class.
        train: (images, labels) to train on; None: the embedded MNIST training set (5,000 digits).
        epochs: passes over the shuffled data (few: the check needs a model that fits noise, not a good one).
        builder: a function returning a fresh untrained model; None: re-initialise a clone of ``model``.
        random_state: seeds the label shuffle, the initial weights and the training order (sets Keras' global seed).
        batch_size: training batch size.
        learning_rate: Adam learning rate.
        progress: show a progress bar over epochs (None: only in an interactive session).

    Returns:
        :class:`Randomisation` with steps ``"original"`` and ``"shuffled_labels"``; ``info`` holds
        ``train_seconds`` and ``train_accuracy`` (on the shuffled labels; chance is about 0.1); ``scores``
        are the ``spearman_abs`` similarities of the two models' explanations.
    """
    c.require_images(model, "label_randomisation")
    c.require_callable(explain_fn, "label_randomisation")
    epochs = c.positive_int(epochs, "epochs", high=c.MAX_DRAWS // 100)
    x = c.check_inputs(model, inputs)
    t = c.resolve_targets(model, x, targets)
    x_train, y_train = _training_data(train)
    shuffled = np.random.default_rng(c.check_seed(random_state)).permutation(y_train)
    keras.utils.set_random_seed(0 if random_state is None else random_state)
    fresh = builder() if builder is not None else keras.models.clone_model(model)
    fresh.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy")
    start = time.perf_counter()
    with c.progress(None, total=epochs, desc="training on shuffled labels", show=progress) as bar:
        fresh.fit(x_train, shuffled, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[_EpochBar(bar)])
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(c.forward(fresh, x_train).argmax(axis=1) == shuffled))
    original = c.prepare(model, x, c.explain(explain_fn, model, x, t), t).values
    randomised = c.prepare(fresh, x, c.explain(explain_fn, fresh, x, t), t).values
    frames = [
        _rows(0, "original", t, similarity(original, original)),
        _rows(1, "shuffled_labels", t, similarity(original, randomised)),
    ]
    values = {"original": original, "shuffled_labels": randomised}
    info = {"train_seconds": seconds, "train_accuracy": accuracy, "epochs": epochs, "n_train": len(x_train)}
    return Randomisation.of("label_randomisation", t, frames, values, fresh, info)
