"""Helpers shared by the auto-checks: feedback printing and answer validation."""

import numbers

import numpy as np


def report(ok, message):
    """Print feedback that starts with 'Correct' or 'Not yet' and return ``ok``."""
    print(("Correct: " if ok else "Not yet: ") + message)
    return ok


def as_array(answer, shape, what):
    """Return ``(array, None)``, or ``(None, problem)`` when the answer is not finite numbers of ``shape``."""
    expected = f"{what} should be an array of numbers of shape {shape}"
    if answer is None:
        return None, f"{expected}, got None (did the cell return its result?)."
    if isinstance(answer, (str, bytes, dict, set)):
        return None, f"{expected}, got a {type(answer).__name__}."
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{expected}, got {type(answer).__name__}."
    if arr.shape != shape:
        got = "a single number" if arr.shape == () else f"shape {arr.shape}"
        return None, f"{what} should have shape {shape}, got {got}."
    if not np.all(np.isfinite(arr)):
        return None, f"{what} contains NaN or inf values; every entry should be a finite number."
    return arr, None


def checked(*results):
    """The values of several ``(value, problem)`` checks, then the first problem (None when every check passed).

    ``arr, target, problem = checked(as_array(...), as_target(...))``.
    """
    problems = [problem for _, problem in results if problem]
    return (*(value for value, _ in results), problems[0] if problems else None)


def as_choice(answer, options, what):
    """Return ``(answer, None)`` when ``answer`` is one of ``options`` (str), else ``(None, problem)``."""
    if not isinstance(answer, str) or answer.strip().lower() not in options:
        return None, f"{what} should be one of {', '.join(repr(o) for o in options)}, got {answer!r}."
    return answer.strip().lower(), None


def _described(answer):
    """How an answer is named in a message: ``None``, ``a str ('7')``, ``3.0`` ..."""
    if answer is None:
        return "None (did the cell return its result?)"
    if isinstance(answer, (str, bytes)):
        return f"a {type(answer).__name__} ({answer!r})"
    if isinstance(answer, (bool, np.bool_, int, float, np.number)):
        return repr(answer.item() if isinstance(answer, np.generic) else answer)
    return f"a {type(answer).__name__}"


def as_number(answer, what):
    """Return ``(float, None)``, or ``(None, problem)`` when ``answer`` is not one finite number.

    A number or a NumPy array holding one number passes; a list, a str, a bool or None does not.
    """
    expected = f"{what}: expected one number"
    if not isinstance(answer, (numbers.Real, np.ndarray, np.generic)) or isinstance(answer, (bool, np.bool_)):
        return None, f"{expected}, got {_described(answer)}."
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{expected}, got {_described(answer)}."
    if arr.size != 1:
        return None, f"{expected}, got an array of shape {arr.shape}."
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        return None, f"{expected} (a finite one), got {value}."
    return value, None


def as_target(target, classes, what="target"):
    """Return ``(int, None)``, or ``(None, problem)`` when ``target`` is not a class index in ``0..classes-1``."""
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer)):
        return None, f"{what}: expected one int, a class from 0 to {classes - 1}; got {_described(target)}."
    if not 0 <= int(target) < classes:
        return None, f"{what}: expected a class from 0 to {classes - 1}, got {int(target)}."
    return int(target), None
