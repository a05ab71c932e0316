"""Helpers shared by the auto-checks: feedback printing and answer validation."""

import numpy as np


def report(ok, message):
    """Print feedback that starts with 'Correct' or 'Not yet' and return ``ok``."""
    print(("Correct: " if ok else "Not yet: ") + message)
    return ok


def as_array(answer, shape, what):
    """Return ``(array, None)``, or ``(None, problem)`` when the answer is not numbers of ``shape``."""
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{what} should be an array of numbers, got {type(answer).__name__}."
    if arr.shape != shape:
        return None, f"{what} should have shape {shape}, got {arr.shape}."
    return arr, None
