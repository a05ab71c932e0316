"""``Result``: what every metric returns, carrying the direction that means a better explanation."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BETTER = ("lower", "higher")


@dataclass
class Result:
    """The outcome of one metric on a batch: one score per input, plus a curve where there is one.

    Attributes:
        metric: the metric's name, e.g. ``"deletion"``.
        scores: float array (n,): the metric per input (for curves: the normalised AUC).
        targets: int array (n,): the class whose output was measured.
        better: ``"lower"`` or ``"higher"``: which direction means a better explanation (None:
            filled in from the metric's registration by :func:`xai_teach.metrics.registry.metric`).
        curve: curves only: (n, steps + 1) model output after each step.
        fractions: curves only: (steps + 1,) fraction of features removed/inserted at each step.
        details: further arrays (e.g. per-sample ratios) for plots and exercises.
    """

    metric: str
    scores: np.ndarray
    targets: np.ndarray
    better: str = None
    curve: np.ndarray = None
    fractions: np.ndarray = None
    details: dict = field(default_factory=dict)

    @property
    def auc(self):
        """Normalised area under the curve per input (curves only)."""
        if self.curve is None:
            raise AttributeError(f"{self.metric} has no curve, hence no AUC; read .scores.")
        return self.scores

    @property
    def mean(self):
        """Mean score over the inputs (NaN scores left out)."""
        ok = self.scores[~np.isnan(self.scores)]
        return float(ok.mean()) if len(ok) else float("nan")

    @property
    def sem(self):
        """Standard error of the mean score."""
        ok = self.scores[~np.isnan(self.scores)]
        return float(ok.std(ddof=1) / np.sqrt(len(ok))) if len(ok) > 1 else float("nan")

    def __post_init__(self):
        if self.better is not None and self.better not in BETTER:
            raise ValueError(f"better must be 'lower' or 'higher', got {self.better!r}.")

    def to_frame(self):
        """Tidy DataFrame: one row per input with its target, score and better direction (as :func:`report` rows)."""
        return pd.DataFrame(
            {
                "metric": self.metric,
                "input": np.arange(len(self.scores)),
                "target": self.targets,
                "value": self.scores,
                "better": self.better,
            }
        )

    def plot(self, ax=None, label=None):
        """Draw the mean curve with a band of one standard deviation; returns the axes."""
        import matplotlib.pyplot as plt

        if self.curve is None:
            raise AttributeError(f"{self.metric} has no curve to plot.")
        ax = ax if ax is not None else plt.subplots(figsize=(4, 3))[1]
        mean, std = self.curve.mean(0), self.curve.std(0)
        name = label or self.metric
        ax.plot(self.fractions, mean, label=f"{name} (AUC {self.mean:.3f})")
        ax.fill_between(self.fractions, mean - std, mean + std, alpha=0.2)
        ax.set_xlabel(self.details.get("xlabel", "fraction of features"))
        ax.set_ylabel(self.details.get("ylabel", "output for the target class"))
        ax.legend(fontsize=8)
        return ax

    def __repr__(self):
        kind = "curve, " if self.curve is not None else ""
        return f"Result({self.metric}: {kind}n={len(self.scores)}, mean={self.mean:.4g}, {self.better} is better)"


@dataclass(repr=False)
class Steps(Result):
    """A :class:`Result` of a metric that runs in steps (background sizes, randomised layers).

    ``scores`` hold one number per input, as for every metric (each function says which step's);
    ``frame`` holds every step: a tidy DataFrame with one row per (step, input).

    Attributes:
        frame: the table of every step and input.
    """

    frame: pd.DataFrame = None
