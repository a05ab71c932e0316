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


def as_choice(answer, options, what):
    """Return ``(answer, None)`` when ``answer`` is one of ``options`` (str), else ``(None, problem)``."""
    if not isinstance(answer, str) or answer.strip().lower() not in options:
        return None, f"{what} should be one of {', '.join(repr(o) for o in options)}, got {answer!r}."
    return answer.strip().lower(), None
