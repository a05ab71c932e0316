"""Small statistics the book reports with its means: bootstrap confidence intervals."""

import numpy as np

from .checks import MAX_DRAWS, positive_int

__all__ = ["bootstrap_ci"]


def bootstrap_ci(values, statistic=np.mean, *, n_boot=2000, level=0.95, random_state=0):
    """Percentile bootstrap interval of ``statistic`` over the first axis of ``values``.

    Returns ``(estimate, low, high)``: the statistic on ``values`` itself and the ``level``
    percentile interval over ``n_boot`` resamples (drawn with replacement, seeded by
    ``random_state``). ``statistic`` must take an ``axis`` argument (numpy's mean and median do):
    all resamples are evaluated in one vectorised call. Extra axes of ``values`` (e.g. one column
    per method) give one estimate and interval per column.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0 or arr.shape[0] < 2:
        raise ValueError(f"values must hold at least 2 observations along the first axis, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite (no NaN or inf).")
    if not (isinstance(level, float) and 0.0 < level < 1.0):
        raise ValueError(f"level must be a float in (0, 1), e.g. 0.95; got {level!r}.")
    n_boot = positive_int(n_boot, "n_boot", high=MAX_DRAWS)
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, arr.shape[0], size=(n_boot, arr.shape[0]))
    boot = statistic(arr[idx], axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail], axis=0)
    return statistic(arr, axis=0), low, high
