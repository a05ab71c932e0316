"""Prototypes: the examples a model scores highest, per class or per learned concept (one result type).

:func:`xai_teach.explain.class_prototypes` returns the images a model is most sure of per class;
:func:`xai_teach.senn.prototypes` the images that activate each SENN concept most. Both return a
:class:`Prototypes`, with the same fields, ``to_frame()`` and ``plot()``.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: per kind of row: how the rows are named, the score's digits, the figure's title and layout
_STYLE = {
    "class": {
        "label": "class {}",
        "digits": 3,
        "title": "class prototypes",
        "size": 1.2,
        "pad": (0.0, 0.3),
        "ylabel": {"fontsize": 8},
    },
    "concept": {
        "label": "concept {}",
        "digits": 1,
        "title": "Concept prototypes: largest activation h_i(x) first",
        "size": 0.9,
        "pad": (0.8, 0.0),
        "ylabel": {"rotation": 0, "ha": "right", "va": "center", "fontsize": 9},
    },
}


@dataclass
class Prototypes:
    """The ``top`` highest-scoring examples of a dataset for every row (a class, or a learned concept).

    Attributes:
        rows: int array (k,): the classes (``kind="class"``) or the concepts, numbered from 1 as the book
            names them (``kind="concept"``).
        indices: int array (k, top): positions in the data searched, highest score first.
        images: float array (k, top, 28, 28, 1): those examples.
        scores: float array (k, top): the model's output for the class, or the concept's activation
            :math:`h_i(x)`, on each example.
        kind: ``"class"`` or ``"concept"``.
        params: the parameters the search ran with.
        method: the function that found them.
    """

    rows: np.ndarray
    indices: np.ndarray
    images: np.ndarray
    scores: np.ndarray
    kind: str = "class"
    params: dict = field(default_factory=dict)
    method: str = "class_prototypes"

    def __post_init__(self):
        if self.kind not in _STYLE:
            raise ValueError(f"kind must be one of {', '.join(map(repr, _STYLE))}, got {self.kind!r}.")
        k, top = np.shape(self.indices)
        if np.shape(self.rows) != (k,) or np.shape(self.scores) != (k, top) or np.shape(self.images)[:2] != (k, top):
            raise ValueError(
                f"expected rows (k,), indices and scores (k, top) and images (k, top, ...) with k={k}, top={top}; "
                f"got rows {np.shape(self.rows)}, scores {np.shape(self.scores)}, images {np.shape(self.images)}."
            )

    @property
    def classes(self):
        """The classes of the rows (``kind="class"``)."""
        return self.rows

    @property
    def activations(self):
        """The concept activations :math:`h_i(x)` of the examples (``kind="concept"``): the scores."""
        return self.scores

    def labels(self):
        """The rows' names: ``"class 3"``, ``"concept 1"`` ..."""
        return [_STYLE[self.kind]["label"].format(r) for r in self.rows]

    def __len__(self):
        return len(self.rows)

    def to_frame(self):
        """Tidy DataFrame: one row per (class or concept, rank) with the dataset index and score."""
        k, top = self.indices.shape
        return pd.DataFrame(
            {
                self.kind: np.repeat(self.rows, top),
                "rank": np.tile(np.arange(1, top + 1), k),
                "index": self.indices.ravel(),
                "score": self.scores.ravel(),
            }
        )

    def plot(self, top=None, size=None):
        """A grid: one row per class or concept, its prototypes from left (highest score) to right.

        Args:
            top: examples per row to draw (default: all).
            size: inches per image (default 1.2 for classes, 0.9 for concepts).

        Returns:
            The matplotlib figure.
        """
        import matplotlib.pyplot as plt

        style = _STYLE[self.kind]
        size = style["size"] if size is None else size
        k, available = self.indices.shape
        top = available if top is None else min(int(top), available)
        pad_w, pad_h = style["pad"]
        fig, axes = plt.subplots(k, top, figsize=(size * top + pad_w, size * k + pad_h), squeeze=False)
        for r, label in enumerate(self.labels()):
            for j in range(top):
                ax = axes[r, j]
                ax.imshow(self.images[r, j, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{self.scores[r, j]:.{style['digits']}f}", fontsize=7)
            axes[r, 0].set_ylabel(label, **style["ylabel"])
        fig.suptitle(style["title"], fontsize=10)
        fig.tight_layout()
        return fig

    def __repr__(self):
        rows = "classes" if self.kind == "class" else "concepts"
        return f"Prototypes({rows}={self.rows.tolist()}, top={self.indices.shape[1]})"
