"""``Attribution``: the one result type every explainer returns and every plot understands.

:class:`Features` holds what every per-input explanation shares (selecting
inputs, ranking features, the top features of each input); :class:`Attribution`
and :class:`xai_teach.senn.Explanation` build on it.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import checks


def _finite(values, name):
    """``values`` as float64, refusing non-numeric dtypes and NaN/inf (an attribution is a number per feature)."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values.")
    return arr


class Features:
    """Shared by explanations that hold one row of feature values per input (``targets``, ``flat``, ``feature_names``).

    Subclasses define ``flat(i)``, ``feature_names(i)`` and ``_select(idx)`` (a copy
    holding the inputs ``idx``); ``TOP`` is the default ``k`` of :meth:`top_features`.
    """

    TOP = 10

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        """Select inputs by int, slice or index array; always returns the same type."""
        return self._select(np.atleast_1d(np.arange(len(self))[index]))

    def rank(self, i):
        """Rank of each feature of input ``i`` by |value|: 1 for the largest (ties in feature order)."""
        flat = self.flat(i)
        rank = np.empty(len(flat), dtype=np.int64)
        rank[np.argsort(-np.abs(flat), kind="stable")] = np.arange(1, len(flat) + 1)
        return rank

    def top_features(self, k=None, absolute=True):
        """The ``k`` most important features of each input as a list of ``(feature, value)`` lists.

        Args:
            k: how many features to return per input (default :attr:`TOP`).
            absolute: rank by ``|value|`` (True) or by signed value, most positive first.
        """
        k = self.TOP if k is None else checks.positive_int(k, "k")
        out = []
        for i in range(len(self)):
            flat, names = self.flat(i), self.feature_names(i)
            order = np.argsort(-(np.abs(flat) if absolute else flat), kind="stable")[:k]
            out.append([(names[j], float(flat[j])) for j in order])
        return out


@dataclass
class Attribution(Features):
    """Feature attributions for a batch of inputs, produced by one method.

    Attributes:
        values: images: float array (n, 28, 28), channel axis reduced; text: a
            list with one float array per input, one value per token.
        inputs: the explained inputs: images (n, 28, 28, 1) or a list of str.
        targets: int array (n,), the class each row explains.
        method: name of the method, e.g. ``"integrated_gradients"``.
        params: the parameters the method ran with (for reproducibility).
        tokens: text only: one list of words per input, aligned with ``values``.
        probs: the model's (n, classes) probabilities for ``inputs``, if known.
        base_values: (n,) the output the values are measured from, where the method has
            one: SHAP's expected value of the target class, integrated gradients'
            f(baseline); completeness reads ``values.sum() == output - base_values``.
    """

    values: object
    inputs: object
    targets: np.ndarray
    method: str
    params: dict = field(default_factory=dict)
    tokens: list = None
    probs: np.ndarray = None
    base_values: np.ndarray = None

    def __post_init__(self):
        if not isinstance(self.method, str):
            raise TypeError(f"method must be the method's name as a str, got {type(self.method).__name__}.")
        targets = np.asarray(self.targets)
        if targets.ndim != 1 or (targets.size and targets.dtype.kind not in "iu"):
            raise TypeError(
                f"targets must be a 1-D array of int classes, got dtype {targets.dtype}, shape {targets.shape}."
            )
        self.targets = targets.astype(np.int64)
        n = len(self.targets)
        if self.is_text:
            if len(self.values) != n or len(self.tokens) != n:
                raise ValueError(
                    f"text attribution needs {n} value arrays and token lists, "
                    f"got {len(self.values)} and {len(self.tokens)}."
                )
            self.values = [_finite(v, f"values[{i}]") for i, v in enumerate(self.values)]
            for i, (v, t) in enumerate(zip(self.values, self.tokens)):
                if v.shape != (len(t),):
                    raise ValueError(f"values[{i}] has shape {v.shape} but there are {len(t)} tokens.")
        else:
            self.values = _finite(self.values, "values")
            if self.values.shape != (n, 28, 28):
                raise ValueError(f"image attribution values must have shape ({n}, 28, 28), got {self.values.shape}.")
        if self.base_values is not None:
            self.base_values = _finite(self.base_values, "base_values")
            if self.base_values.shape != (n,):
                raise ValueError(
                    f"base_values must hold one number per input, shape ({n},); got {self.base_values.shape}."
                )

    @property
    def is_text(self):
        return self.tokens is not None

    def _select(self, idx):
        pick = (lambda seq: [seq[i] for i in idx]) if self.is_text else (lambda arr: arr[idx])
        return Attribution(
            values=pick(self.values),
            inputs=[self.inputs[i] for i in idx] if self.is_text else self.inputs[idx],
            targets=self.targets[idx],
            method=self.method,
            params=self.params,
            tokens=[self.tokens[i] for i in idx] if self.is_text else None,
            probs=None if self.probs is None else self.probs[idx],
            base_values=None if self.base_values is None else self.base_values[idx],
        )

    def flat(self, i):
        """The attribution of input ``i`` as a 1-D array (pixels row by row, or tokens)."""
        return self.values[i] if self.is_text else self.values[i].ravel()

    def feature_names(self, i):
        """Names of the features of input ``i``: ``"r,c"`` for pixels, the words for text."""
        return list(self.tokens[i]) if self.is_text else [f"{r},{c}" for r in range(28) for c in range(28)]

    def to_frame(self):
        """A tidy DataFrame: one row per (input, feature) with its value and rank by |value|."""
        frames = []
        for i in range(len(self)):
            flat = self.flat(i)
            frames.append(
                pd.DataFrame(
                    {
                        "input": i,
                        "feature": self.feature_names(i),
                        "position": np.arange(len(flat)),
                        "value": flat,
                        "rank": self.rank(i),
                        "target": int(self.targets[i]),
                        "method": self.method,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def plot(self, index=None, **kwargs):
        """Draw the attribution: heatmaps over the digits, or highlighted words for text.

        Args:
            index: which inputs to draw (default: all images, or the first review).
            **kwargs: passed on to :func:`xai_teach.viz.image_attributions` or
                :func:`xai_teach.viz.text_html`.
        """
        from .. import viz

        if self.is_text:
            return viz.text_html(self[0 if index is None else index], **kwargs)
        return viz.image_attributions(self if index is None else self[index], **kwargs)

    def _repr_html_(self):
        return self.plot()._repr_html_() if self.is_text else None

    def __repr__(self):
        kind = "text" if self.is_text else "image"
        return f"Attribution(method={self.method!r}, {kind}, n={len(self)}, targets={self.targets.tolist()[:10]})"
